/**
 * Kinesis records as the consumer reads them: from a record's base64 data to its interaction batch and its
 * events. Shared by the consumer and the replay tool (scripts/replay-failures.ts), so a replayed record
 * expands to exactly the events the consumer would have sent.
 */
import type { KinesisStreamRecordPayload } from 'aws-lambda';
import { ValidationError } from './errors';
import { type ExpandOptions, type InteractionEvent, expandInteractions } from './events';
import { parseWith } from './http';
import { type InteractionBatch, interactionBatchSchema } from '../../lib/contract/requests';

/** What the consumer needs of a Kinesis record (the `kinesis` member of a Lambda event's record). */
export type RecordPayload = Pick<
  KinesisStreamRecordPayload,
  'data' | 'sequenceNumber' | 'partitionKey' | 'approximateArrivalTimestamp'
>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The interaction batch a record carries, or a ValidationError if the record is malformed. */
export function parseRecord(record: { readonly kinesis: RecordPayload }): InteractionBatch {
  const { data } = record.kinesis;
  if (!BASE64.test(data)) throw new ValidationError('data', 'must be base64');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch {
    throw new ValidationError('data', 'must be a JSON interaction batch');
  }
  return parseWith(interactionBatchSchema, json, 'data');
}

/**
 * How a record's batch expands: event ids derive from the sequence number, and a batch without `dateTo` ends
 * at the record's arrival time, so a retried (or replayed) record expands to exactly the same events.
 */
export function expandOptionsOf(record: { readonly kinesis: RecordPayload }): ExpandOptions {
  return {
    eventIdPrefix: record.kinesis.sequenceNumber,
    now: new Date(record.kinesis.approximateArrivalTimestamp * 1000),
  };
}

/** The events a Kinesis record stands for, or a ValidationError if the record is malformed. */
export function decodeRecord(record: { readonly kinesis: RecordPayload }): InteractionEvent[] {
  return expandInteractions(parseRecord(record), expandOptionsOf(record));
}

/** Orders records by sequence number (numeric strings of up to 128 bits, not comparable as text). */
export function bySequenceNumber(
  a: { readonly kinesis: RecordPayload },
  b: { readonly kinesis: RecordPayload },
): number {
  const x = BigInt(a.kinesis.sequenceNumber);
  const y = BigInt(b.kinesis.sequenceNumber);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An error's message, for a log line or a failed-record entry. */
export function messageOf(error: unknown): string {
  if (error instanceof ValidationError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
