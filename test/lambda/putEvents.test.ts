// First import: the factories set the test environment before any SDK client is created.
import {
  DATASET_GROUP_ARN,
  EVENT_TRACKER_ARN,
  FAILED_RECORDS_BUCKET,
  TRACKING_ID,
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  mockEventTrackers,
  mockTrackerBeingCreated,
  rawKinesisRecord,
  restoreFunctionEnvironment,
  sequenceNumber,
  serviceError,
} from './factories';
import { expect } from '@jest/globals';
import { ListEventTrackersCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import {
  PersonalizeEventsClient,
  PutEventsCommand,
  type PutEventsCommandInput,
} from '@aws-sdk/client-personalize-events';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, trackingIds } from '../../lambda/putEvents';
import {
  THROTTLE_FIRST_WAIT_MS,
  THROTTLE_MAX_WAIT_MS,
  THROTTLE_RETRY_WINDOW_MS,
} from '../../lambda/shared/consumer-executor';
import { TRACKER_POLL_MS, deliverRecords } from '../../lambda/shared/delivery';
import { EventTrackerNotActiveError } from '../../lambda/shared/errors';
import { sessionIdFor } from '../../lambda/shared/events';
import type { ConsumerFailures } from '../../lambda/shared/failed-records';
import { logger } from '../../lambda/shared/logger';
import type { InteractionBatch } from '../../lib/contract/requests';

const personalizeEvents = mockClient(PersonalizeEventsClient);
const personalize = mockClient(PersonalizeClient);
const s3 = mockClient(S3Client);
const UNKNOWN_TRACKING_ID = '00000000-0000-4000-8000-000000000000';

const batch = (overrides: Partial<InteractionBatch> = {}): InteractionBatch => ({
  userId: '429',
  itemId: '1210',
  eventType: 'click',
  trackingId: TRACKING_ID,
  interactions: 1,
  ...overrides,
});
const record = (n: number, overrides: Partial<InteractionBatch> = {}) =>
  kinesisRecord(batch(overrides), { sequenceNumber: sequenceNumber(n) });
const consume = (...records: Parameters<typeof kinesisEvent>[0]) =>
  handler(kinesisEvent(records), lambdaContext());
const failureAt = (n: number) => ({ batchItemFailures: [{ itemIdentifier: sequenceNumber(n) }] });

/** The PutEvents calls made, in order. */
const sentCalls = (): PutEventsCommandInput[] =>
  personalizeEvents.commandCalls(PutEventsCommand).map((call) => call.args[0].input);
const sentEventIds = () =>
  sentCalls().flatMap((call) => (call.eventList ?? []).map((event) => event.eventId));
/** The objects written to the failed-records bucket: bucket, key and parsed body. */
const failureObjects = () =>
  s3.commandCalls(PutObjectCommand).map((call) => ({
    bucket: call.args[0].input.Bucket,
    key: call.args[0].input.Key ?? '',
    body: JSON.parse(call.args[0].input.Body as string) as ConsumerFailures,
  }));
const setAsideSequenceNumbers = () =>
  failureObjects().flatMap((object) => object.body.records.map((entry) => entry.sequenceNumber));

beforeEach(() => {
  personalizeEvents.reset();
  personalize.reset();
  s3.reset();
  trackingIds.clear();
  restoreFunctionEnvironment();
  personalizeEvents.on(PutEventsCommand).resolves({ $metadata: { httpStatusCode: 200 } });
  mockEventTrackers(personalize);
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});

