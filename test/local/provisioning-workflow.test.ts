/**
 * The provisioning workflow (the stack's state machine definition, lib/contract/provisioning-workflow.ts)
 * in simulated time: the local Step Functions runs it with its Wait states as the definition says (60 s),
 * jest's fake clock drives them, and a Personalize whose resources take simulated hours answers through the
 * real SDK client (aws-sdk-client-mock). What the old custom resource could not do: provisioning that takes
 * longer than CloudFormation's one hour for a custom resource completes; the bound is the WaitCondition's
 * twelve hours; a failure signals at once; a stopped execution creates nothing more.
 */
import { expect } from '@jest/globals';
import {
  CreateCampaignCommand,
  CreateEventTrackerCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionVersionCommand,
  ListDatasetImportJobsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import {
  provisioningDefinition,
  SIGNAL_FUNCTION_PLACEHOLDER,
  type WaitConditionSignal,
} from '../../lib/contract/provisioning-workflow';
import { startExecution, type LocalExecution } from '../../local/stepfunctions/state-machine';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const personalizeMock = mockClient(PersonalizeClient);
const client = new PersonalizeClient({ region: 'us-east-1' });

const ARN = 'arn:aws:personalize:us-east-1:123456789012';
const INPUT = {
  DatasetGroupArn: `${ARN}:dataset-group/g`,
  SolutionArn: `${ARN}:solution/s`,
  DatasetArns: [`${ARN}:dataset/g/INTERACTIONS`, `${ARN}:dataset/g/ITEMS`],
  Name: 'stack-provisioned',
  OwnerTag: 'stack',
  WaitHandle: 'https://handle.invalid/signal',
};

/** How long each resource takes to become ACTIVE after it is created (simulated). */
interface Durations {
  readonly imports: number;
  readonly training: number;
  readonly campaign: number;
  readonly tracker: number;
  readonly trainingFails?: string;
}

/** A Personalize whose statuses follow the fake clock. */
function simulatePersonalize(durations: Durations): void {
  const start = Date.now();
  const created: Record<string, number> = {};
  const status = (since: number | undefined, duration: number) =>
    since !== undefined && Date.now() - since >= duration ? 'ACTIVE' : 'CREATE IN_PROGRESS';
  personalizeMock
    .on(ListDatasetImportJobsCommand)
    .callsFake(() => ({ datasetImportJobs: [{ status: status(start, durations.imports) }] }))
    .on(CreateSolutionVersionCommand)
    .callsFake(() => {
      created.version = Date.now();
      return { solutionVersionArn: `${ARN}:solution/s/1` };
    })
    .on(DescribeSolutionVersionCommand)
    .callsFake(() => {
      const current = status(created.version, durations.training);
      if (current === 'ACTIVE' && durations.trainingFails) {
        return { solutionVersion: { status: 'CREATE FAILED', failureReason: durations.trainingFails } };
      }
      return { solutionVersion: { status: current, creationDateTime: new Date(created.version!) } };
    })
    .on(CreateCampaignCommand)
    .callsFake(() => {
      created.campaign = Date.now();
      return { campaignArn: `${ARN}:campaign/stack-provisioned` };
    })
    .on(DescribeCampaignCommand)
    .callsFake(() => ({ campaign: { status: status(created.campaign, durations.campaign) } }))
    .on(CreateEventTrackerCommand)
    .callsFake(() => {
      created.tracker = Date.now();
      return { eventTrackerArn: `${ARN}:event-tracker/t`, trackingId: 'tracking-id' };
    })
    .on(DescribeEventTrackerCommand)
    .callsFake(() => ({
      eventTracker: { status: status(created.tracker, durations.tracker), trackingId: 'tracking-id' },
    }));
}

let signals: WaitConditionSignal[];
let execution: LocalExecution;
let settled: { ok: boolean; value: unknown } | undefined;

function start(): void {
  signals = [];
  settled = undefined;
  execution = startExecution(provisioningDefinition(), INPUT, {
    personalize: client,
    lambdas: {
      [SIGNAL_FUNCTION_PLACEHOLDER]: (payload) => {
        signals.push(payload as unknown as WaitConditionSignal);
        return Promise.resolve({});
      },
    },
  });
  execution.result.then(
    (value) => (settled = { ok: true, value }),
    (error: unknown) => (settled = { ok: false, value: error }),
  );
}

/** Advances the fake clock a minute at a time until the execution ends or `limit` has passed. */
async function runFor(limit: number): Promise<number> {
  const from = Date.now();
  while (!settled && Date.now() - from < limit) await jest.advanceTimersByTimeAsync(MINUTE);
  return Date.now() - from;
}

beforeEach(() => {
  personalizeMock.reset();
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});
afterEach(() => {
  execution?.stop();
  jest.useRealTimers();
});

describe('the provisioning workflow in simulated time', () => {
  it('completes provisioning that takes over three hours (a custom resource would have failed at one)', async () => {
    simulatePersonalize({ imports: 20 * MINUTE, training: 3 * HOUR, campaign: 15 * MINUTE, tracker: MINUTE });
    start();

    const elapsed = await runFor(13 * HOUR);

    expect(settled).toEqual({
      ok: true,
      value: {
        SolutionVersionArn: `${ARN}:solution/s/1`,
        CampaignArn: `${ARN}:campaign/stack-provisioned`,
        EventTrackerArn: `${ARN}:event-tracker/t`,
        TrackingId: 'tracking-id',
      },
    });
    expect(elapsed).toBeGreaterThan(3 * HOUR + 35 * MINUTE);
    expect(elapsed).toBeLessThan(4 * HOUR);
    expect(signals).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', UniqueId: 'provisioning', Url: INPUT.WaitHandle }),
    ]);
    expect(JSON.parse(signals[0]!.Data)).toEqual(settled?.value);
    // One check a minute while training, each Create once, tagged with the stack's owner tag.
    const describes = personalizeMock.commandCalls(DescribeSolutionVersionCommand).length;
    expect(describes).toBeGreaterThanOrEqual(180);
    expect(describes).toBeLessThanOrEqual(182);
    const tags = [{ tagKey: 'nrt-recommendations:stack', tagValue: 'stack' }];
    const createCalls = [
      personalizeMock.commandCalls(CreateSolutionVersionCommand).map((call) => call.args[0].input.tags),
      personalizeMock.commandCalls(CreateCampaignCommand).map((call) => call.args[0].input.tags),
      personalizeMock.commandCalls(CreateEventTrackerCommand).map((call) => call.args[0].input.tags),
    ];
    expect(createCalls).toEqual([[tags], [tags], [tags]]);
  });

  it('is bounded by twelve hours, the WaitCondition timeout: a training that never ends signals nothing and times out', async () => {
    simulatePersonalize({ imports: MINUTE, training: 100 * HOUR, campaign: MINUTE, tracker: MINUTE });
    start();

    const elapsed = await runFor(13 * HOUR);

    expect(settled?.ok).toBe(false);
    expect((settled?.value as Error).name).toBe('ExecutionTimeoutError');
    expect(elapsed).toBeGreaterThanOrEqual(12 * HOUR);
    expect(elapsed).toBeLessThanOrEqual(12 * HOUR + MINUTE);
    expect(signals).toEqual([]);
    expect(personalizeMock.commandCalls(CreateCampaignCommand)).toHaveLength(0);
  });

  it("signals FAILURE with the training's failureReason as soon as the version fails, and creates no campaign", async () => {
    simulatePersonalize({
      imports: MINUTE,
      training: 90 * MINUTE,
      campaign: MINUTE,
      tracker: MINUTE,
      trainingFails: 'Not enough interactions',
    });
    start();

    const elapsed = await runFor(13 * HOUR);

    expect(settled?.ok).toBe(false);
    expect(elapsed).toBeLessThan(95 * MINUTE);
    expect(signals).toEqual([
      expect.objectContaining({
        Status: 'FAILURE',
        Reason: expect.stringMatching(/^Provisioning\.SolutionVersionFailed: .*Not enough interactions/),
      }),
    ]);
    expect(personalizeMock.commandCalls(CreateCampaignCommand)).toHaveLength(0);
  });

  it('creates nothing more once stopped mid-training (the starter stops it on rollback or cdk destroy)', async () => {
    simulatePersonalize({ imports: MINUTE, training: 2 * HOUR, campaign: MINUTE, tracker: MINUTE });
    start();
    await runFor(30 * MINUTE);
    const callsBefore = personalizeMock.calls().length;

    execution.stop();
    await runFor(5 * HOUR);

    expect(personalizeMock.calls().length).toBe(callsBefore);
    expect(personalizeMock.commandCalls(CreateCampaignCommand)).toHaveLength(0);
    expect(signals).toEqual([]);
  });
});
