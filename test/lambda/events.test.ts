// First import: the factories set the test environment before any SDK client is created.
import { TRACKING_ID, kinesisRecord, sequenceNumber } from './factories';
import { ValidationError } from '../../lambda/shared/errors';
import {
  MAX_EVENTS_PER_PUT_EVENTS,
  expandInteractions,
  idempotentEventIdPrefix,
  sessionIdFor,
  toPutEventsBatches,
} from '../../lambda/shared/events';
import { decodeRecord } from '../../lambda/shared/records';
import type { InteractionBatch } from '../../lib/contract/requests';

const batch = (overrides: Partial<InteractionBatch> = {}): InteractionBatch => ({
  userId: '429',
  itemId: '1210',
  eventType: 'click',
  trackingId: TRACKING_ID,
  interactions: 1,
  ...overrides,
});
const now = new Date('2024-03-15T12:00:00.000Z');
const options = { eventIdPrefix: 'seq-1', now };
const times = (events: ReturnType<typeof expandInteractions>) =>
  events.map(({ event }) => event.sentAt.toISOString());

describe('expandInteractions', () => {
  it('makes `interactions` events of the batch’s type, user and item', () => {
    const events = expandInteractions(batch({ interactions: 3 }), options);

    expect(events).toHaveLength(3);
    for (const { event, userId, trackingId } of events) {
      expect(event).toMatchObject({ eventType: 'click', itemId: '1210' });
      expect(userId).toBe('429');
      expect(trackingId).toBe(TRACKING_ID);
    }
  });

  it('spreads timestamps evenly from dateFrom to the end of a bare dateTo', () => {
    const events = expandInteractions(
      batch({ interactions: 3, dateFrom: '2022-01-01', dateTo: '2022-01-02' }),
      options,
    );

    expect(times(events)).toEqual([
      '2022-01-01T00:00:00.000Z',
      '2022-01-02T00:00:00.000Z',
      '2022-01-02T23:59:59.999Z',
    ]);
  });

  it('keeps every timestamp inside [dateFrom, dateTo], oldest first', () => {
    const from = Date.parse('2022-01-01T00:00:00Z');
    const to = Date.parse('2022-01-31T23:59:59.999Z');

    const sentAt = expandInteractions(
      batch({ interactions: 97, dateFrom: '2022-01-01', dateTo: '2022-01-31' }),
      options,
    ).map(({ event }) => event.sentAt.getTime());

    expect(Math.min(...sentAt)).toBe(from);
    expect(Math.max(...sentAt)).toBe(to);
    expect([...sentAt].sort((a, b) => a - b)).toEqual(sentAt);
  });

  it('takes full timestamps as they are', () => {
    const events = expandInteractions(
      batch({ interactions: 2, dateFrom: '2022-01-01T10:00:00Z', dateTo: '2022-01-01T11:00:00Z' }),
      options,
    );

    expect(times(events)).toEqual(['2022-01-01T10:00:00.000Z', '2022-01-01T11:00:00.000Z']);
  });

  it('puts every event at now when the batch has no range', () => {
    expect(times(expandInteractions(batch({ interactions: 2 }), options))).toEqual([
      now.toISOString(),
      now.toISOString(),
    ]);
  });

  it('ends the range at now when only dateFrom is given', () => {
    const events = expandInteractions(batch({ interactions: 2, dateFrom: '2024-03-15T11:00:00Z' }), options);

    expect(times(events)).toEqual(['2024-03-15T11:00:00.000Z', now.toISOString()]);
  });

  it('rejects dateFrom after dateTo with a ValidationError naming dateFrom', () => {
    const expand = () => expandInteractions(batch({ dateFrom: '2022-02-01', dateTo: '2022-01-01' }), options);

    expect(expand).toThrow(ValidationError);
    expect(expand).toThrow('dateFrom: must not be after dateTo');
  });

  it('rejects a dateFrom in the future when no dateTo is given', () => {
    expect(() => expandInteractions(batch({ dateFrom: '2030-01-01' }), options)).toThrow(/^dateFrom: /);
  });

  it('derives one session id per tracker and user, the same for every batch', () => {
    const first = expandInteractions(batch({ itemId: '1' }), options);
    const second = expandInteractions(batch({ itemId: '2', interactions: 4 }), {
      eventIdPrefix: 'seq-2',
      now,
    });
    const otherUser = expandInteractions(batch({ userId: '430' }), options);

    const sessions = new Set([...first, ...second].map(({ sessionId }) => sessionId));
    expect([...sessions]).toEqual([sessionIdFor(TRACKING_ID, '429')]);
    expect(otherUser[0]?.sessionId).not.toBe(first[0]?.sessionId);
  });

  it("keeps the client's session id", () => {
    expect(expandInteractions(batch({ sessionId: 'web-session-7' }), options)[0]?.sessionId).toBe(
      'web-session-7',
    );
  });

  it('numbers event ids after the prefix, so a retry sends the same ids', () => {
    const events = expandInteractions(batch({ interactions: 3 }), options);

    expect(events.map(({ event }) => event.eventId)).toEqual(['seq-1-0', 'seq-1-1', 'seq-1-2']);
    expect(expandInteractions(batch({ interactions: 3 }), options)).toEqual(events);
  });
});

