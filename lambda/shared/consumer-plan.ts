/**
 * The consumer's planner, pure: a Kinesis batch in, the PutEvents calls to make out, grouped by sender
 * (tracking id, user, session) in record order, plus the malformed records with their errors.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { MAX_EVENTS_PER_PUT_EVENTS, type PutEventsCall, toPutEventsBatches } from './events';
import { bySequenceNumber, decodeRecord, messageOf } from './records';

/** The events of one record that a call carries. */
interface CallPart {
  readonly sequenceNumber: string;
  readonly eventCount: number;
}

/**
 * One PutEvents call. It carries either whole records (consecutive records of one sender whose events fit in
 * one call: when it fails, none of them was sent) or one of the calls of a record of more than 10 events.
 */
export interface PlannedCall {
  readonly input: PutEventsCall;
  /** The records whose events `input.eventList` holds, in order: its first `eventCount` events, and so on. */
  readonly parts: readonly CallPart[];
}

interface MalformedRecord {
  readonly record: KinesisStreamRecord;
  readonly error: string;
}

export interface DeliveryPlan {
  /** The batch's records, in sequence-number order. */
  readonly records: readonly KinesisStreamRecord[];
  /** One lane per sender, its calls in record order; lanes in the order of their first record. */
  readonly lanes: ReadonlyArray<readonly PlannedCall[]>;
  /** How many calls carry each well-formed record's events. */
  readonly callsPerRecord: ReadonlyMap<string, number>;
  /** Records that can never be sent (bad base64, JSON or interaction batch), with their error. */
  readonly malformed: readonly MalformedRecord[];
}

/** The key of a call's sender: Personalize takes one tracking id, user and session per call. */
function senderOf(call: PutEventsCall): string {
  return JSON.stringify([call.trackingId, call.userId ?? '', call.sessionId]);
}

interface OpenCall extends PlannedCall {
  readonly parts: CallPart[];
  /** Whether further whole records may join it (false for the calls of a record of more than 10 events). */
  readonly shareable: boolean;
}

function addToLane(
  lane: OpenCall[],
  call: PutEventsCall,
  sequenceNumber: string,
  wholeRecord: boolean,
): void {
  const part = { sequenceNumber, eventCount: call.eventList.length };
  const last = lane[lane.length - 1];
  if (
    wholeRecord &&
    last?.shareable &&
    last.input.eventList.length + call.eventList.length <= MAX_EVENTS_PER_PUT_EVENTS
  ) {
    last.input.eventList.push(...call.eventList);
    last.parts.push(part);
    return;
  }
  lane.push({ input: { ...call, eventList: [...call.eventList] }, parts: [part], shareable: wholeRecord });
}

/** Plans the delivery of a batch. Deterministic: the same records give the same calls, event ids included. */
export function planDelivery(records: readonly KinesisStreamRecord[]): DeliveryPlan {
  const sorted = [...records].sort(bySequenceNumber);
  const lanes = new Map<string, OpenCall[]>();
  const callsPerRecord = new Map<string, number>();
  const malformed: MalformedRecord[] = [];
  for (const record of sorted) {
    let calls: PutEventsCall[];
    try {
      calls = toPutEventsBatches(decodeRecord(record));
    } catch (error) {
      malformed.push({ record, error: messageOf(error) });
      continue;
    }
    const { sequenceNumber } = record.kinesis;
    callsPerRecord.set(sequenceNumber, calls.length);
    for (const call of calls) {
      const sender = senderOf(call);
      const lane = lanes.get(sender) ?? [];
      lanes.set(sender, lane);
      addToLane(lane, call, sequenceNumber, calls.length === 1);
    }
  }
  const plannedLanes = [...lanes.values()].map((lane) =>
    lane.map(({ input, parts }): PlannedCall => ({ input, parts })),
  );
  return { records: sorted, lanes: plannedLanes, callsPerRecord, malformed };
}

/** A call of several records split into one call per record, to find which of them the service rejects. */
export function isolateRecords(call: PlannedCall): PlannedCall[] {
  let offset = 0;
  return call.parts.map((part) => {
    const eventList = call.input.eventList.slice(offset, offset + part.eventCount);
    offset += part.eventCount;
    return { input: { ...call.input, eventList }, parts: [part] };
  });
}
