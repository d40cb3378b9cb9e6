/**
 * The failed-records bucket of local mode, and what Lambda's event source mapping writes to it when an S3
 * bucket is its on-failure destination: one JSON object per discarded batch, the whole invocation record,
 * under `aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`. The consumer's own
 * failure records (malformed records, non-retryable errors) land in the same bucket under `consumer/`,
 * written by the handler itself through the S3 stand-in's API.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { LocalS3Store } from '../s3/s3-store';

export type OnFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** What Lambda writes to an S3 on-failure destination for a Kinesis batch (SQS gets it without `payload`). */
export interface OnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: OnFailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: '$LATEST';
    /** `Unhandled` when the function threw; absent when it returned batch item failures. */
    readonly functionError?: string;
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
  /** The failed batch's records, as the function received them. */
  readonly payload: { readonly Records: readonly KinesisStreamRecord[] };
}

/** Prefix of every object Lambda writes for the mapping. */
function onFailurePrefix(mappingUuid: string): string {
  return `aws/lambda/${mappingUuid}/`;
}

/** The key of an on-failure object, in UTC as Lambda names it. */
export function onFailureObjectKey(
  mappingUuid: string,
  shardId: string,
  at: Date,
  id = randomUUID(),
): string {
  const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const [date = '', time = ''] = iso.split('T');
  const day = date.replace(/-/g, '/');
  const stamp = `${date}T${time.slice(0, 8).replace(/:/g, '.')}`;
  return `${onFailurePrefix(mappingUuid)}${shardId}/${day}/${stamp}-${id}`;
}

/** The event source mapping's UUID, created once and kept in the state directory, as AWS keeps a mapping's. */
export function loadOrCreateMappingUuid(path: string): string {
  if (existsSync(path)) {
    const kept = (JSON.parse(readFileSync(path, 'utf8')) as { UUID?: unknown }).UUID;
    if (typeof kept === 'string' && kept !== '') return kept;
  }
  const uuid = randomUUID();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ UUID: uuid }, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return uuid;
}

export interface FailedObject {
  readonly key: string;
  /** The object's JSON, parsed (the raw text when it is not JSON). */
  readonly body: unknown;
}

/** The failed-records bucket in local S3. */
export class FailedRecordsBucket {
  constructor(
    readonly store: LocalS3Store,
    readonly name: string,
    /** Told of every object written (local mode records it as the mapping's s3:PutObject). */
    private readonly onPut?: (key: string, status: number) => void,
  ) {
    store.createBucket(name);
  }

  /** `s3://<bucket>`. */
  get uri(): string {
    return `s3://${this.name}`;
  }

  /** Writes an object; on disk (fsynced) when this returns. */
  put(key: string, body: unknown): void {
    try {
      this.store.putObject(this.name, key, Buffer.from(JSON.stringify(body)));
    } catch (error) {
      this.onPut?.(key, 500);
      throw error;
    }
    this.onPut?.(key, 200);
  }

  /** Every object under the prefix, oldest key first within S3's key order. */
  list(prefix = ''): FailedObject[] {
    const objects: FailedObject[] = [];
    let after: { value: string; isPrefix: boolean } | undefined;
    for (;;) {
      const page = this.store.listObjects(this.name, { prefix, ...(after ? { after } : {}) });
      for (const { key } of page.objects) objects.push({ key, body: this.read(key) });
      if (!page.isTruncated || !page.lastReturned) return objects;
      after = page.lastReturned;
    }
  }

  private read(key: string): unknown {
    const text = this.store.getObject(this.name, key).body.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
}
