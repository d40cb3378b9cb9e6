// First import: the factories set the test environment before any SDK client is created.
import {
  EVENT_TRACKER_ARN,
  TRACKING_ID,
  apiEvent,
  bodyOf,
  lambdaContext,
  mockEventTrackers,
  mockTrackerBeingCreated,
  restoreFunctionEnvironment,
  serviceError,
  unexpectedError,
} from './factories';
import { expect } from '@jest/globals';
import {
  PersonalizeEventsClient,
  PutEventsCommand,
  type PutEventsCommandInput,
} from '@aws-sdk/client-personalize-events';
import { ListEventTrackersCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, trackingIds } from '../../lambda/putEventsDirect';
import { sessionIdFor } from '../../lambda/shared/events';

const personalizeEvents = mockClient(PersonalizeEventsClient);
const personalize = mockClient(PersonalizeClient);
const data = { userId: '429', itemId: '1210', eventType: 'click', trackingId: TRACKING_ID, interactions: 1 };
const post = (body: unknown, requestId = 'req-1') =>
  handler(apiEvent({ path: '/putEvents', body, requestId }), lambdaContext());
const sentCalls = (): PutEventsCommandInput[] =>
  personalizeEvents.commandCalls(PutEventsCommand).map((call) => call.args[0].input);

beforeEach(() => {
  personalizeEvents.reset();
  personalize.reset();
  trackingIds.clear();
  restoreFunctionEnvironment();
  personalizeEvents.on(PutEventsCommand).resolves({ $metadata: { httpStatusCode: 200 } });
  mockEventTrackers(personalize);
});

