/**
 * The failed-records bucket (env FAILED_RECORDS_BUCKET): what the consumer sets aside there, and how the
 * replay tool reads it back. Two kinds of object share the bucket:
 *
 * - the consumer's own, under `consumer/YYYY/MM/DD/<ISO timestamp>-<first sequence number>-<random>.json`:
 *   records that can never succeed as they are (malformed, rejected by Personalize, or for a tracking id that
 *   is not this stack's), each with its error;
 * - Lambda's on-failure invocation records, under `aws/lambda/<esm-uuid>/<shardId>/YYYY/MM/DD/...`: the
 *   batches the event source mapping gave up on (retries exhausted, or records too old).
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamRecord } from 'aws-lambda';
import { CONSUMER_FAILURES_PREFIX, FAILED_RECORDS_BUCKET_ENV } from '../../lib/contract/ownership';
import type { RecordPayload } from './records';

const CONSUMER_FAILURES_VERSION = '1.0';
const CONSUMER_FAILURES_SOURCE = 'putEvents-consumer';

/** One record the consumer set aside: the Kinesis record as the event carried it, and why. */
interface FailedRecord extends RecordPayload {
  readonly error: string;
  /** For a record Personalize rejected: how many of its events it had already accepted. */
  readonly eventsSent?: number;
}

/** The body of a consumer failure object. */
export interface ConsumerFailures {
  readonly version: typeof CONSUMER_FAILURES_VERSION;
  readonly source: typeof CONSUMER_FAILURES_SOURCE;
  /** When it was written (ISO 8601). */
  readonly timestamp: string;
  /** Why its records were set aside: their distinct errors. */
  readonly reason: string;
  readonly records: readonly FailedRecord[];
}

/** A record to set aside, as the consumer knows it. */
export interface SetAside {
  readonly record: KinesisStreamRecord;
  readonly error: string;
  readonly eventsSent?: number;
}

const MAX_REASON_LENGTH = 1000;

/** The object key: by day, then by time and first sequence number, unique by its random tail. */
function consumerFailuresKey(now: Date, firstSequenceNumber: string, random = randomUUID()): string {
  const iso = now.toISOString();
  const day = iso.slice(0, 10).replace(/-/g, '/');
  return `${CONSUMER_FAILURES_PREFIX}${day}/${iso}-${firstSequenceNumber}-${random}.json`;
}

export function consumerFailuresBody(setAside: readonly SetAside[], now: Date): ConsumerFailures {
  const reason = [...new Set(setAside.map((entry) => entry.error))].join('; ');
  return {
    version: CONSUMER_FAILURES_VERSION,
    source: CONSUMER_FAILURES_SOURCE,
    timestamp: now.toISOString(),
    reason: reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason,
    records: setAside.map(({ record, error, eventsSent }) => ({
      sequenceNumber: record.kinesis.sequenceNumber,
      partitionKey: record.kinesis.partitionKey,
      approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
      data: record.kinesis.data,
      error,
      ...(eventsSent === undefined ? {} : { eventsSent }),
    })),
  };
}

/** Writes the records set aside as one object; answers its key and body. Throws if the write fails. */
export async function putConsumerFailures(
  s3: S3Client,
  bucket: string | undefined,
  setAside: readonly SetAside[],
  now = new Date(),
): Promise<{ key: string; body: ConsumerFailures }> {
  if (!bucket)
    throw new Error(`${FAILED_RECORDS_BUCKET_ENV} is not set: the consumer has nowhere to keep records`);
  const first = setAside[0]?.record.kinesis.sequenceNumber ?? 'none';
  const key = consumerFailuresKey(now, first);
  const body = consumerFailuresBody(setAside, now);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(body),
      ContentType: 'application/json',
    }),
  );
  return { key, body };
}

/** Which of the two formats an object is. */
export type FailureFormat = 'lambda-on-failure' | 'consumer';

export interface ReadFailures {
  readonly format: FailureFormat;
  readonly records: readonly RecordPayload[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asPayload(value: unknown): RecordPayload | undefined {
  if (!isObject(value)) return undefined;
  const { data, sequenceNumber, partitionKey, approximateArrivalTimestamp } = value;
  if (typeof data !== 'string' || typeof sequenceNumber !== 'string') return undefined;
  return {
    data,
    sequenceNumber,
    partitionKey: typeof partitionKey === 'string' ? partitionKey : '',
    approximateArrivalTimestamp:
      typeof approximateArrivalTimestamp === 'number' ? approximateArrivalTimestamp : 0,
  };
}

/**
 * The Kinesis records an object of the bucket holds, in either format, or undefined if it is neither.
 * Lambda's invocation record carries the function's event as `payload` (an object, or its JSON text).
 */
export function readFailures(json: unknown): ReadFailures | undefined {
  if (!isObject(json)) return undefined;
  if (json.source === CONSUMER_FAILURES_SOURCE && Array.isArray(json.records)) {
    const records = json.records.map(asPayload);
    if (records.some((record) => record === undefined)) return undefined;
    return { format: 'consumer', records: records as RecordPayload[] };
  }
  if ('requestContext' in json && 'payload' in json) {
    let payload = json.payload;
    if (typeof payload === 'string') {
      try {
        payload = JSON.parse(payload) as unknown;
      } catch {
        return undefined;
      }
    }
    if (!isObject(payload) || !Array.isArray(payload.Records)) return undefined;
    const records = payload.Records.map((record: unknown) => asPayload(isObject(record) && record.kinesis));
    if (records.some((record) => record === undefined)) return undefined;
    return { format: 'lambda-on-failure', records: records as RecordPayload[] };
  }
  return undefined;
}
