import {
  DescribeSolutionCommand,
  PersonalizeClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateSolutionCommand,
  type Solution,
} from '@aws-sdk/client-personalize';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { isComplete, onEvent } from '../../lambda/configureSolution';

const personalize = mockClient(PersonalizeClient);

const SOLUTION_ARN = 'arn:aws:personalize:us-east-1:123456789012:solution/stack-solution-0a1b2c3d';
const NEW_SOLUTION_ARN = 'arn:aws:personalize:us-east-1:123456789012:solution/stack-solution-9f8e7d6c';
const REQUESTED_AT = '2026-11-28T12:00:00.000Z';
const OFF = { PerformAutoTraining: 'false' };
const EVERY_5_DAYS = { PerformAutoTraining: 'true', SchedulingExpression: 'rate(5 days)' };

type Setting = Record<string, string>;

function cfnEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  setting: Setting = OFF,
  solutionArn = SOLUTION_ARN,
): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/stack/1',
    RequestId: 'request-1',
    LogicalResourceId: 'ModelAutoTraining',
    ResourceType: 'Custom::PersonalizeSolutionAutoTraining',
    ResourceProperties: { ServiceToken: 'token', SolutionArn: solutionArn, ...setting },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: `${SOLUTION_ARN}/auto-training`,
      OldResourceProperties: { ServiceToken: 'token', SolutionArn: SOLUTION_ARN, ...OFF },
    };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId: `${SOLUTION_ARN}/auto-training` };
}

/** The event isComplete receives: the request, with what onEvent answered (the Provider framework merges them). */
function pollEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  setting: Setting = OFF,
): CloudFormationCustomResourceEvent {
  return {
    ...cfnEvent(requestType, setting),
    PhysicalResourceId: `${SOLUTION_ARN}/auto-training`,
    Data: { RequestedAt: REQUESTED_AT },
  } as unknown as CloudFormationCustomResourceEvent;
}

function solutionIs(solution: Solution): void {
  personalize.on(DescribeSolutionCommand).resolves({ solution: { solutionArn: SOLUTION_ARN, ...solution } });
}

const update = (
  status: string,
  performAutoTraining: boolean,
  schedule?: string,
  created = '2026-11-28T12:01:00Z',
) => ({
  status,
  performAutoTraining,
  creationDateTime: new Date(created),
  ...(schedule ? { solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: schedule } } } : {}),
});

let logLines: Array<Record<string, unknown>>;

