// First import: the factories set the test environment before any SDK client is created.
import {
  TRACKING_ID,
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  rawKinesisRecord,
  sequenceNumber,
} from './factories';
import {
  PersonalizeEventsClient,
  PutEventsCommand,
  type PutEventsCommandInput,
} from '@aws-sdk/client-personalize-events';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/putEvents';
import { sessionIdFor } from '../../lambda/shared/events';
import type { InteractionBatch } from '../../lambda/shared/requests';

const personalizeEvents = mockClient(PersonalizeEventsClient);
const sqs = mockClient(SQSClient);
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/putEvents-dlq';

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

/** The PutEvents calls made, in order. */
const sentCalls = (): PutEventsCommandInput[] =>
  personalizeEvents.commandCalls(PutEventsCommand).map((call) => call.args[0].input);
const sentEventIds = () =>
  sentCalls().flatMap((call) => (call.eventList ?? []).map((event) => event.eventId));
const deadLetters = () =>
  sqs.commandCalls(SendMessageCommand).map((call) => ({
    queueUrl: call.args[0].input.QueueUrl,
    body: JSON.parse(call.args[0].input.MessageBody ?? 'null') as unknown,
  }));

beforeEach(() => {
  personalizeEvents.reset();
  sqs.reset();
  personalizeEvents.on(PutEventsCommand).resolves({ $metadata: { httpStatusCode: 200 } });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  process.env.DEAD_LETTER_QUEUE_URL = DLQ_URL;
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
  });

  it('processes records in sequence-number order', async () => {
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

  it('shares a call between consecutive records of one user while their events fit, never splitting a record', async () => {
    await consume(
      record(1, { interactions: 4 }),
      record(2, { interactions: 4 }),
      record(3, { interactions: 4 }),
      record(4, { interactions: 1 }),
    );

    const calls = sentCalls();
    expect(calls.map((call) => call.eventList?.length)).toEqual([8, 5]);
    expect(calls.every((call) => (call.eventList?.length ?? 0) <= 10)).toBe(true);
    expect(calls[1]?.eventList?.map((event) => event.eventId)).toEqual([
      `${sequenceNumber(3)}-0`,
      `${sequenceNumber(3)}-1`,
      `${sequenceNumber(3)}-2`,
      `${sequenceNumber(3)}-3`,
      `${sequenceNumber(4)}-0`,
    ]);
  });

  it('never mixes users, trackers or sessions in one call', async () => {
    await consume(
      record(1),
      record(2, { userId: 'other' }),
      record(3, { trackingId: 'other-tracker' }),
      record(4, { sessionId: 's-1' }),
    );

    expect(sentCalls()).toHaveLength(4);
  });
});

describe('putEvents consumer: failures', () => {
  it('reports the first record whose PutEvents fails, after sending earlier ones and before sending later ones', async () => {
    personalizeEvents.on(PutEventsCommand, { userId: 'b' }).rejects(new Error('Service unavailable'));

    const result = await consume(
      record(1, { userId: 'a' }),
      record(2, { userId: 'b' }),
      record(3, { userId: 'c' }),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }] });
    expect(sentCalls().map((call) => call.userId)).toEqual(['a', 'b']);
  });

  it('reports the first record of a shared call that fails, since none of its records was sent', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(new Error('Service unavailable'));

    const result = await consume(
      record(1, { interactions: 2 }),
      record(2, { interactions: 2 }),
      record(3, { userId: 'x' }),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }] });
    expect(sentCalls()).toHaveLength(1);
  });

  it('reports a record of more than 10 events when one of its calls fails, and sends nothing after it', async () => {
    personalizeEvents.on(PutEventsCommand).resolvesOnce({}).rejects(new Error('Throttled'));

    const result = await consume(record(1, { interactions: 15 }), record(2, { userId: 'later' }));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }] });
    expect(sentCalls().map((call) => call.userId)).toEqual(['429', '429']);
  });

  it('throws no error and returns no HTTP response on failure', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(new Error('boom'));

    const result = await consume(record(1));

    expect(result).not.toHaveProperty('statusCode');
    expect(result.batchItemFailures).toHaveLength(1);
  });
});

describe('putEvents consumer: malformed records', () => {
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
    'sends a record with %s to the dead-letter queue with its error, acknowledges it, and goes on',
    async (_case, malformed, error) => {
      const result = await consume(record(1, { userId: 'a' }), malformed, record(3, { userId: 'c' }));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(deadLetters()).toEqual([
        {
          queueUrl: DLQ_URL,
          body: {
            error: expect.stringContaining(error),
            record: {
              sequenceNumber: sequenceNumber(2),
              partitionKey: malformed.kinesis.partitionKey,
              data: malformed.kinesis.data,
            },
          },
        },
      ]);
      expect(sentCalls().map((call) => call.userId)).toEqual(['a', 'c']);
    },
  );

  it('reports a malformed record whose dead-letter send fails, and sends nothing after it', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('SQS unavailable'));

    const result = await consume(
      record(1, { userId: 'a' }),
      rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(2) }),
      record(3, { userId: 'c' }),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }] });
    expect(sentCalls().map((call) => call.userId)).toEqual(['a']);
  });

  it('reports a malformed record when no dead-letter queue is configured', async () => {
    delete process.env.DEAD_LETTER_QUEUE_URL;

    const result = await consume(rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(1) }));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }] });
    expect(sqs).not.toHaveReceivedAnyCommand();
  });

  it('sends the events of earlier records before dead-lettering, so a failure there does not dead-letter twice', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(new Error('Service unavailable'));

    const result = await consume(record(1), rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(2) }));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }] });
    expect(sqs).not.toHaveReceivedAnyCommand();
  });
});
