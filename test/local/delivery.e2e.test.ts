/**
 * No event lost: with the Personalize emulator failing PutEvents calls, every event posted to /data either
 * reaches Personalize (counted on the emulator's side) or is kept in the failed-records bucket (Lambda's
 * on-failure objects under `aws/lambda/`, the consumer's own under `consumer/`), and none arrives twice.
 */
import { expect } from '@jest/globals';
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import {
  acceptedEvents,
  callApi,
  createActiveEventTracker,
  eventsIn,
  failedRecordData,
  temporaryDirectory,
  waitFor,
  silenceHandlerLogs,
} from './helpers';

jest.setTimeout(120_000);

/** A record's click, or nothing for a record that is not one (the malformed record of the second test). */
function parsedClick(data: string): { userId?: unknown; itemId?: unknown } {
  try {
    return JSON.parse(data) as { userId?: unknown; itemId?: unknown };
  } catch {
    return {};
  }
}

describe('event delivery through the stream while Personalize fails', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  let trackingId: string;
  let posted = 0;
  const clicks: Array<{ userId: string; itemId: string; interactions: number }> = [];

  const personalizeState = () => join(state.path, 'personalize');
  const postClicks = async (count: number, user: (index: number) => string) => {
    for (let index = 0; index < count; index += 1) {
      const interactions = 1 + (index % 3);
      const Data = {
        userId: user(index),
        itemId: String(100 + index),
        eventType: 'click',
        trackingId,
        interactions,
      };
      const response = await callApi(local.url, local.apiKey, 'POST', '/data', {
        Data,
        PartitionKey: Data.userId,
      });
      expect(response.status).toBe(200);
      posted += interactions;
      clicks.push({ userId: Data.userId, itemId: Data.itemId, interactions });
    }
  };
  const settled = () =>
    waitFor(
      'the consumer to settle',
      () => (local.consumer.stats.pendingRecords === 0 ? true : undefined),
      60_000,
      50,
    );
  const failedObjects = () => local.failedRecords.list();
  /**
   * For a failure's message: the clicks posted whose events did not all arrive, with the records the stream
   * holds for them (none: lost before the consumer could read them) and what the consumer counted.
   */
  const missingClicks = async () => {
    const arrived = acceptedEvents(personalizeState());
    const streamName = local.outputs[STACK_OUTPUTS.streamName];
    const { ShardIterator } = await local.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records = [] } = await local.kinesis.send(
      new GetRecordsCommand({ ShardIterator, Limit: 10_000 }),
    );
    const inStream = Records.map((record) => ({
      sequenceNumber: record.SequenceNumber,
      data: parsedClick(Buffer.from(record.Data ?? new Uint8Array()).toString()),
    }));
    const missing = clicks
      .map((click) => ({
        ...click,
        arrived: arrived.filter(
          (event) => event.interaction.userId === click.userId && event.interaction.itemId === click.itemId,
        ).length,
        records: inStream.filter(
          (record) => record.data.userId === click.userId && record.data.itemId === click.itemId,
        ),
      }))
      .filter((click) => click.arrived < click.interactions);
    return { missing, consumer: local.consumer.stats, recordsInStream: inStream.length };
  };

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('local-mode-delivery');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      personalizeTransitionMs: 20,
      consumerRetryDelayMs: () => 20,
      log: () => undefined,
    });
    // The tracker becomes ACTIVE after the emulator's lifecycle steps: poll for it rather than sleep.
    ({ trackingId } = await createActiveEventTracker(local, 'delivery'));
  });

  afterAll(async () => {
    await local?.close();
    state.remove();
    restoreStdout();
  });

  it('retries transient PutEvents failures until every event arrives, once', async () => {
    // A retryable error (a 5xx; the consumer sets aside only what can never succeed, e.g. InvalidInput).
    local.personalize.injectFaults({
      PutEvents: { failNext: 8, errorType: 'InternalServerError', message: 'transient' },
    });
    await postClicks(20, (index) => `user-${index % 4}`);
    await waitFor(
      'all events',
      () => (acceptedEvents(personalizeState()).length >= posted ? true : undefined),
      60_000,
      50,
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(await missingClicks())}`, { cause: error });
    });
    await settled();

    const events = acceptedEvents(personalizeState());
    expect(events).toHaveLength(posted);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(posted);
    expect(failedObjects()).toHaveLength(0);
  });

  it('keeps what keeps failing in the failed-records bucket, and the count still adds up', async () => {
    local.personalize.injectFaults({
      PutEvents: { failNext: 1_000_000, errorType: 'InternalServerError', message: 'down' },
    });
    await postClicks(5, () => 'unlucky-user');
    await waitFor(
      'the on-failure objects',
      () => (local.consumer.stats.discardedRecords >= 5 ? true : undefined),
      60_000,
      50,
    );
    local.personalize.clearFaults();

    // A malformed record, written past the gateway's validation: the handler sets it aside itself.
    await local.kinesis.send(
      new PutRecordCommand({
        StreamName: local.outputs[STACK_OUTPUTS.streamName],
        Data: Buffer.from('not json'),
        PartitionKey: 'x',
      }),
    );
    await postClicks(3, () => 'lucky-user');
    await waitFor(
      'the last events',
      () =>
        acceptedEvents(personalizeState()).some((e) => e.interaction.userId === 'lucky-user')
          ? true
          : undefined,
      60_000,
      50,
    );
    await settled();

    const objects = failedObjects();
    const lambdaObjects = objects.filter((object) =>
      object.key.startsWith(`aws/lambda/${local.eventSourceMappingUuid}/shardId-000000000000/`),
    );
    const consumerObjects = objects.filter((object) => object.key.startsWith('consumer/'));
    expect(lambdaObjects).not.toHaveLength(0);
    expect(consumerObjects).toHaveLength(1);
    expect(lambdaObjects.length + consumerObjects.length).toBe(objects.length);
    expect(consumerObjects[0]!.body).toMatchObject({
      records: [{ data: Buffer.from('not json').toString('base64'), error: expect.any(String) }],
    });
    const arrived = acceptedEvents(personalizeState());
    const kept = objects.reduce((sum, object) => sum + eventsIn(failedRecordData(object)), 0);
    expect(arrived.length + kept).toBe(posted);
    expect(new Set(arrived.map((event) => event.eventId)).size).toBe(arrived.length);
  });
});
