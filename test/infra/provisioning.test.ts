import { expect } from '@jest/globals';
import {
  provisioningDefinition,
  SIGNAL_FUNCTION_PLACEHOLDER,
} from '../../lib/contract/provisioning-workflow';
import { OWNER_TAG_ENV, OWNER_TAG_KEY } from '../../lib/contract/ownership';
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

function only(type: string): { id: string; resource: Resource } {
  const found = Object.entries(provisioned.template.findResources(type) as Record<string, Resource>);
  expect(found).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, resource };
}
const provisioningResource = () => only('Custom::PersonalizeProvisioning');
/** The provisioning's state machine (the clean-up's and auto-training's Provider waiters are others). */
function workflow(): { id: string; resource: Resource } {
  const found = Object.entries(
    provisioned.template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>,
  ).filter(([id]) => id.startsWith('Provisioning'));
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

  it("deploys the contract's workflow unchanged, with only the signal function substituted", () => {
    const { id, resource } = workflow();
    expect(id).toMatch(/^ProvisioningWorkflow/);
    expect(JSON.parse(resource.Properties?.DefinitionString as string)).toEqual(provisioningDefinition());
    const signal = functionByDescription(
      provisioned.template,
      "Signals the one-shot provisioning's WaitCondition",
    );
    expect(resource.Properties?.DefinitionSubstitutions).toEqual({
      [SIGNAL_FUNCTION_PLACEHOLDER.slice(2, -1)]: { 'Fn::GetAtt': [signal.id, 'Arn'] },
    });
    // A standard workflow (an express one lasts five minutes at most), logged without its data, traced.
    expect(resource.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
  });

  it("waits on a WaitCondition for 43200 s (CloudFormation's maximum), not on a custom resource (3600 s at most)", () => {
    const { id: starterId } = provisioningResource();
    const wait = only('AWS::CloudFormation::WaitCondition');
    const handle = only('AWS::CloudFormation::WaitConditionHandle');
    expect(wait.resource.Properties).toEqual({ Handle: { Ref: handle.id }, Timeout: '43200', Count: 1 });
    expect(wait.resource.DependsOn).toEqual([starterId]);
    // Twelve hours, in the workflow too: nothing runs after the WaitCondition gave up.
    expect(provisioningDefinition().TimeoutSeconds).toBe(43200);
    // Polling every 60 s in Wait states; no Provider waiter polls this resource (its timeout was the limit).
    expect(JSON.stringify(provisioningDefinition())).toContain('"Type":"Wait","Seconds":60');
    const waiters = Object.keys(provisioned.template.findResources('AWS::StepFunctions::StateMachine'));
    expect(waiters.filter((logicalId) => /^Provisioning.*waiter/i.test(logicalId))).toEqual([]);
  });

  it("starts the execution with the model's ARNs and the handle, and reads the outputs from the WaitCondition's Data", () => {
    const { resource } = provisioningResource();
    const wait = only('AWS::CloudFormation::WaitCondition');
    const handle = only('AWS::CloudFormation::WaitConditionHandle');
    const machine = workflow();
    expect(resource.Properties).toMatchObject({
      StateMachineArn: { Ref: machine.id },
      WaitHandle: { Ref: handle.id },
    });
    const outputs = only('Custom::PersonalizeProvisioned');
    expect(outputs.resource.Properties).toMatchObject({ Signals: { 'Fn::GetAtt': [wait.id, 'Data'] } });
  });

  it('names the WaitCondition after the model, so a replaced dataset group or solution waits again', () => {
    const other = synthesize({
      context: { provision: 'true' },
      props: { recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count' },
    });
    const idOf = (synth: Synthesized) =>
      Object.keys(synth.template.findResources('AWS::CloudFormation::WaitCondition'))[0];
    expect(idOf(other)).toMatch(/^ProvisioningWait/);
    expect(idOf(other)).not.toBe(idOf(provisioned));
  });

  it('is deleted before the clean-up and the auto-training setting (created after them), so its execution is stopped first', () => {
    const { resource } = provisioningResource();
    const dependsOn = resource.DependsOn as string[];
    expect(dependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ModelCleanup/),
        expect.stringMatching(/^ModelAutoTraining/),
      ]),
    );
  });

  it('outputs SolutionVersionArn, CampaignArn, EventTrackerArn and TrackingId from the outputs resource', () => {
    const { id } = only('Custom::PersonalizeProvisioned');
    for (const name of OUTPUTS) {
      provisioned.template.hasOutput(name, { Value: { 'Fn::GetAtt': [id, name] } });
    }
  });

  it("scopes the workflow's role: creates only with the owner tag, describes campaigns and trackers only with it", () => {
    const machine = workflow();
    const roleId = (machine.resource.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const grants = grantsOfRole(provisioned.template, roleId, 'personalize');
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
    expect(onStar.sort()).toEqual(['personalize:ListDatasetImportJobs', 'personalize:ListEventTrackers']);
    expect(parsed.filter((g) => /Delete|Stop/.test(g.action))).toEqual([]);
  });

  it('lets the starter start and stop only its own workflow, and gives the signal function nothing', () => {
    const starter = functionByDescription(provisioned.template, 'Starts the one-shot provisioning workflow');
    expect(starter.resource.Properties?.Environment).toMatchObject({
      Variables: { [OWNER_TAG_ENV]: STACK_NAME },
    });
    const machine = workflow();
    const states = grantsOfRole(provisioned.template, roleOf(starter.resource), 'states').map(
      (line) => JSON.parse(line) as { action: string; resource: unknown },
    );
    expect(states.map((g) => g.action).sort()).toEqual([
      'states:DescribeExecution',
      'states:StartExecution',
      'states:StopExecution',
    ]);
    expect(states.find((g) => g.action === 'states:StartExecution')?.resource).toEqual({ Ref: machine.id });
    for (const grant of states.filter((g) => g.action !== 'states:StartExecution')) {
      expect(JSON.stringify(grant.resource)).toContain(':execution:');
      expect(JSON.stringify(grant.resource)).toContain(machine.id);
    }
    expect(grantsOfRole(provisioned.template, roleOf(starter.resource), 'personalize')).toEqual([]);
    const signal = functionByDescription(
      provisioned.template,
      "Signals the one-shot provisioning's WaitCondition",
    );
    for (const service of ['personalize', 'states', 's3']) {
      expect(grantsOfRole(provisioned.template, roleOf(signal.resource), service)).toEqual([]);
    }
  });

  it('stays clean under cdk-nag (every finding acknowledged)', () => {
    const violations = provisioned.tree.violations.filter((v) => /^AwsSolutions-/.test(v.ruleName));
    expect(violations.map((v) => `${v.ruleName} ${v.constructPaths.join(', ')}`)).toEqual([]);
  });
});
