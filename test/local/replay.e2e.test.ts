/**
 * The replay path, end to end in local mode: while Personalize fails every PutEvents (a 5xx, which the
 * consumer does not wait out as it waits out throttling), records posted to
 * /data exhaust their retries and the event source mapping writes them to the failed-records bucket where
 * Lambda would (`aws/lambda/<mapping UUID>/<shardId>/...`, the records in `payload.Records`); a record for a
 * tracking id that is not the stack's is set aside by the consumer itself under `consumer/`, with its error.
 * Once the cause is fixed, scripts/replay-failures.ts, with SDK clients pointed at local mode's S3 and
 * Personalize, sends them: the emulator accepts the very events the consumer would have sent (event ids
 * from the sequence numbers), and the objects are gone.
 */
import { expect } from '@jest/globals';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { parseArguments, replayFailures, type ReplayOptions } from '../../scripts/replay-failures';
import type { OnFailureRecord } from '../../local/lambda/failed-records';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { replayFailuresCommand, startLocalMode, type LocalMode } from '../../local/start';
import {
  acceptedEvents,
  callApi,
  createActiveEventTracker,
  failedRecordData,
  silenceHandlerLogs,
  temporaryDirectory,
  waitFor,
} from './helpers';

jest.setTimeout(120_000);

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('replaying the failed-records bucket into Personalize', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  let tracker: { trackingId: string; eventTrackerArn: string };
  let clients: { s3: S3Client; personalize: PersonalizeClient; personalizeEvents: PersonalizeEventsClient };

  const datasetGroupArn = () => local.outputs[STACK_OUTPUTS.datasetGroupArn] ?? '';
  const eventsOf = (userId: string) =>
    acceptedEvents(join(state.path, 'personalize')).filter((event) => event.interaction.userId === userId);
  const replay = (options: Partial<ReplayOptions> = {}) =>
    replayFailures(clients, {
      bucket: local.failedRecords.name,
      prefix: '',
      datasetGroupArn: datasetGroupArn(),
      dryRun: false,
      keep: false,
      ...options,
    });
  const postClick = async (userId: string, itemId: string, trackingId: string, interactions: number) => {
    const Data = { userId, itemId, eventType: 'click', trackingId, interactions };
    const response = await callApi(local.url, local.apiKey, 'POST', '/data', { Data, PartitionKey: userId });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('local-mode-replay');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      personalizeTransitionMs: 20,
      // Shorter than the stack's (3 retries, bisecting): each try already waits out the SDK's own retries.
      eventSourceSettings: { maxBatchingWindowSeconds: 0.2, retryAttempts: 1, bisectBatchOnError: false },
      consumerRetryDelayMs: () => 20,
      log: () => undefined,
    });
    tracker = await createActiveEventTracker(local, 'replay');
    // The replay tool's clients, built as its main builds them but with local mode's endpoints.
    clients = {
      s3: new S3Client({ region: local.region, endpoint: local.s3.endpoint, credentials: CREDENTIALS }),
      personalize: new PersonalizeClient({
        region: local.region,
        endpoint: local.personalize.endpoint,
        credentials: CREDENTIALS,
      }),
      personalizeEvents: new PersonalizeEventsClient({
        region: local.region,
        endpoint: local.personalize.endpoint,
        credentials: CREDENTIALS,
      }),
    };
  });

  afterAll(async () => {
    clients?.s3.destroy();
    clients?.personalize.destroy();
    clients?.personalizeEvents.destroy();
    await local?.close();
    state.remove();
    restoreStdout();
  });

  it("sends the batches Lambda's on-failure destination kept, once Personalize is back, and deletes them", async () => {
    local.personalize.injectFaults({
      PutEvents: { failNext: 1_000_000, errorType: 'InternalServerError', message: 'Personalize is down' },
    });
    await postClick('replay-user', '101', tracker.trackingId, 2);
    await postClick('replay-user', '102', tracker.trackingId, 3);
    await waitFor(
      'the on-failure objects',
      () => (local.consumer.stats.discardedRecords >= 2 ? true : undefined),
      60_000,
      50,
    );
    local.personalize.clearFaults();
    expect(eventsOf('replay-user')).toHaveLength(0);

    // Where Lambda puts them, seen through the S3 API as the replay tool sees them.
    const listed = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: local.failedRecords.name, Prefix: 'aws/lambda/' }),
    );
    const keys = (listed.Contents ?? []).map((object) => object.Key ?? '');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatch(
        new RegExp(
          `^aws/lambda/${local.eventSourceMappingUuid}/shardId-000000000000/\\d{4}/\\d{2}/\\d{2}/` +
            `\\d{4}-\\d{2}-\\d{2}T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}$`,
        ),
      );
    }
    const objects = local.failedRecords.list('aws/lambda/');
    for (const { body } of objects) {
      expect((body as OnFailureRecord).requestContext.condition).toBe('RetryAttemptsExhausted');
    }
    const kept = objects
      .flatMap(failedRecordData)
      .map((data) => JSON.parse(Buffer.from(data, 'base64').toString()) as unknown);
    expect(kept).toEqual([
      expect.objectContaining({ userId: 'replay-user', itemId: '101', interactions: 2 }),
      expect.objectContaining({ userId: 'replay-user', itemId: '102', interactions: 3 }),
    ]);
    const sequenceNumbers = objects.flatMap(({ body }) =>
      (body as OnFailureRecord).payload.Records.map((record) => record.kinesis.sequenceNumber),
    );

    // A dry run sends and deletes nothing.
    const dry = await replay({ dryRun: true });
    expect(dry.map((summary) => summary.deleted)).toEqual(keys.map(() => false));
    expect(eventsOf('replay-user')).toHaveLength(0);

    const summaries = await replay();
    expect(
      summaries.map(({ key, format, deleted, failed, malformed }) => ({
        key,
        format,
        deleted,
        failed,
        malformed,
      })),
    ).toEqual(
      keys.map((key) => ({ key, format: 'lambda-on-failure', deleted: true, failed: [], malformed: [] })),
    );
    const events = eventsOf('replay-user');
    expect(events).toHaveLength(5);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(5);
    // The events the consumer would have sent: their ids derive from the records' sequence numbers.
    for (const event of events) {
      expect(sequenceNumbers.some((sequenceNumber) => event.eventId?.startsWith(sequenceNumber))).toBe(true);
    }
    expect(local.failedRecords.list()).toEqual([]);
  });

  it("sends a record the consumer set aside (a tracking id not the stack's) to the tracker given with --tracking-id", async () => {
    await postClick('stray-user', '201', 'not-a-tracking-id-of-this-stack', 2);
    const [object] = await waitFor(
      "the consumer's own failure object",
      () => {
        const found = local.failedRecords.list('consumer/');
        return found.length > 0 ? found : undefined;
      },
      60_000,
      50,
    );
    expect(object!.key).toMatch(/^consumer\/\d{4}\/\d{2}\/\d{2}\/.+\.json$/);
    expect(object!.body).toMatchObject({
      records: [{ error: expect.stringContaining('not-a-tracking-id-of-this-stack') }],
    });
    expect(eventsOf('stray-user')).toHaveLength(0);

    // Sent to its own tracking id, it is refused as the consumer refused it: nothing sent, the object kept.
    const [refusal] = await replay({ prefix: 'consumer/' });
    expect(refusal).toMatchObject({ delivered: 0, eventsSent: 0, deleted: false });
    expect(refusal?.refused[0]?.error).toContain(
      `trackingId not-a-tracking-id-of-this-stack is not the tracking id of an event tracker of ${datasetGroupArn()}`,
    );
    expect(local.failedRecords.list('consumer/')).toHaveLength(1);

    const [summary] = await replay({ prefix: 'consumer/', trackingId: tracker.trackingId });
    expect(summary).toMatchObject({
      key: object!.key,
      format: 'consumer',
      delivered: 1,
      eventsSent: 2,
      deleted: true,
    });
    const events = eventsOf('stray-user');
    expect(events).toHaveLength(2);
    expect(events.every((event) => event.trackerArn === tracker.eventTrackerArn)).toBe(true);
    expect(local.failedRecords.list()).toEqual([]);
  });

  it('prints a replay command that points the tool at local mode', () => {
    const command = replayFailuresCommand(local);
    expect(command).toContain(`AWS_ENDPOINT_URL_S3=${local.s3.endpoint} `);
    expect(command).toContain(`AWS_ENDPOINT_URL_PERSONALIZE_EVENTS=${local.personalize.endpoint} `);
    expect(command).toContain(`AWS_ENDPOINT_URL_PERSONALIZE=${local.personalize.endpoint} `);
    const argv = command.split('npm run replay-failures -- ')[1]!.trim().split(/\s+/);
    expect(parseArguments(argv, {})).toMatchObject({
      bucket: local.failedRecords.name,
      prefix: '',
      datasetGroupArn: datasetGroupArn(),
    });
  });
});
