import { AwsSolutionsChecks } from 'cdk-nag';
import { OWNER_TAG_ENV, OWNER_TAG_KEY } from '../../lambda/shared/ownership';
import { PROVISIONING_OUTPUTS } from '../../lib/contract/stack-outputs';
import {
  functionByDescription,
  grantsOfRole,
  roleOf,
  STACK_NAME,
  synthesize,
  type Resource,
  type Synthesized,
} from './synth';

let provisioned: Synthesized;
let plain: Synthesized;
beforeAll(() => {
  provisioned = synthesize({ context: { provision: 'true' } });
  plain = synthesize();
});

const OUTPUTS = Object.values(PROVISIONING_OUTPUTS);

function provisioningResource(): { id: string; resource: Resource } {
  const found = Object.entries(
    provisioned.template.findResources('Custom::PersonalizeProvisioning') as Record<string, Resource>,
  );
  expect(found).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, resource };
}

describe('provision=false (the default)', () => {
  it('adds no provisioning resource and none of its outputs', () => {
    expect(Object.keys(plain.template.findResources('Custom::PersonalizeProvisioning'))).toEqual([]);
    const outputs = Object.keys(plain.template.toJSON().Outputs as Record<string, unknown>);
    for (const name of OUTPUTS) expect(outputs).not.toContain(name);
  });

  it('refuses a provision value that is not true or false', () => {
    expect(() => synthesize({ context: { provision: 'yes' } })).toThrow(
      /Context provision must be true or false/,
    );
  });
});

describe('provision=true', () => {
  it('adds the custom resource, given the dataset group, the solution and both datasets', () => {
    const { resource } = provisioningResource();
    expect(resource.Properties).toMatchObject({
      DatasetGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/^ModelDatasetGroup/), 'DatasetGroupArn'] },
      SolutionArn: { 'Fn::GetAtt': [expect.stringMatching(/^ModelSolution/), 'SolutionArn'] },
      Name: `${STACK_NAME}-provisioned`,
    });
    const datasets = resource.Properties?.DatasetArns as Array<{ 'Fn::GetAtt': [string, string] }>;
    expect(datasets.map((d) => d['Fn::GetAtt'][1])).toEqual(['DatasetArn', 'DatasetArn']);
    expect(datasets.map((d) => d['Fn::GetAtt'][0]).sort()).toEqual([
      expect.stringMatching(/InteractionsDataset/),
      expect.stringMatching(/ItemsDataset/),
    ]);
  });

  it('polls through the Provider framework: every minute, for two hours at most', () => {
    const machines = provisioned.template.findResources('AWS::StepFunctions::StateMachine');
    const definitions = Object.entries(machines)
      .filter(([id]) => id.startsWith('Provisioning'))
      .map(([, m]) => JSON.stringify(m));
    expect(definitions).toHaveLength(1);
    // 2 hours / 60 s = 120 attempts, 60 s apart.
    expect(definitions[0]).toMatch(/\\"IntervalSeconds\\":60/);
    expect(definitions[0]).toMatch(/\\"MaxAttempts\\":120/);
  });

  it('is deleted before the clean-up and the auto-training setting (created after them)', () => {
    const { resource } = provisioningResource();
    const dependsOn = resource.DependsOn as string[];
    expect(dependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ModelCleanup/),
        expect.stringMatching(/^ModelAutoTraining/),
      ]),
    );
  });

  it('outputs SolutionVersionArn, CampaignArn, EventTrackerArn and TrackingId from the resource', () => {
    const { id } = provisioningResource();
    for (const name of OUTPUTS) {
      provisioned.template.hasOutput(name, { Value: { 'Fn::GetAtt': [id, name] } });
    }
  });

  it('scopes the handlers: creates only with the owner tag, describes campaigns and trackers only with it', () => {
    for (const description of ['Starts the one-shot provisioning', 'Advances the one-shot provisioning']) {
      const fn = functionByDescription(provisioned.template, description);
      expect(fn.resource.Properties?.Environment).toMatchObject({
        Variables: { [OWNER_TAG_ENV]: STACK_NAME },
      });
      const grants = grantsOfRole(provisioned.template, roleOf(fn.resource), 'personalize');
      const tagOnCreate = {
        StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: STACK_NAME },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY] },
      };
      const tagged = { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: STACK_NAME } };
      const parsed = grants.map(
        (line) => JSON.parse(line) as { action: string; resource: unknown; condition: unknown },
      );
      const conditionsOf = (action: string) =>
        parsed.filter((g) => g.action === action).map((g) => JSON.stringify(g.condition));
      for (const action of ['CreateSolutionVersion', 'CreateCampaign', 'CreateEventTracker']) {
        const conditions = conditionsOf(`personalize:${action}`);
        expect(conditions.length).toBeGreaterThan(0);
        for (const condition of conditions) expect(condition).toBe(JSON.stringify(tagOnCreate));
      }
      for (const action of ['DescribeCampaign', 'DescribeEventTracker']) {
        const conditions = conditionsOf(`personalize:${action}`);
        expect(conditions.length).toBeGreaterThan(0);
        for (const condition of conditions) expect(condition).toBe(JSON.stringify(tagged));
      }
      // "*" only for the listings, which have no resource type.
      const onStar = parsed.filter((g) => g.resource === '*').map((g) => g.action);
      expect(onStar.sort()).toEqual([
        'personalize:ListCampaigns',
        'personalize:ListDatasetImportJobs',
        'personalize:ListEventTrackers',
        'personalize:ListSolutionVersions',
      ]);
      // Nothing that deletes.
      expect(parsed.filter((g) => /Delete|Stop/.test(g.action))).toEqual([]);
      const trackerResources = parsed
        .filter((g) => g.action === 'personalize:CreateEventTracker')
        .map((g) => JSON.stringify(g.resource));
      expect(trackerResources.some((r) => r.includes('DatasetGroupArn'))).toBe(true);
    }
  });

  it('stays clean under cdk-nag (every finding acknowledged)', () => {
    const violations = new AwsSolutionsChecks(provisioned.app, { verbose: true })
      .validateScope(provisioned.app)
      .violations.filter((v) => /^AwsSolutions-/.test(v.ruleName));
    expect(
      violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  });
});