describe('putEvents consumer: delivery', () => {
  it('delivers every event of every record of a batch and reports no failure', async () => {
    const result = await consume(
      record(1, { userId: 'a', interactions: 2 }),
      record(2, { userId: 'b' }),
      record(3, { userId: 'c', interactions: 3 }),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentEventIds()).toEqual([
      `${sequenceNumber(1)}-0`,
      `${sequenceNumber(1)}-1`,
      `${sequenceNumber(2)}-0`,
      `${sequenceNumber(3)}-0`,
      `${sequenceNumber(3)}-1`,
      `${sequenceNumber(3)}-2`,
    ]);
    expect(sentCalls().map((call) => call.userId)).toEqual(['a', 'b', 'c']);
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it("maps a record's recommendationId and impression list onto each of its events", async () => {
    await consume(
      record(1, { userId: 'a', interactions: 3, recommendationId: 'RID-1', impression: ['1210', '5'] }),
      record(2, { userId: 'b' }),
    );

    const [withList, without] = sentCalls();
    expect(withList?.eventList).toHaveLength(3);
    for (const event of withList?.eventList ?? [])
      expect(event).toMatchObject({ recommendationId: 'RID-1', impression: ['1210', '5'] });
    expect(without?.eventList?.[0]).not.toHaveProperty('recommendationId');
    expect(without?.eventList?.[0]).not.toHaveProperty('impression');
  });

  it('starts the calls in sequence-number order', async () => {
    await consume(record(3, { userId: 'c' }), record(1, { userId: 'a' }), record(2, { userId: 'b' }));

    expect(sentCalls().map((call) => call.userId)).toEqual(['a', 'b', 'c']);
  });

  it('sends the item, the event type and a timestamp inside [dateFrom, dateTo]', async () => {
    await consume(record(1, { interactions: 12, dateFrom: '2022-01-01', dateTo: '2022-01-31' }));

    const events = sentCalls().flatMap((call) => call.eventList ?? []);
    expect(events).toHaveLength(12);
    for (const event of events) {
      expect(event).toMatchObject({ itemId: '1210', eventType: 'click' });
      const sentAt = (event.sentAt as Date).getTime();
      expect(sentAt).toBeGreaterThanOrEqual(Date.parse('2022-01-01T00:00:00.000Z'));
      expect(sentAt).toBeLessThanOrEqual(Date.parse('2022-01-31T23:59:59.999Z'));
    }
  });

  it("timestamps a batch without a range at the record's arrival, so a retry sends the same events", async () => {
    const arrival = Date.UTC(2024, 4, 1, 8, 30) / 1000;
    const arrived = kinesisRecord(batch(), { sequenceNumber: sequenceNumber(1), arrival });

    await consume(arrived);
    await consume(arrived);

    const [first, retry] = sentCalls();
    expect(first?.eventList?.[0]?.sentAt).toEqual(new Date(arrival * 1000));
    expect(retry).toEqual(first);
  });

  it('gives the same user the same session id across records, and another user another', async () => {
    await consume(
      record(1, { itemId: '1' }),
      record(2, { itemId: '2', userId: '430' }),
      record(3, { itemId: '3' }),
    );

    const sessionOf = (userId: string) =>
      new Set(
        sentCalls()
          .filter((call) => call.userId === userId)
          .map((call) => call.sessionId),
      );
    expect([...sessionOf('429')]).toEqual([sessionIdFor(TRACKING_ID, '429')]);
    expect([...sessionOf('430')]).toEqual([sessionIdFor(TRACKING_ID, '430')]);
  });
});

describe('putEvents consumer: batching', () => {
  it('sends at most 10 events per PutEvents call', async () => {
    await consume(record(1, { interactions: 25 }));

    expect(sentCalls().map((call) => call.eventList?.length)).toEqual([10, 10, 5]);
  });

  it('shares a call between records of one sender while their events fit, never splitting a record', async () => {
    await consume(
      record(1, { interactions: 4 }),
      record(2, { interactions: 4 }),
      record(3, { interactions: 4 }),
      record(4, { interactions: 1 }),
    );

    const calls = sentCalls();
    expect(calls.map((call) => call.eventList?.length)).toEqual([8, 5]);
    expect(calls[1]?.eventList?.map((event) => event.eventId)).toEqual([
      `${sequenceNumber(3)}-0`,
      `${sequenceNumber(3)}-1`,
      `${sequenceNumber(3)}-2`,
      `${sequenceNumber(3)}-3`,
      `${sequenceNumber(4)}-0`,
    ]);
  });

  it('never mixes users, trackers or sessions in one call', async () => {
    mockEventTrackers(personalize, [TRACKING_ID, 'other-tracker']);

    await consume(
      record(1),
      record(2, { userId: 'other' }),
      record(3, { trackingId: 'other-tracker' }),
      record(4, { sessionId: 's-1' }),
    );

    expect(sentCalls()).toHaveLength(4);
  });
});

/** The consumer with time driven by the test: `sleep` records the waits and returns at once. */
function deliverWithClock(
  records: Parameters<typeof kinesisEvent>[0],
  remainingTimeMs?: () => number,
): Promise<{ result: Awaited<ReturnType<typeof deliverRecords>>; sleeps: number[] }> {
  const sleeps: number[] = [];
  return deliverRecords(records, {
    personalizeEvents: new PersonalizeEventsClient({}),
    s3: new S3Client({}),
    failedRecordsBucket: FAILED_RECORDS_BUCKET,
    isOwnTrackingId: () => Promise.resolve(true),
    logger,
    remainingTimeMs,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  }).then((result) => ({ result, sleeps }));
}

describe('putEvents consumer: throttling', () => {
  const throttled = () => serviceError('ThrottlingException', 'Rate exceeded', 400);

  it('makes a throttled call again within the invocation, backing off, and delivers: nothing retried by Lambda', async () => {
    personalizeEvents
      .on(PutEventsCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(serviceError('TooManyRequestsException', 'slow down', 429))
      .rejectsOnce(throttled())
      .resolves({});

    const { result, sleeps } = await deliverWithClock([record(1), record(2)]);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sleeps).toEqual([100, 200, 400, 800]);
    // One call carries both records (same sender): four throttled tries, then the one accepted.
    expect(sentCalls()).toHaveLength(5);
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('reports a call still throttled after the retry window, acknowledging nothing after it', async () => {
    personalizeEvents.on(PutEventsCommand, { userId: '429' }).resolvesOnce({}).rejects(throttled());

    const { result, sleeps } = await deliverWithClock([
      record(1, { interactions: 10 }),
      record(2, { interactions: 10 }),
      record(3, { interactions: 10 }),
    ]);

    expect(result).toEqual(failureAt(2));
    expect(sleeps[0]).toBe(THROTTLE_FIRST_WAIT_MS);
    expect(Math.max(...sleeps)).toBe(THROTTLE_MAX_WAIT_MS);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(THROTTLE_RETRY_WINDOW_MS);
    expect(sentCalls()).toHaveLength(2 + sleeps.length);
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('does not wait past the deadline: a throttled call near it is reported at once', async () => {
    let remaining = 60_000;
    personalizeEvents.on(PutEventsCommand).callsFake(() => {
      remaining = 5_000; // the call took the invocation to its deadline margin
      return Promise.reject(throttled());
    });

    const { result, sleeps } = await deliverWithClock([record(1)], () => remaining);

    expect(result).toEqual(failureAt(1));
    expect(sleeps).toEqual([]);
  });

  it('does not wait on other retryable errors: a 5xx stops the invocation at once, Lambda retries', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(serviceError('ServiceUnavailableException', 'busy', 503));

    const { result, sleeps } = await deliverWithClock([record(1)]);

    expect(result).toEqual(failureAt(1));
    expect(sleeps).toEqual([]);
    expect(sentCalls()).toHaveLength(1);
  });
});

describe('putEvents consumer: retryable failures', () => {
  it('stops starting calls after a retryable failure, lets those in flight finish, and reports the earliest', async () => {
    personalizeEvents.on(PutEventsCommand, { userId: 'user-3' }).rejects(new Error('socket hang up'));
    const records = Array.from({ length: 20 }, (_, index) =>
      record(index + 1, { userId: `user-${index + 1}` }),
    );

    const result = await consume(...records);

    expect(result).toEqual(failureAt(3));
    // The first 8 calls were in flight when the failure came back; none started after it.
    expect(sentCalls().map((call) => call.userId)).toEqual(
      Array.from({ length: 8 }, (_, index) => `user-${index + 1}`),
    );
  });

  it('reports the first record of a shared call that fails, since none of its records was sent', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(serviceError('ServiceUnavailableException', 'busy', 503));

    const result = await consume(
      record(1, { interactions: 2 }),
      record(2, { interactions: 2 }),
      record(3, { userId: 'x' }),
    );

    expect(result).toEqual(failureAt(1));
    expect(sentCalls()).toHaveLength(2);
  });

  it('reports a record of more than 10 events when one of its calls fails, sending no more of it', async () => {
    personalizeEvents.on(PutEventsCommand).resolvesOnce({}).rejects(new Error('Throttled'));

    const result = await consume(record(1, { interactions: 25 }));

    expect(result).toEqual(failureAt(1));
    expect(sentCalls()).toHaveLength(2);
  });

  it('treats AccessDeniedException as retryable: a fix of the role can succeed, nothing is set aside', async () => {
    personalizeEvents
      .on(PutEventsCommand)
      .rejects(
        serviceError('AccessDeniedException', 'not authorized to perform: personalize:PutEvents', 403),
      );

    const result = await consume(record(1), record(2, { userId: 'b' }));

    expect(result).toEqual(failureAt(1));
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('throws no error and returns no HTTP response on failure', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(new Error('boom'));

    const result = await consume(record(1));

    expect(result).not.toHaveProperty('statusCode');
    expect(result.batchItemFailures).toHaveLength(1);
  });
});

describe('putEvents consumer: non-retryable failures', () => {
  it('sets aside 20 records for an unknown tracking id at once, with their error, and delivers the next one', async () => {
    const unknown = Array.from({ length: 20 }, (_, index) =>
      record(index + 1, { trackingId: UNKNOWN_TRACKING_ID, userId: `u${index % 3}` }),
    );

    const result = await consume(...unknown, record(21, { userId: 'good' }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentCalls().map((call) => call.userId)).toEqual(['good']);
    const [object, ...others] = failureObjects();
    expect(others).toEqual([]);
    expect(object?.body.records).toHaveLength(20);
    for (const [index, entry] of (object?.body.records ?? []).entries()) {
      expect(entry).toEqual({
        sequenceNumber: sequenceNumber(index + 1),
        partitionKey: unknown[index]?.kinesis.partitionKey,
        approximateArrivalTimestamp: unknown[index]?.kinesis.approximateArrivalTimestamp,
        data: unknown[index]?.kinesis.data,
        error: expect.stringContaining(`trackingId ${UNKNOWN_TRACKING_ID} is not`),
      });
    }
    expect(object?.body.reason).toContain(UNKNOWN_TRACKING_ID);
  });

  it('sets aside 20 records PutEvents rejects as ResourceNotFound, each at once, and delivers the next one', async () => {
    // The tracker is the stack's but was deleted since the tracking ids were learnt.
    mockEventTrackers(personalize, [TRACKING_ID, 'deleted-tracker']);
    personalizeEvents
      .on(PutEventsCommand, { trackingId: 'deleted-tracker' })
      .rejects(serviceError('ResourceNotFoundException', 'Event tracker not found', 404));
    const rejected = Array.from({ length: 20 }, (_, index) =>
      record(index + 1, { trackingId: 'deleted-tracker' }),
    );

    const result = await consume(...rejected, record(21, { userId: 'good' }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentCalls().filter((call) => call.userId === 'good')).toHaveLength(1);
    // 2 shared calls of 10 records, then each record on its own: 22 calls; none retried as a whole.
    expect(sentCalls().filter((call) => call.trackingId === 'deleted-tracker')).toHaveLength(22);
    const [object] = failureObjects();
    expect(object?.body.records.map((entry) => entry.sequenceNumber)).toEqual(
      Array.from({ length: 20 }, (_, index) => sequenceNumber(index + 1)),
    );
    expect(object?.body.records[0]).toMatchObject({
      error: 'ResourceNotFoundException: Event tracker not found',
      eventsSent: 0,
    });
  });

  it('retries a rejected call of several records one record at a time, setting aside only the bad one', async () => {
    personalizeEvents
      .on(PutEventsCommand)
      .callsFake((input: PutEventsCommandInput) =>
        input.eventList?.some((event) => event.itemId === 'bad')
          ? Promise.reject(serviceError('InvalidInputException', 'itemId: bad item'))
          : Promise.resolve({}),
      );

    const result = await consume(record(1), record(2, { itemId: 'bad' }), record(3));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentCalls().map((call) => call.eventList?.map((event) => event.eventId))).toEqual([
      [`${sequenceNumber(1)}-0`, `${sequenceNumber(2)}-0`, `${sequenceNumber(3)}-0`],
      [`${sequenceNumber(1)}-0`],
      [`${sequenceNumber(2)}-0`],
      [`${sequenceNumber(3)}-0`],
    ]);
    expect(setAsideSequenceNumbers()).toEqual([sequenceNumber(2)]);
  });

  it('says how many events of a rejected record were already sent, and sends no more of it', async () => {
    personalizeEvents
      .on(PutEventsCommand, { userId: '429' })
      .resolvesOnce({})
      .resolvesOnce({})
      .rejects(serviceError('InvalidInputException', 'sentAt: out of range'));

    const result = await consume(record(1, { interactions: 45 }), record(2, { userId: 'later' }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentCalls().filter((call) => call.userId === '429')).toHaveLength(3);
    expect(failureObjects()[0]?.body.records).toEqual([
      expect.objectContaining({ error: 'InvalidInputException: sentAt: out of range', eventsSent: 20 }),
    ]);
  });
});

describe('putEvents consumer: the failed-records bucket', () => {
  it('writes one object per invocation, keyed by day, time and first sequence number, and logs its count', async () => {
    const warn = jest.spyOn(logger, 'warn');
    const now = new Date();

    await consume(
      rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(1) }),
      record(2),
      rawKinesisRecord('%%', { sequenceNumber: sequenceNumber(3) }),
    );

    const [object, ...others] = failureObjects();
    expect(others).toEqual([]);
    const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
    expect(object?.bucket).toBe(FAILED_RECORDS_BUCKET);
    expect(object?.key).toMatch(
      new RegExp(`^consumer/${day}/\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z-${sequenceNumber(1)}-[0-9a-f-]+\\.json$`),
    );
    expect(object?.body).toEqual({
      version: '1.0',
      source: 'putEvents-consumer',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      reason: 'data: must be base64',
      records: [
        expect.objectContaining({
          sequenceNumber: sequenceNumber(1),
          data: '!!',
          error: 'data: must be base64',
        }),
        expect.objectContaining({
          sequenceNumber: sequenceNumber(3),
          data: '%%',
          error: 'data: must be base64',
        }),
      ],
    });
    expect(warn).toHaveBeenCalledWith('Records dead-lettered', {
      count: 2,
      reason: 'data: must be base64',
      key: object?.key,
    });
    warn.mockRestore();
  });

  it.each([
    [
      'data that is not base64',
      rawKinesisRecord('%%% not base64 %%%', { sequenceNumber: sequenceNumber(2) }),
      'data: must be base64',
    ],
    [
      'data that is not JSON',
      rawKinesisRecord(Buffer.from('{"userId": ').toString('base64'), { sequenceNumber: sequenceNumber(2) }),
      'data: must be a JSON interaction batch',
    ],
    [
      'a batch without userId',
      kinesisRecord({ ...batch(), userId: undefined }, { sequenceNumber: sequenceNumber(2) }),
      'userId: is required',
    ],
    [
      'a batch of 0 interactions',
      kinesisRecord(batch({ interactions: 0 }), { sequenceNumber: sequenceNumber(2) }),
      'interactions: ',
    ],
    [
      'a dateFrom that is not ISO 8601 (Date.parse would read it as 2001-03-07)',
      kinesisRecord(batch({ dateFrom: 'March 7' }), { sequenceNumber: sequenceNumber(2) }),
      'dateFrom: must be an ISO 8601 date',
    ],
    [
      'a batch whose dateFrom is after dateTo',
      kinesisRecord(batch({ dateFrom: '2022-02-01', dateTo: '2022-01-01' }), {
        sequenceNumber: sequenceNumber(2),
      }),
      'dateFrom: must not be after dateTo',
    ],
  ])(
    'sets aside a record with %s, with its error, acknowledges it, and goes on',
    async (_case, malformed, error) => {
      const result = await consume(record(1, { userId: 'a' }), malformed, record(3, { userId: 'c' }));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(failureObjects().map((object) => object.body.records)).toEqual([
        [
          {
            sequenceNumber: sequenceNumber(2),
            partitionKey: malformed.kinesis.partitionKey,
            approximateArrivalTimestamp: malformed.kinesis.approximateArrivalTimestamp,
            data: malformed.kinesis.data,
            error: expect.stringContaining(error),
          },
        ],
      ]);
      expect(sentCalls().map((call) => call.userId)).toEqual(['a', 'c']);
    },
  );

  it('does not acknowledge the records set aside when the S3 write fails: the first of them is the failure', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('SlowDown', 'Please reduce your request rate', 503));

    const result = await consume(
      record(1, { userId: 'a' }),
      rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(2) }),
      record(3, { trackingId: UNKNOWN_TRACKING_ID }),
      record(4, { userId: 'c' }),
    );

    expect(result).toEqual(failureAt(2));
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  it('does not acknowledge a record set aside when no bucket is configured', async () => {
    delete process.env.FAILED_RECORDS_BUCKET;

    const result = await consume(rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(1) }));

    expect(result).toEqual(failureAt(1));
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('keeps only the records set aside before the reported one: the retry re-delivers the others', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(new Error('Service unavailable'));

    const result = await consume(
      rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(1) }),
      record(2),
      rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(3) }),
    );

    expect(result).toEqual(failureAt(2));
    expect(setAsideSequenceNumbers()).toEqual([sequenceNumber(1)]);
  });
});