describe('POST /putEvents', () => {
  it('sends the batch synchronously and answers one {itemId, eventType, userId, response} per event', async () => {
    const result = await post({ ...data, interactions: 2 });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual([
      { itemId: '1210', eventType: 'click', userId: '429', response: { $metadata: { httpStatusCode: 200 } } },
      { itemId: '1210', eventType: 'click', userId: '429', response: { $metadata: { httpStatusCode: 200 } } },
    ]);
    expect(personalizeEvents).toHaveReceivedCommandWith(PutEventsCommand, {
      trackingId: TRACKING_ID,
      userId: '429',
      sessionId: sessionIdFor(TRACKING_ID, '429'),
      eventList: [
        expect.objectContaining({ eventId: 'req-1-0', eventType: 'click', itemId: '1210' }),
        expect.objectContaining({ eventId: 'req-1-1', eventType: 'click', itemId: '1210' }),
      ],
    });
  });

  it('sends the recommendationId and the impression list with every event of the batch', async () => {
    const impression = ['1210', '42', '7'];
    await post({ ...data, interactions: 2, recommendationId: 'RID-42', impression });

    const events = sentCalls().flatMap((call) => call.eventList ?? []);
    expect(events).toHaveLength(2);
    for (const event of events) expect(event).toMatchObject({ recommendationId: 'RID-42', impression });
  });

  it('sends neither field when the batch has none', async () => {
    await post(data);

    const [event] = sentCalls().flatMap((call) => call.eventList ?? []);
    expect(event).not.toHaveProperty('recommendationId');
    expect(event).not.toHaveProperty('impression');
  });

  it('expands exactly as the stream consumer does: 10 events per call, timestamps inside the range', async () => {
    const result = await post({ ...data, interactions: 23, dateFrom: '2022-01-01', dateTo: '2022-01-31' });

    expect(bodyOf(result)).toHaveLength(23);
    expect(sentCalls().map((call) => call.eventList?.length)).toEqual([10, 10, 3]);
    for (const event of sentCalls().flatMap((call) => call.eventList ?? [])) {
      const sentAt = (event.sentAt as Date).getTime();
      expect(sentAt).toBeGreaterThanOrEqual(Date.parse('2022-01-01T00:00:00Z'));
      expect(sentAt).toBeLessThanOrEqual(Date.parse('2022-01-31T23:59:59.999Z'));
    }
  });

  it.each([
    ['a missing userId', { ...data, userId: undefined }, 'userId: is required'],
    ['a missing trackingId', { ...data, trackingId: undefined }, 'trackingId: is required'],
    ['0 interactions', { ...data, interactions: 0 }, 'interactions: '],
    ['more than 1000 interactions', { ...data, interactions: 1001 }, 'interactions: '],
    [
      'a dateFrom that is not a date',
      { ...data, dateFrom: 'yesterday' },
      'dateFrom: must be an ISO 8601 date',
    ],
    ['a dateFrom Date.parse reads as 2001', { ...data, dateFrom: '1' }, 'dateFrom: must be an ISO 8601 date'],
    [
      'a day that is not in the calendar',
      { ...data, dateTo: '2022-02-30' },
      'dateTo: must be an ISO 8601 date',
    ],
    [
      'a date-time without a time zone (local time differs between Lambda and a laptop)',
      { ...data, dateFrom: '2022-01-01T10:00:00' },
      'dateFrom: must be an ISO 8601 date',
    ],
    [
      'a dateFrom after dateTo',
      { ...data, dateFrom: '2022-02-01', dateTo: '2022-01-01' },
      'dateFrom: must not be after dateTo',
    ],
    ['a month 13', { ...data, dateFrom: '2024-13-01' }, 'dateFrom: must be an ISO 8601 date'],
    ['an hour 25', { ...data, dateTo: '2024-01-01T25:00:00Z' }, 'dateTo: must be an ISO 8601 date'],
    [
      'an offset of +99:99',
      { ...data, dateTo: '2024-01-01T10:00:00+99:99' },
      'dateTo: must be an ISO 8601 date',
    ],
    ['February 29 of 2023', { ...data, dateTo: '2023-02-29' }, 'dateTo: must be an ISO 8601 date'],
    [
      'a userId of 200 emoji (200 code points, 400 UTF-16 units)',
      { ...data, userId: '😀'.repeat(200) },
      'userId: must be at most 256 UTF-16 code units',
    ],
    [
      'an empty idempotencyKey',
      { ...data, idempotencyKey: '' },
      'idempotencyKey: must be 1 to 64 characters',
    ],
    [
      'an idempotencyKey of 65 characters',
      { ...data, idempotencyKey: 'k'.repeat(65) },
      'idempotencyKey: must be 1 to 64 characters',
    ],
    [
      'an idempotencyKey with a space',
      { ...data, idempotencyKey: 'retry 1' },
      'idempotencyKey: must be 1 to 64 characters',
    ],
    [
      'a recommendationId of 41 characters',
      { ...data, recommendationId: 'R'.repeat(41) },
      'recommendationId: must be at most 40 characters',
    ],
    ['an empty recommendationId', { ...data, recommendationId: '' }, 'recommendationId:'],
    ['a recommendationId that is a number', { ...data, recommendationId: 7 }, 'recommendationId:'],
    ['an empty impression list', { ...data, impression: [] }, 'impression:'],
    [
      'an impression list of 26 items',
      { ...data, impression: Array.from({ length: 26 }, (_, k) => `item-${k}`) },
      'impression:',
    ],
    ['an impression that is not a list', { ...data, impression: 'item-1' }, 'impression:'],
    ['an empty item id in the impression list', { ...data, impression: ['item-1', ''] }, 'impression[1]:'],
  ])('answers 400 naming the field for %s, sending nothing', async (_case, body, message) => {
    const result = await post(body);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: expect.stringContaining(message),
    });
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();
  });

  it('answers a Personalize error as the shared mapping does, saying how many events were sent', async () => {
    personalizeEvents
      .on(PutEventsCommand)
      .rejects(serviceError('ResourceNotFoundException', 'tracking id not found'));

    const result = await post(data);

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toEqual({
      code: 'ResourceNotFoundException',
      message: 'tracking id not found',
      eventsSent: 0,
    });
  });

  it('says how many events were sent when a later call fails', async () => {
    personalizeEvents
      .on(PutEventsCommand)
      .resolvesOnce({})
      .rejects(serviceError('ThrottlingException', 'Rate exceeded'));

    const result = await post({ ...data, interactions: 15 });

    expect(result.statusCode).toBe(429);
    expect(bodyOf(result)).toEqual({
      code: 'TooManyRequestsException',
      message: 'Rate exceeded',
      eventsSent: 10,
    });
  });

  it('answers an unexpected failure with a generic 500', async () => {
    personalizeEvents.on(PutEventsCommand).rejects(unexpectedError());

    const result = await post(data);

    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({
      message: 'Internal server error',
      code: 'InternalServerException',
      eventsSent: 0,
    });
    expect(result.body).not.toMatch(/ECONNREFUSED/);
  });
});

