/**
 * The values that protect users, written out as literals. A test that compares the template with the
 * constant that built it passes whatever the constant says; these fail when someone turns off bisect on
 * error, makes retries unbounded, lengthens a timeout or a retention, or refactors a stateful resource
 * into a new logical id (CloudFormation would then replace it on update: a new dataset group with no data,
 * a new stream read from the start, new buckets and a new API key). Change a value here only on purpose.
 */
import { expect } from '@jest/globals';
import { PUT_EVENTS_SOURCE_SETTINGS } from '../../lib/contract/event-source-settings';
import { functionByDescription, resourcesOf, synthesize, type Resource, type Synthesized } from './synth';

let synth: Synthesized;
let resources: Record<string, Resource>;
beforeAll(() => {
  synth = synthesize({ context: { provision: 'true', demoPage: 'true' } });
  resources = resourcesOf(synth.template);
});

const only = (type: string): Resource => {
  const found = Object.values(resources).filter((r) => r.Type === type);
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  return found[0]!;
};

describe('the consumer reads the stream safely', () => {
  // https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (batching, error handling, on-failure
  // destinations, partial batch responses).
  it('in batches of 100 records gathered for at most 1 s, bisecting a failing batch, retried 3 times, records kept up to an hour, partial batch responses, failures to the failed-records bucket', () => {
    expect(only('AWS::Lambda::EventSourceMapping').Properties).toMatchObject({
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': ['EventsFailedRecords95EADA4C', 'Arn'] } },
      },
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
    });
  });

  it('local mode consumes with the same values (it reads the settings the stack is built from)', () => {
    expect(PUT_EVENTS_SOURCE_SETTINGS).toEqual({
      batchSize: 100,
      maxBatchingWindowSeconds: 1,
      bisectBatchOnError: true,
      retryAttempts: 3,
      maxRecordAgeSeconds: 3600,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
      parallelizationFactor: 1,
    });
  });
});

describe('timeouts', () => {
  it('the consumer has 120 s, each API function 30 s, each custom resource handler 60 s', () => {
    const timeout = (prefix: string) =>
      functionByDescription(synth.template, prefix).resource.Properties?.Timeout;
    expect(timeout('Sends the interaction batches')).toBe(120);
    for (const route of [
      'POST /solutionVersion',
      'POST /describeSolutionVersion',
      'POST /campaign',
      'POST /describeCampaign',
      'POST /eventTracker',
      'GET /getRecommendations',
      'POST /putEvents',
      'DELETE /deleteResources',
      'GET /status',
    ])
      expect([route, timeout(`${route}:`)]).toEqual([route, 30]);
    for (const handler of [
      'Deletes the campaigns and event trackers',
      'Reports whether the campaigns and event trackers',
      'Starts setting the automatic training',
      'Sets the automatic training',
    ])
      expect([handler, timeout(handler)]).toEqual([handler, 60]);
  });

  it('POST /data waits 10 s for Kinesis', () => {
    const dataMethods = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::ApiGateway::Method' &&
        (r.Properties?.Integration as { Type?: string } | undefined)?.Type === 'AWS',
    );
    expect(
      dataMethods.map((m) => (m.Properties?.Integration as { TimeoutInMillis?: number }).TimeoutInMillis),
    ).toEqual([10_000]);
  });

  it('the clean-up on cdk destroy polls every 30 s, 120 times (an hour), then gives up instead of hanging the delete', () => {
    const definition = JSON.stringify(
      resources['ModelCleanupProviderwaiterstatemachineAF5D7554']?.Properties,
    );
    expect(definition).toMatch(/\\"IntervalSeconds\\":30,\\"MaxAttempts\\":120,\\"BackoffRate\\":1/);
  });
});

describe('what costs money, capped', () => {
  it('each API key may send 10 requests a second (bursts of 20) and 10,000 a day', () => {
    expect(only('AWS::ApiGateway::UsagePlan').Properties).toMatchObject({
      Throttle: { RateLimit: 10, BurstLimit: 20 },
      Quota: { Limit: 10_000, Period: 'DAY' },
    });
  });

  it('the solution does not train automatically (every 7 days by default, billed per training hour)', () => {
    expect(only('Custom::PersonalizeSolutionAutoTraining').Properties).toMatchObject({
      PerformAutoTraining: 'false',
    });
  });

  // The cap on a campaign's minProvisionedTPS (10, billed every hour) is pinned where it is enforced, in
  // test/lambda/createCampaign.test.ts.
});