describe('event ids from an idempotency key', () => {
  const ids = (events: ReturnType<typeof expandInteractions>) => events.map(({ event }) => event.eventId);

  it('derives the same ids from the same key, whatever the request id or sequence number', () => {
    const keyed = batch({ interactions: 3, idempotencyKey: 'retry-me' });

    const first = ids(expandInteractions(keyed, { eventIdPrefix: 'req-1', now }));
    const retried = ids(expandInteractions(keyed, { eventIdPrefix: 'req-2', now: new Date() }));

    const prefix = idempotentEventIdPrefix({ ...keyed, idempotencyKey: 'retry-me' });
    expect(first).toEqual([`${prefix}-0`, `${prefix}-1`, `${prefix}-2`]);
    expect(retried).toEqual(first);
  });

  it('derives different ids from different keys', () => {
    const first = ids(expandInteractions(batch({ interactions: 3, idempotencyKey: 'a' }), options));
    const second = ids(expandInteractions(batch({ interactions: 3, idempotencyKey: 'b' }), options));

    expect(second.filter((id) => first.includes(id))).toEqual([]);
  });

  it('scopes a key to its tracking id and user, so two users may use the same key', () => {
    const first = ids(expandInteractions(batch({ userId: '429', idempotencyKey: '1' }), options));
    const second = ids(expandInteractions(batch({ userId: '430', idempotencyKey: '1' }), options));

    expect(second).not.toEqual(first);
  });

  it('stays within Personalize’s 256-character event ids at the largest batch', () => {
    const events = expandInteractions(batch({ interactions: 1000, idempotencyKey: 'k'.repeat(64) }), options);

    expect(Math.max(...ids(events).map((id) => id.length))).toBeLessThanOrEqual(40);
    expect(new Set(ids(events)).size).toBe(1000);
  });

  it('expands /data records with a key to the key’s ids, whatever their sequence numbers', () => {
    const keyed = batch({ interactions: 2, idempotencyKey: 'retry-me' });
    const original = decodeRecord(kinesisRecord(keyed, { sequenceNumber: sequenceNumber(1) }));
    const retried = decodeRecord(
      kinesisRecord(keyed, { sequenceNumber: sequenceNumber(7), arrival: Date.UTC(2024, 0, 2) / 1000 }),
    );
    const unkeyed = decodeRecord(kinesisRecord(batch(), { sequenceNumber: sequenceNumber(1) }));

    expect(ids(retried)).toEqual(ids(original));
    expect(ids(original)).toEqual(ids(expandInteractions(keyed, options)));
    expect(ids(unkeyed)).toEqual([`${sequenceNumber(1)}-0`]);
  });
});

describe('toPutEventsBatches', () => {
  it(`sends at most ${MAX_EVENTS_PER_PUT_EVENTS} events per call, in order`, () => {
    const events = expandInteractions(batch({ interactions: 25 }), options);

    const calls = toPutEventsBatches(events);

    expect(calls.map((call) => call.eventList.length)).toEqual([10, 10, 5]);
    expect(calls.flatMap((call) => call.eventList)).toEqual(events.map(({ event }) => event));
  });

  it('gives each call the tracking id, user and session of its events', () => {
    const calls = toPutEventsBatches(expandInteractions(batch({ interactions: 2 }), options));

    expect(calls).toEqual([
      expect.objectContaining({
        trackingId: TRACKING_ID,
        userId: '429',
        sessionId: sessionIdFor(TRACKING_ID, '429'),
      }),
    ]);
  });

  it('starts a new call when the user changes', () => {
    const events = [
      ...expandInteractions(batch({ userId: 'a', interactions: 2 }), options),
      ...expandInteractions(batch({ userId: 'b', interactions: 2 }), options),
      ...expandInteractions(batch({ userId: 'a', interactions: 1 }), options),
    ];

    expect(toPutEventsBatches(events).map((call) => [call.userId, call.eventList.length])).toEqual([
      ['a', 2],
      ['b', 2],
      ['a', 1],
    ]);
  });
});
