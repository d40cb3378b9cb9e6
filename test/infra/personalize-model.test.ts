import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PersonalizeModel, type PersonalizeModelProps } from '../../lib/constructs/personalize-model';
import {
  INTERACTIONS_SCHEMA,
  ITEMS_SCHEMA,
  USER_PERSONALIZATION_RECIPE_ARN,
} from '../../lib/contract/personalize-schemas';
import {
  resourcesOf,
  asArray,
  functionByDescription,
  statementsOfRole,
  STACK_NAME,
  synthesize,
  type Resource,
  type Synthesized,
} from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

describe('deploy parameters', () => {
  it('keeps the five parameters of the original deploy command', () => {
    const parameters = synth.template.toJSON().Parameters as Record<string, { Type: string }>;
    for (const name of [
      'bucketARN',
      'bucketObjectsARN',
      'interactionDataLocation',
      'itemDataLocation',
      'solutionRegion',
    ]) {
      expect(parameters[name]).toMatchObject({ Type: 'String' });
    }
  });

  it('rejects data locations that are not S3 URIs before anything is created (empty: the stack builds its own bucket)', () => {
    synth.template.hasParameter('interactionDataLocation', { AllowedPattern: '^(s3://.+)?$' });
    synth.template.hasParameter('itemDataLocation', { AllowedPattern: '^(s3://.+)?$' });
  });
});

describe('Personalize model', () => {
  it('registers the interactions and items schemas of lib/contract/personalize-schemas.ts', () => {
    const schemas = Object.values(
      synth.template.findResources('AWS::Personalize::Schema') as Record<string, Resource>,
    );
    const registered = schemas.map((schema) => JSON.parse(String(schema.Properties?.Schema)) as unknown);
    expect(registered).toEqual(expect.arrayContaining([INTERACTIONS_SCHEMA, ITEMS_SCHEMA]));
    expect(registered).toHaveLength(2);
  });

  it('imports each dataset from its data location parameter when given, with the PascalCase DataLocation CloudFormation needs', () => {
    for (const [datasetType, parameter] of [
      ['Interactions', 'interactionDataLocation'],
      ['Items', 'itemDataLocation'],
    ] as const) {
      synth.template.hasResourceProperties('AWS::Personalize::Dataset', {
        DatasetType: datasetType,
        DatasetImportJob: {
          // aws-cdk issue 29411: a camelCase `dataLocation` is copied verbatim and fails only at deploy time.
          DataSource: Match.exact({
            DataLocation: {
              'Fn::If': [
                'DataBucketNotGiven',
                Match.anyValue(),
                { 'Fn::Join': ['', [{ Ref: parameter }, '']] },
              ],
            },
          }),
          JobName: Match.stringLikeRegexp(`^${STACK_NAME}-`),
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ImportRole'), 'Arn'] },
        },
      });
    }
  });

  it('derives the Personalize names from the stack name so two stacks can share an account', () => {
    synth.template.hasResourceProperties('AWS::Personalize::DatasetGroup', {
      Name: Match.stringLikeRegexp(`^${STACK_NAME}-dataset-group-[0-9a-f]{8}$`),
    });
    synth.template.hasResourceProperties('AWS::Personalize::Solution', {
      Name: Match.stringLikeRegexp(`^${STACK_NAME}-solution-[0-9a-f]{8}$`),
    });
  });

  it('trains the solution on the aws-user-personalization recipe by default', () => {
    synth.template.hasResourceProperties('AWS::Personalize::Solution', {
      RecipeArn: USER_PERSONALIZATION_RECIPE_ARN,
      DatasetGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DatasetGroup'), 'DatasetGroupArn'] },
    });
  });

  it('uses the recipe given at synth time', () => {
    const recipeArn = 'arn:aws:personalize:::recipe/aws-popularity-count';
    const other = synthesize({ props: { recipeArn } });
    other.template.hasResourceProperties('AWS::Personalize::Solution', { RecipeArn: recipeArn });
  });

  it('lets only Personalize, acting for this account, assume the import role', () => {
    synth.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'personalize.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
  });

  it("gives the import role s3:GetObject on the objects and s3:ListBucket on the bucket (the given one, or the stack's), and nothing else", () => {
    const roles = synth.template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'personalize.amazonaws.com' } }] },
      },
    });
    const [roleId] = Object.keys(roles);
    const statements = statementsOfRole(synth.template, roleId!);
    const grants = statements.map((statement) => ({
      actions: asArray(statement.Action),
      resource: statement.Resource,
    }));
    expect(grants).toEqual(
      expect.arrayContaining([
        {
          actions: ['s3:GetObject'],
          resource: { 'Fn::If': ['DataBucketNotGiven', expect.anything(), { Ref: 'bucketObjectsARN' }] },
        },
        {
          actions: ['s3:ListBucket'],
          resource: { 'Fn::If': ['DataBucketNotGiven', expect.anything(), { Ref: 'bucketARN' }] },
        },
      ]),
    );
    expect(grants.flatMap((grant) => grant.actions).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect((roles[roleId!] as Resource).Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('creates the datasets only once the import role can read the bucket', () => {
    const datasets = synth.template.findResources('AWS::Personalize::Dataset') as Record<string, Resource>;
    for (const dataset of Object.values(datasets)) {
      expect(dataset.DependsOn).toEqual(
        expect.arrayContaining([expect.stringMatching(/ImportRoleDefaultPolicy/)]),
      );
    }
  });
});

