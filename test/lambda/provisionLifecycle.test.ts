// First import: the factories set the test environment before any SDK client is created.
import { ACCOUNT, DATASET_GROUP_ARN, REGION, SOLUTION_ARN, STACK_NAME, lambdaContext } from './factories';
import { expect } from '@jest/globals';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { onEvent, resultOfSignals, signal } from '../../lambda/provisionLifecycle';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ProvisioningWorkflow`;
const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:ProvisioningWorkflow:request-1`;
const HANDLE = 'https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/handle?X-Amz-Signature=s';
const DATASET_ARN = `arn:aws:personalize:${REGION}:${ACCOUNT}:dataset/movies/INTERACTIONS`;
const RESULT = {
  SolutionVersionArn: `${SOLUTION_ARN}/4f1a9d2c`,
  CampaignArn: `arn:aws:personalize:${REGION}:${ACCOUNT}:campaign/p`,
  EventTrackerArn: `arn:aws:personalize:${REGION}:${ACCOUNT}:event-tracker/0c3d5e7f`,
  TrackingId: '6f3c2b1a-8d4e-4f5a-9b6c-7d8e9f0a1b2c',
};

const properties = (overrides: Record<string, unknown> = {}) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  StateMachineArn: STATE_MACHINE_ARN,
  DatasetGroupArn: DATASET_GROUP_ARN,
  SolutionArn: SOLUTION_ARN,
  DatasetArns: [DATASET_ARN],
  Name: `${STACK_NAME}-provisioned`,
  WaitHandle: HANDLE,
  ...overrides,
});

function event(
  RequestType: 'Create' | 'Update' | 'Delete',
  extra: Record<string, unknown> = {},
): CloudFormationCustomResourceEvent {
  return {
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK_NAME}/1`,
    RequestId: 'request-1',
    LogicalResourceId: 'Provisioning',
    ResourceType: 'Custom::PersonalizeProvisioning',
    ResourceProperties: properties(),
    ...extra,
  } as CloudFormationCustomResourceEvent;
}

describe('Custom::PersonalizeProvisioning', () => {
  it('starts the workflow on Create with the properties, the owner tag and the handle; the execution is the physical id', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

    const response = await onEvent(event('Create'), lambdaContext());

    expect(response).toEqual({ PhysicalResourceId: EXECUTION_ARN });
    const [call] = sfn.commandCalls(StartExecutionCommand);
    expect(call!.args[0].input).toMatchObject({ stateMachineArn: STATE_MACHINE_ARN, name: 'request-1' });
    expect(JSON.parse(call!.args[0].input.input!)).toEqual({
      DatasetGroupArn: DATASET_GROUP_ARN,
      SolutionArn: SOLUTION_ARN,
      DatasetArns: [DATASET_ARN],
      Name: `${STACK_NAME}-provisioned`,
      OwnerTag: STACK_NAME,
      WaitHandle: HANDLE,
    });
  });

  it.each([
    ['DatasetArns', { DatasetArns: [] }, /DatasetArns/],
    ['WaitHandle', { WaitHandle: '' }, /WaitHandle/],
    ['Name', { Name: 'not a name!' }, /Name must be a Personalize name/],
  ])('refuses a Create without a valid %s, naming it, and starts nothing', async (_name, bad, message) => {
    await expect(onEvent(event('Create', { ResourceProperties: properties(bad) }))).rejects.toThrow(message);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('keeps its execution on an Update that changes nothing it reads; starts a new one for a new handle', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTION_ARN}-2` });
    const unchanged = event('Update', {
      PhysicalResourceId: EXECUTION_ARN,
      OldResourceProperties: properties(),
    });
    await expect(onEvent(unchanged)).resolves.toEqual({ PhysicalResourceId: EXECUTION_ARN });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);

    const replaced = event('Update', {
      PhysicalResourceId: EXECUTION_ARN,
      OldResourceProperties: properties({ WaitHandle: `${HANDLE}-old` }),
    });
    await expect(onEvent(replaced)).resolves.toEqual({ PhysicalResourceId: `${EXECUTION_ARN}-2` });

    // From a resource created before the workflow (no handle, no state machine): provisioned anew.
    const { WaitHandle: _handle, StateMachineArn: _machine, ...before } = properties();
    const upgraded = event('Update', {
      PhysicalResourceId: `${DATASET_GROUP_ARN}/provisioning`,
      OldResourceProperties: before,
    });
    await expect(onEvent(upgraded)).resolves.toEqual({ PhysicalResourceId: `${EXECUTION_ARN}-2` });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('stops a running execution on Delete (rollback or cdk destroy), before the clean-up runs', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    await onEvent(event('Delete', { PhysicalResourceId: EXECUTION_ARN }));

    expect(sfn.commandCalls(StopExecutionCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({ executionArn: EXECUTION_ARN, error: 'Provisioning.Deleted' }),
    ]);
  });

  it('stops nothing on Delete when the execution has ended, does not exist, or never started', async () => {
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'SUCCEEDED' });
    await onEvent(event('Delete', { PhysicalResourceId: EXECUTION_ARN }));
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'no such execution', $metadata: {} }));
    await onEvent(event('Delete', { PhysicalResourceId: EXECUTION_ARN }));
    // A Create that failed before starting anything leaves the framework's placeholder id.
    await onEvent(event('Delete', { PhysicalResourceId: 'Provisioning-failed-create' }));

    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });
});

describe('Custom::PersonalizeProvisioned', () => {
  const signals = JSON.stringify({ provisioning: JSON.stringify(RESULT) });
  const provisioned = (Signals: unknown) =>
    event('Create', {
      ResourceType: 'Custom::PersonalizeProvisioned',
      LogicalResourceId: 'ProvisioningOutputs',
      ResourceProperties: { ServiceToken: 'x', Signals },
    });

  it("answers the WaitCondition's Data as its attributes, calling nothing", async () => {
    await expect(onEvent(provisioned(signals))).resolves.toEqual({
      PhysicalResourceId: 'ProvisioningOutputs',
      Data: RESULT,
    });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('refuses Data without the provisioning signal or with a field missing', () => {
    expect(() => resultOfSignals(JSON.stringify({ other: 'x' }))).toThrow(/no provisioning signal/);
    const partial = JSON.stringify({ provisioning: JSON.stringify({ ...RESULT, TrackingId: '' }) });
    expect(() => resultOfSignals(partial)).toThrow(/no TrackingId/);
  });
});

describe('signal', () => {
  const received: Array<{ method?: string; headers: IncomingHttpHeaders; body: string }> = [];
  let status = 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      response.writeHead(status).end();
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/handle?X-Amz-Signature=s`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('PUTs the signal as CloudFormation reads it, without a content type (the URL is presigned)', async () => {
    received.length = 0;
    await signal({ Url: url, Status: 'SUCCESS', UniqueId: 'provisioning', Reason: 'Provisioned', Data: 'd' });

    expect(received).toEqual([
      expect.objectContaining({ method: 'PUT', headers: expect.objectContaining({ 'content-type': '' }) }),
    ]);
    expect(JSON.parse(received[0]!.body)).toEqual({
      Status: 'SUCCESS',
      UniqueId: 'provisioning',
      Reason: 'Provisioned',
      Data: 'd',
    });
  });

  it('fails when the handle refuses the signal, so the workflow retries or fails', async () => {
    status = 403;
    await expect(
      signal({ Url: url, Status: 'FAILURE', UniqueId: 'provisioning', Reason: 'r', Data: '' }),
    ).rejects.toThrow(/answered 403/);
    status = 200;
  });
});
