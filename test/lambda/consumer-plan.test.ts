// First import: the factories set the test environment before any SDK client is created.
import { TRACKING_ID, kinesisRecord, rawKinesisRecord, sequenceNumber } from './factories';
import { expect } from '@jest/globals';
import { isolateRecords, planDelivery } from '../../lambda/shared/consumer-plan';
import type { InteractionBatch } from '../../lib/contract/requests';

const record = (n: number, overrides: Partial<InteractionBatch> = {}) =>
  kinesisRecord(
    {
      userId: '429',
      itemId: '1210',
      eventType: 'click',
      trackingId: TRACKING_ID,
      interactions: 1,
      ...overrides,
    },
    { sequenceNumber: sequenceNumber(n) },
  );
/** Each lane as its calls' parts: `[[[sequence number index, event count], ...], ...]`. */
const shapeOf = (plan: ReturnType<typeof planDelivery>) =>
  plan.lanes.map((lane) =>
    lane.map((call) =>
      call.parts.map((part) => [Number(part.sequenceNumber.slice(-6)), part.eventCount] as const),
    ),
  );

describe('planDelivery', () => {
  it('sorts the records by sequence number and gives each sender a lane, in the order of its first record', () => {
    const plan = planDelivery([
      record(3, { userId: 'b' }),
      record(1, { userId: 'a' }),
      record(2, { userId: 'b' }),
    ]);

    expect(plan.records.map((r) => r.kinesis.sequenceNumber)).toEqual([1, 2, 3].map(sequenceNumber));
    expect(plan.lanes.map((lane) => lane[0]?.input.userId)).toEqual(['a', 'b']);
    expect(shapeOf(plan)).toEqual([
      [[[1, 1]]],
      [
        [
          [2, 1],
          [3, 1],
        ],
      ],
    ]);
  });

  it("shares a call between a sender's whole records while they fit in 10 events, even with others between", () => {
    const plan = planDelivery([
      record(1, { interactions: 4 }),
      record(2, { userId: 'other' }),
      record(3, { interactions: 6 }),
      record(4, { interactions: 1 }),
    ]);

    expect(shapeOf(plan)[0]).toEqual([
      [
        [1, 4],
        [3, 6],
      ],
      [[4, 1]],
    ]);
  });

  it('gives a record of more than 10 events calls of its own, which no other record joins', () => {
    const plan = planDelivery([record(1, { interactions: 2 }), record(2, { interactions: 25 }), record(3)]);

    expect(shapeOf(plan)).toEqual([[[[1, 2]], [[2, 10]], [[2, 10]], [[2, 5]], [[3, 1]]]]);
    expect(plan.callsPerRecord.get(sequenceNumber(2))).toBe(3);
  });

  it('never mixes trackers, users or sessions in one lane', () => {
    const plan = planDelivery([
      record(1),
      record(2, { trackingId: 'other-tracker' }),
      record(3, { userId: 'other' }),
      record(4, { sessionId: 's-1' }),
    ]);

    expect(plan.lanes).toHaveLength(4);
    for (const lane of plan.lanes) {
      for (const call of lane) expect(call.input.eventList.length).toBeLessThanOrEqual(10);
    }
  });

  it('lists the malformed records with their errors, and plans no call for them', () => {
    const plan = planDelivery([record(1), rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(2) })]);

    expect(plan.malformed).toEqual([
      {
        record: expect.objectContaining({ eventID: expect.stringContaining(sequenceNumber(2)) }),
        error: 'data: must be base64',
      },
    ]);
    expect(plan.callsPerRecord.has(sequenceNumber(2))).toBe(false);
    expect(shapeOf(plan)).toEqual([[[[1, 1]]]]);
  });

  it('is deterministic: the same records give the same calls, event ids included', () => {
    const records = [record(1, { interactions: 3 }), record(2, { interactions: 12 })];

    expect(planDelivery(records)).toEqual(planDelivery([...records].reverse()));
  });
});

describe('isolateRecords', () => {
  it('splits a shared call into one call per record, each with its own events', () => {
    const [call] =
      planDelivery([record(1, { interactions: 2 }), record(2, { interactions: 3 })]).lanes[0] ?? [];

    const calls = isolateRecords(call!);

    expect(calls.map((c) => c.input.eventList.map((event) => event.eventId))).toEqual([
      [`${sequenceNumber(1)}-0`, `${sequenceNumber(1)}-1`],
      [`${sequenceNumber(2)}-0`, `${sequenceNumber(2)}-1`, `${sequenceNumber(2)}-2`],
    ]);
    expect(calls.map((c) => c.parts)).toEqual([
      [{ sequenceNumber: sequenceNumber(1), eventCount: 2 }],
      [{ sequenceNumber: sequenceNumber(2), eventCount: 3 }],
    ]);
    expect(calls[0]?.input).toMatchObject({ trackingId: TRACKING_ID, userId: '429' });
  });
});