describe('updates that replace Personalize resources (CloudFormation refuses a replacement of the same name)', () => {
  /** Every Personalize name of a template, by resource type and logical id. */
  const namesOf = (template: Template) => {
    const names: Record<string, string> = {};
    for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, Resource>)) {
      if (!resource.Type.startsWith('AWS::Personalize::')) continue;
      names[id] = String(resource.Properties?.Name);
      const job = resource.Properties?.DatasetImportJob as { JobName?: string } | undefined;
      if (job?.JobName) names[`${id}.ImportJob`] = job.JobName;
    }
    return names;
  };
  const changedNames = (before: Template, after: Template) => {
    const a = namesOf(before);
    const b = namesOf(after);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    return Object.keys(a)
      .filter((id) => a[id] !== b[id])
      .map((id) => id.replace(/[0-9A-F]{8}(?=\.|$)/, ''))
      .sort();
  };
  const modelOnly = (props: Partial<PersonalizeModelProps> = {}) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, STACK_NAME);
    new PersonalizeModel(stack, 'Model', {
      bucketArn: 'arn:aws:s3:::data',
      bucketObjectsArn: 'arn:aws:s3:::data/*',
      interactionDataLocation: 's3://data/interactions.csv',
      itemDataLocation: 's3://data/items.csv',
      ...props,
    });
    return Template.fromStack(stack);
  };

  it('renames the solution alone when the recipe changes (-c recipeArn=... on an existing stack)', () => {
    const other = synthesize({ props: { recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count' } });
    expect(changedNames(synth.template, other.template)).toEqual(['ModelSolution']);
  });

  it('renames the solution alone when its configuration changes', () => {
    expect(changedNames(modelOnly(), modelOnly({ solutionConfig: { eventValueThreshold: '0.5' } }))).toEqual([
      'ModelSolution',
    ]);
  });

  it('renames the dataset group, schemas, datasets, import jobs and solution when a schema changes', () => {
    const itemsSchema = {
      ...ITEMS_SCHEMA,
      fields: [...ITEMS_SCHEMA.fields, { name: 'CREATION_TIMESTAMP', type: 'long' }],
    };
    expect(changedNames(modelOnly(), modelOnly({ itemsSchema }))).toEqual(
      [
        'ModelDatasetGroup',
        'ModelInteractionsDataset',
        'ModelInteractionsDataset.ImportJob',
        'ModelInteractionsSchema',
        'ModelItemsDataset',
        'ModelItemsDataset.ImportJob',
        'ModelItemsSchema',
        'ModelSolution',
      ].sort(),
    );
  });

  it('refuses a recipe or solution config known only at deploy time: its names would change on every synth', () => {
    expect(() => modelOnly({ recipeArn: Lazy.string({ produce: () => 'x' }) })).toThrow(
      /known at synth time/,
    );
    expect(() =>
      modelOnly({ solutionConfig: { eventValueThreshold: Lazy.string({ produce: () => '1' }) } }),
    ).toThrow(/known at synth time/);
  });

  it('registers the schemas it is given', () => {
    const itemsSchema = { ...ITEMS_SCHEMA, fields: ITEMS_SCHEMA.fields.slice(0, 2) };
    modelOnly({ itemsSchema }).hasResourceProperties('AWS::Personalize::Schema', {
      Schema: JSON.stringify(itemsSchema),
    });
  });
});

describe("the solution's automatic training (AWS::Personalize::Solution cannot set it)", () => {
  const autoTrainingOf = (template: Template) => {
    const found = Object.entries(
      template.findResources('Custom::PersonalizeSolutionAutoTraining') as Record<string, Resource>,
    );
    expect(found).toHaveLength(1);
    return found[0]![1];
  };

  it('is turned off by default, for this solution', () => {
    expect(autoTrainingOf(synth.template).Properties).toEqual({
      ServiceToken: {
        'Fn::GetAtt': [expect.stringMatching(/^ModelAutoTrainingProviderframeworkonEvent/), 'Arn'],
      },
      SolutionArn: { 'Fn::GetAtt': [expect.stringMatching(/^ModelSolution/), 'SolutionArn'] },
      PerformAutoTraining: 'false',
    });
  });

  it.each([['rate(7 days)'], ['rate(1 day)'], ['rate(30 days)']])(
    'trains on the schedule -c autoTraining=%s',
    (schedule) => {
      const { template } = synthesize({ context: { autoTraining: schedule } });
      expect(autoTrainingOf(template).Properties).toMatchObject({
        PerformAutoTraining: 'true',
        SchedulingExpression: schedule,
      });
    },
  );

  it('takes the setting from the stack props over the context', () => {
    const { template } = synthesize({
      props: { autoTraining: 'rate(3 days)' },
      context: { autoTraining: 'false' },
    });
    expect(autoTrainingOf(template).Properties).toMatchObject({ SchedulingExpression: 'rate(3 days)' });
  });

  it.each([['true'], ['rate(31 days)'], ['rate(0 days)'], ['rate(7 hours)'], ['weekly']])(
    'refuses -c autoTraining=%s (Personalize takes rate(N days), N from 1 to 30)',
    (value) => {
      expect(() => synthesize({ context: { autoTraining: value } })).toThrow(/autoTraining must be/);
    },
  );

  it('is configured once the solution exists, and deleted before the clean-up runs', () => {
    const resource = autoTrainingOf(synth.template);
    // Deleted first: automatic training is off before the clean-up's last pass, so no version starts after it.
    expect(resource.DependsOn).toEqual(expect.arrayContaining(['ModelCleanupE62B322E']));
  });

  it('polls through the provider framework with the project handlers (lambda/configureSolution.ts)', () => {
    for (const prefix of ['Starts setting the automatic training', 'Sets the automatic training']) {
      const { resource } = functionByDescription(synth.template, prefix);
      expect(resource.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
    // One waiter per polling provider: the auto-training setting, the clean-up and the filters.
    synth.template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
  });
});

describe('clean-up of run-time resources on delete', () => {
  it('is a custom resource given the solution and dataset group, deleted before them', () => {
    const cleanup = synth.template.findResources('Custom::PersonalizeCleanup') as Record<string, Resource>;
    const [resource] = Object.values(cleanup);
    expect(resource?.Properties).toMatchObject({
      DatasetGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/DatasetGroup/), 'DatasetGroupArn'] },
      SolutionArn: { 'Fn::GetAtt': [expect.stringMatching(/Solution/), 'SolutionArn'] },
    });
    // CloudFormation deletes in reverse dependency order: the cleanup runs before the solution and group go.
    expect(resource?.DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ModelSolution/),
        expect.stringMatching(/^ModelDatasetGroup/),
      ]),
    );
  });

  it('keeps its logical id and service token: CloudFormation refuses a changed ServiceToken, and a new id would delete live campaigns', () => {
    const cleanup = resourcesOf(synth.template).ModelCleanupE62B322E!;
    expect(cleanup.Type).toBe('Custom::PersonalizeCleanup');
    expect(cleanup.Properties?.ServiceToken).toEqual({
      'Fn::GetAtt': ['ModelCleanupProviderframeworkonEvent4B67164F', 'Arn'],
    });
  });

  it('polls for completion through the provider framework (onEvent and isComplete handlers)', () => {
    for (const exportName of ['onEvent', 'isComplete']) {
      synth.template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: `index.${exportName}`,
        Runtime: 'nodejs22.x',
      });
    }
    // One waiter per polling provider: the auto-training setting, the clean-up and the filters.
    synth.template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
  });

  it('may delete campaigns and event trackers only by ARN pattern, and list without resource scope only', () => {
    const functions = synth.template.findResources('AWS::Lambda::Function', {
      Properties: {
        Handler: Match.stringLikeRegexp('^index\\.(onEvent|isComplete)$'),
        Description: Match.stringLikeRegexp('campaigns and event trackers'),
      },
    }) as Record<string, Resource>;
    for (const fn of Object.values(functions)) {
      const roleId = (fn.Properties?.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const statements = statementsOfRole(synth.template, roleId);
      const personalize = statements.filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('personalize:')),
      );
      for (const statement of personalize) {
        const actions = asArray(statement.Action).filter((action) => action.startsWith('personalize:'));
        if (statement.Resource === '*') {
          expect(actions.filter((action) => !action.startsWith('personalize:List'))).toEqual([]);
        }
      }
      const deleteCampaign = personalize.find((s) =>
        asArray(s.Action).includes('personalize:DeleteCampaign'),
      );
      expect(JSON.stringify(deleteCampaign?.Resource)).toContain(':campaign/*');
      const deleteTracker = personalize.find((s) =>
        asArray(s.Action).includes('personalize:DeleteEventTracker'),
      );
      expect(JSON.stringify(deleteTracker?.Resource)).toContain(':event-tracker/*');
      // Exactly what lambda/cleanupResources.ts calls, nothing more.
      const actions = personalize.flatMap((s) => asArray(s.Action));
      expect(actions.filter((action) => action.startsWith('personalize:')).sort()).toEqual([
        'personalize:DeleteCampaign',
        'personalize:DeleteEventTracker',
        'personalize:ListCampaigns',
        'personalize:ListEventTrackers',
        'personalize:ListSolutionVersions',
        'personalize:ListSolutions',
        'personalize:StopSolutionVersionCreation',
      ]);
    }
    expect(Object.keys(functions)).toHaveLength(2);
  });
});