beforeEach(() => {
  personalize.reset();
  personalize.on(UpdateSolutionCommand).resolves({ solutionArn: SOLUTION_ARN });
  logLines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    if (typeof chunk === 'string' && chunk.startsWith('{'))
      logLines.push(JSON.parse(chunk) as Record<string, unknown>);
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('onEvent', () => {
  it('names the resource after the solution and calls nothing on Create (isComplete does the work)', async () => {
    const response = await onEvent(cfnEvent('Create'));
    expect(response.PhysicalResourceId).toBe(`${SOLUTION_ARN}/auto-training`);
    expect(Date.parse(String(response.Data?.RequestedAt))).not.toBeNaN();
    expect(personalize.calls()).toHaveLength(0);
  });

  it('keeps the id for the same solution and takes a new one for a replaced solution', async () => {
    await expect(onEvent(cfnEvent('Update', EVERY_5_DAYS))).resolves.toMatchObject({
      PhysicalResourceId: `${SOLUTION_ARN}/auto-training`,
    });
    await expect(onEvent(cfnEvent('Update', OFF, NEW_SOLUTION_ARN))).resolves.toMatchObject({
      PhysicalResourceId: `${NEW_SOLUTION_ARN}/auto-training`,
    });
    expect(personalize.calls()).toHaveLength(0);
  });

  it('keeps its id on Delete', async () => {
    await expect(onEvent(cfnEvent('Delete'))).resolves.toMatchObject({
      PhysicalResourceId: `${SOLUTION_ARN}/auto-training`,
    });
  });

  it.each([
    ['no solution ARN', { PerformAutoTraining: 'false', SolutionArn: '' }, /SolutionArn/],
    ['a setting that is not true or false', { PerformAutoTraining: 'yes' }, /PerformAutoTraining/],
    ['automatic training without a schedule', { PerformAutoTraining: 'true' }, /SchedulingExpression/],
  ])('refuses %s', async (_, setting, message) => {
    const event = cfnEvent('Create');
    const broken = {
      ...event,
      ResourceProperties: { ...event.ResourceProperties, ...setting },
    } as CloudFormationCustomResourceEvent;
    await expect(onEvent(broken)).rejects.toThrow(message);
  });
});

describe('isComplete: turning automatic training off (the default)', () => {
  it('waits for the solution to be ACTIVE before updating it', async () => {
    solutionIs({ status: 'CREATE IN_PROGRESS' });
    await expect(isComplete(pollEvent('Create'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).not.toHaveReceivedCommand(UpdateSolutionCommand);
  });

  it('asks for performAutoTraining false once the solution is ACTIVE, and is not complete yet', async () => {
    solutionIs({ status: 'ACTIVE', performAutoTraining: true });
    await expect(isComplete(pollEvent('Create'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandWith(DescribeSolutionCommand, { solutionArn: SOLUTION_ARN });
    expect(personalize).toHaveReceivedCommandTimes(UpdateSolutionCommand, 1);
    expect(personalize.commandCalls(UpdateSolutionCommand)[0]!.args[0].input).toEqual({
      solutionArn: SOLUTION_ARN,
      performAutoTraining: false,
    });
  });

  it('waits while the update is in progress, without asking again', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('CREATE IN_PROGRESS', false) });
    await expect(isComplete(pollEvent('Create'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).not.toHaveReceivedCommand(UpdateSolutionCommand);
  });

  it('completes when the latest update is ACTIVE with automatic training off', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', false) });
    await expect(isComplete(pollEvent('Create'))).resolves.toEqual({ IsComplete: true });
    expect(personalize).not.toHaveReceivedCommand(UpdateSolutionCommand);
  });

  it('asks again when the latest ACTIVE update has another setting', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', true, 'rate(7 days)') });
    await expect(isComplete(pollEvent('Update'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandWith(UpdateSolutionCommand, { performAutoTraining: false });
  });

  it('waits when Personalize refuses the update for now (ResourceInUseException)', async () => {
    solutionIs({ status: 'ACTIVE', performAutoTraining: true });
    personalize
      .on(UpdateSolutionCommand)
      .rejects(new ResourceInUseException({ message: 'update in progress', $metadata: {} }));
    await expect(isComplete(pollEvent('Create'))).resolves.toEqual({ IsComplete: false });
  });

  it('fails with the reason when its own update failed', async () => {
    solutionIs({
      status: 'ACTIVE',
      latestSolutionUpdate: { ...update('CREATE FAILED', false), failureReason: 'Internal error' },
    });
    await expect(isComplete(pollEvent('Create'))).rejects.toThrow(/Internal error/);
  });

  it('asks again when the failed update is older than this request (a retried deployment)', async () => {
    solutionIs({
      status: 'ACTIVE',
      latestSolutionUpdate: { ...update('CREATE FAILED', false, undefined, '2026-11-27T09:00:00Z') },
    });
    await expect(isComplete(pollEvent('Create'))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandTimes(UpdateSolutionCommand, 1);
  });

  it('fails when the solution itself failed', async () => {
    solutionIs({ status: 'CREATE FAILED' });
    await expect(isComplete(pollEvent('Create'))).rejects.toThrow(/CREATE FAILED/);
  });

  it("logs each poll through the project's structured logger, with the CloudFormation request id", async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', false) });
    await isComplete(pollEvent('Create'));
    expect(logLines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'Solution auto training',
        requestId: 'request-1',
        solutionArn: SOLUTION_ARN,
        wanted: { performAutoTraining: false },
        complete: true,
      }),
    ]);
  });
});

describe('isComplete: automatic training on a schedule (-c autoTraining=rate(5 days))', () => {
  it('asks for automatic training with the schedule', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', false) });
    await expect(isComplete(pollEvent('Update', EVERY_5_DAYS))).resolves.toEqual({ IsComplete: false });
    expect(personalize.commandCalls(UpdateSolutionCommand)[0]!.args[0].input).toEqual({
      solutionArn: SOLUTION_ARN,
      performAutoTraining: true,
      solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: 'rate(5 days)' } },
    });
  });

  it('completes when the latest update is ACTIVE with that schedule', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', true, 'rate(5 days)') });
    await expect(isComplete(pollEvent('Update', EVERY_5_DAYS))).resolves.toEqual({ IsComplete: true });
  });

  it('asks again when the schedule differs', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', true, 'rate(7 days)') });
    await expect(isComplete(pollEvent('Update', EVERY_5_DAYS))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandTimes(UpdateSolutionCommand, 1);
  });
});

describe('isComplete on Delete: automatic training off before the clean-up and the solution go', () => {
  it('is complete at once when automatic training is already off', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', false) });
    await expect(isComplete(pollEvent('Delete', EVERY_5_DAYS))).resolves.toEqual({ IsComplete: true });
    expect(personalize).not.toHaveReceivedCommand(UpdateSolutionCommand);
  });

  it('turns it off and waits for the update when it is on', async () => {
    solutionIs({ status: 'ACTIVE', latestSolutionUpdate: update('ACTIVE', true, 'rate(5 days)') });
    await expect(isComplete(pollEvent('Delete', EVERY_5_DAYS))).resolves.toEqual({ IsComplete: false });
    expect(personalize).toHaveReceivedCommandWith(UpdateSolutionCommand, { performAutoTraining: false });
  });

  it('has nothing to do for a solution that is gone or failed', async () => {
    personalize
      .on(DescribeSolutionCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    await expect(isComplete(pollEvent('Delete'))).resolves.toEqual({ IsComplete: true });
    solutionIs({ status: 'CREATE FAILED' });
    await expect(isComplete(pollEvent('Delete'))).resolves.toEqual({ IsComplete: true });
    expect(personalize).not.toHaveReceivedCommand(UpdateSolutionCommand);
  });

  it('fails on an unexpected error instead of reporting success', async () => {
    personalize.on(DescribeSolutionCommand).rejects(new Error('AccessDenied'));
    await expect(isComplete(pollEvent('Delete'))).rejects.toThrow('AccessDenied');
  });
});