describe('POST /putEvents: retrying safely with an idempotencyKey', () => {
  const eventIds = (calls: PutEventsCommandInput[]) =>
    calls.flatMap((call) => (call.eventList ?? []).map((event) => event.eventId));

  it('sends the same event ids when the same batch is retried under the same key (a new request id)', async () => {
    const body = { ...data, interactions: 12, idempotencyKey: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' };

    await post(body, 'req-1');
    const first = eventIds(sentCalls());
    personalizeEvents.resetHistory();
    await post(body, 'req-2-the-retry');
    const retried = eventIds(sentCalls());

    expect(first).toHaveLength(12);
    expect(new Set(first).size).toBe(12);
    expect(retried).toEqual(first);
    expect(first[0]).toMatch(/^key-[0-9a-f]{32}-0$/);
    expect(first.join()).not.toContain('req-');
  });

  it('sends different event ids under different keys', async () => {
    await post({ ...data, interactions: 3, idempotencyKey: 'order-1' });
    const first = eventIds(sentCalls());
    personalizeEvents.resetHistory();
    await post({ ...data, interactions: 3, idempotencyKey: 'order-2' });
    const second = eventIds(sentCalls());

    expect(second.filter((id) => first.includes(id))).toEqual([]);
  });

  it('keeps deriving the event ids from the request id without a key (a retry then sends new ids)', async () => {
    await post(data, 'req-1');
    await post(data, 'req-2');

    expect(eventIds(sentCalls())).toEqual(['req-1-0', 'req-2-0']);
  });
});

describe('POST /putEvents: only to this stack’s event trackers', () => {
  it('answers 404 naming a tracking id that is not one of the dataset group’s trackers, sending nothing', async () => {
    const result = await post({ ...data, trackingId: 'tracking-id-of-another-application' });

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toEqual({
      code: 'ResourceNotFoundException',
      message: expect.stringContaining('trackingId: tracking-id-of-another-application is not'),
    });
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();
  });

  it('learns the tracking ids once per container', async () => {
    await post(data, 'req-1');
    await post(data, 'req-2');

    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);
    expect(personalizeEvents).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });

  it('answers a generic 500, sending nothing, when DATASET_GROUP_ARN is not set', async () => {
    delete process.env.DATASET_GROUP_ARN;

    const result = await post(data);

    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ message: 'Internal server error', code: 'InternalServerException' });
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();
  });

  it('answers a throttled ListEventTrackers with 429, sending nothing', async () => {
    personalize.on(ListEventTrackersCommand).rejects(serviceError('ThrottlingException', 'Rate exceeded'));

    const result = await post(data);

    expect(result.statusCode).toBe(429);
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();
  });
});

describe('POST /putEvents: right after POST /eventTracker', () => {
  it('answers 409 saying the tracker is not active yet, sending nothing, then sends once it is ACTIVE', async () => {
    // Listed CREATE PENDING; described CREATE PENDING (first tracking id lookup), CREATE IN_PROGRESS, ACTIVE.
    mockTrackerBeingCreated(personalize, ['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);

    const first = await post(data, 'req-1');

    expect(first.statusCode).toBe(409);
    expect(bodyOf(first)).toEqual({
      code: 'ResourceInUseException',
      message: `event tracker ${EVENT_TRACKER_ARN} is not active yet (CREATE IN_PROGRESS): retry in a few seconds`,
      eventTrackerArn: EVENT_TRACKER_ARN,
      status: 'CREATE IN_PROGRESS',
    });
    expect(personalizeEvents).not.toHaveReceivedAnyCommand();

    const second = await post(data, 'req-2');

    expect(second.statusCode).toBe(200);
    expect(personalizeEvents).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    // Listed once; once ACTIVE, the tracker is not described again.
    await post(data, 'req-3');
    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);
  });
});