describe('putEvents consumer: bounded work', () => {
  /** A context whose clock moves `msPerCall` forward with every PutEvents call. */
  function contextWithClock(remainingAtStart: number, msPerCall: number): Context {
    let remaining = remainingAtStart;
    personalizeEvents.on(PutEventsCommand).callsFake(() => {
      remaining -= msPerCall;
      return Promise.resolve({});
    });
    return { ...lambdaContext(), getRemainingTimeInMillis: () => remaining };
  }

  it('stops starting calls 10 s before the deadline and reports the first record not sent', async () => {
    const context = contextWithClock(60_000, 5_000);
    const records = Array.from({ length: 20 }, (_, index) => record(index + 1, { interactions: 10 }));

    const result = await handler(kinesisEvent(records), context);

    // 60 s left, 10 s margin: 10 calls of 5 s each, then no more.
    expect(sentCalls()).toHaveLength(10);
    expect(result).toEqual(failureAt(11));
  });

  it('keeps a quarter of the remaining time when that is less than 10 s', async () => {
    const context = contextWithClock(8_000, 1_000);
    const records = Array.from({ length: 20 }, (_, index) => record(index + 1, { interactions: 10 }));

    const result = await handler(kinesisEvent(records), context);

    // 8 s left, 2 s margin: 6 calls of 1 s.
    expect(sentCalls()).toHaveLength(6);
    expect(result).toEqual(failureAt(7));
  });

  it('reports a record of more than 10 events not fully sent by the deadline', async () => {
    const context = contextWithClock(60_000, 25_000);

    const result = await handler(kinesisEvent([record(1, { interactions: 30 })]), context);

    expect(sentCalls()).toHaveLength(2);
    expect(result).toEqual(failureAt(1));
  });

  it('never has more than 8 calls in flight and keeps each sender’s calls in order', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    let seed = 7;
    const nextDelay = () => (seed = (seed * 48271) % 2147483647) % 5;
    personalizeEvents.on(PutEventsCommand).callsFake(async () => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, nextDelay()));
      inFlight -= 1;
      return {};
    });
    // 12 senders, 5 records each of 10 events (a call each), interleaved on the stream.
    const records = Array.from({ length: 60 }, (_, index) =>
      record(index + 1, { userId: `user-${index % 12}`, interactions: 10 }),
    );

    const result = await consume(...records);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(mostInFlight).toBe(8);
    expect(sentCalls()).toHaveLength(60);
    for (let user = 0; user < 12; user += 1) {
      const firstIds = sentCalls()
        .filter((call) => call.userId === `user-${user}`)
        .map((call) => call.eventList?.[0]?.eventId);
      expect(firstIds).toEqual(
        Array.from({ length: 5 }, (_, index) => `${sequenceNumber(user + 1 + 12 * index)}-0`),
      );
    }
  });
});