describe('retention', () => {
  it('the stream keeps records 24 hours, on one provisioned shard', () => {
    expect(only('AWS::Kinesis::Stream').Properties).toMatchObject({
      RetentionPeriodHours: 24,
      ShardCount: 1,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });

  it('the archive and the failed-records bucket keep objects 90 days', () => {
    for (const id of ['EventsArchive04911E41', 'EventsFailedRecords95EADA4C'])
      expect([id, resources[id]?.Properties?.LifecycleConfiguration]).toEqual([
        id,
        { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] },
      ]);
  });

  it('logs are kept 30 days (functions, access logs, archive delivery) or 7 (custom resources, which run at deploy)', () => {
    const days = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Logs::LogGroup')
      .map((r) => r.Properties?.RetentionInDays);
    expect(new Set(days)).toEqual(new Set([30, 7]));
    expect(days.filter((d) => d === 7).length).toBeGreaterThanOrEqual(10);
    expect(days.filter((d) => d === 30).length).toBeGreaterThanOrEqual(12);
  });
});

describe('cdk destroy', () => {
  it("keeps, of every variant's resources, only API Gateway's account-level CloudWatch role and setting", () => {
    const kept = Object.values(resources)
      .filter(
        (r) =>
          (r.DeletionPolicy ?? 'Delete') !== 'Delete' || (r.UpdateReplacePolicy ?? 'Delete') !== 'Delete',
      )
      .map((r) => r.Type)
      .sort();
    expect(kept).toEqual(['AWS::ApiGateway::Account', 'AWS::IAM::Role']);
  });
});

describe('stateful resources keep their logical ids', () => {
  /** A new logical id is a replacement on update: the data, stream position, objects or key are lost. */
  const STATEFUL: Readonly<Record<string, string>> = {
    ModelDatasetGroup7D367568: 'AWS::Personalize::DatasetGroup',
    ModelInteractionsSchemaC977F10A: 'AWS::Personalize::Schema',
    ModelItemsSchema9FB11F36: 'AWS::Personalize::Schema',
    ModelInteractionsDataset77AB8DC2: 'AWS::Personalize::Dataset',
    ModelItemsDatasetB054C55A: 'AWS::Personalize::Dataset',
    ModelSolutionA44C59A3: 'AWS::Personalize::Solution',
    // Replacing the clean-up resource would run its delete: it removes the campaigns and trackers.
    ModelCleanupE62B322E: 'Custom::PersonalizeCleanup',
    ModelAutoTraining58B4711F: 'Custom::PersonalizeSolutionAutoTraining',
    Provisioning6799288A: 'Custom::PersonalizeProvisioning',
    EventsStreamA348795C: 'AWS::Kinesis::Stream',
    // A new mapping starts again at TRIM_HORIZON: every record in the stream would be sent again.
    PutEventsConsumerFunctionKinesisEventSourceNearRealTimeRecommendationsEventsStreamC6BF2AF1691B6AFE:
      'AWS::Lambda::EventSourceMapping',
    EventsArchive04911E41: 'AWS::S3::Bucket',
    EventsFailedRecords95EADA4C: 'AWS::S3::Bucket',
    SampleDataBucketC482AE47: 'AWS::S3::Bucket',
    DemoPageBucket6AE3EB66: 'AWS::S3::Bucket',
    // The API's URL and key are what every client holds.
    ApiCD79AAA0: 'AWS::ApiGateway::RestApi',
    ApiApiKey8A01341B: 'AWS::ApiGateway::ApiKey',
  };
  const STATEFUL_TYPES = new Set(Object.values(STATEFUL));

  it.each(Object.entries(STATEFUL))('%s is still the %s', (id, type) => {
    expect(resources[id]?.Type).toBe(type);
  });

  it('every resource of a stateful type is one of them (a new one gets pinned here too)', () => {
    const stateful = Object.entries(resources)
      .filter(([, r]) => STATEFUL_TYPES.has(r.Type) || r.Type.startsWith('AWS::Personalize::'))
      .map(([id]) => id)
      .sort();
    expect(stateful).toEqual(Object.keys(STATEFUL).sort());
  });
});

describe("the default filters' custom resources keep their logical ids", () => {
  // A new logical id creates a resource that adopts the existing filter (same name), then the old one's delete
  // removes that very filter: the FilterArn outputs that clients hold would name a deleted filter.
  const FILTERS: Readonly<Record<string, string>> = {
    unwatched: 'ModelFiltersFilterunwatchedD37AEED9',
    genre: 'ModelFiltersFiltergenreE9754FFC',
  };

  it.each(Object.entries(FILTERS))('the %s filter is still %s', (name, id) => {
    const found = Object.entries(resources).filter(
      ([, r]) =>
        r.Type === 'Custom::PersonalizeFilter' &&
        new RegExp(`-${name}-[0-9a-f]{8}$`).test(String(r.Properties?.['FilterName'])),
    );
    expect(found.map(([logicalId]) => logicalId)).toEqual([id]);
  });
});