describe('putEvents consumer: the tracking id guard', () => {
  it('learns the stack’s tracking ids once per container, not per invocation', async () => {
    await consume(record(1));
    await consume(record(2));

    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);
    expect(personalize).toHaveReceivedCommandWith(ListEventTrackersCommand, {
      datasetGroupArn: DATASET_GROUP_ARN,
    });
  });

  it('retries, setting nothing aside, when the tracking ids cannot be learnt', async () => {
    personalize.on(ListEventTrackersCommand).rejects(serviceError('ThrottlingException', 'Rate exceeded'));

    const result = await consume(record(1), record(2, { userId: 'b' }));

    expect(result).toEqual(failureAt(1));
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('waits for a tracker being created and delivers once it is ACTIVE, setting nothing aside', async () => {
    mockTrackerBeingCreated(personalize, ['CREATE PENDING', 'CREATE PENDING', 'ACTIVE']);

    const result = await consume(record(1), record(2, { userId: 'b' }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(personalizeEvents).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('retries the whole batch, setting nothing aside, when the tracker is still not active after the wait', async () => {
    const sleeps: number[] = [];
    const warn = jest.spyOn(logger, 'warn');
    const notActive = new EventTrackerNotActiveError(EVENT_TRACKER_ARN, 'CREATE PENDING');

    const result = await deliverRecords([record(1), record(2, { userId: 'b' })], {
      personalizeEvents: new PersonalizeEventsClient({}),
      s3: new S3Client({}),
      failedRecordsBucket: FAILED_RECORDS_BUCKET,
      isOwnTrackingId: () => Promise.reject(notActive),
      logger,
      trackerActivationWaitMs: 3 * TRACKER_POLL_MS,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });

    expect(result).toEqual(failureAt(1));
    expect(sleeps).toEqual([TRACKER_POLL_MS, TRACKER_POLL_MS, TRACKER_POLL_MS]);
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();
    expect(s3).not.toHaveReceivedAnyCommand();
    expect(warn).toHaveBeenCalledWith(
      'Event tracker still not active; Lambda retries the records',
      expect.objectContaining({ eventTrackerArn: EVENT_TRACKER_ARN, status: 'CREATE PENDING' }),
    );
    warn.mockRestore();
  });

  it('fails the invocation loudly when DATASET_GROUP_ARN is not set, sending nothing', async () => {
    delete process.env.DATASET_GROUP_ARN;

    await expect(consume(record(1))).rejects.toThrow('DATASET_GROUP_ARN is not set');
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();
  });
});
