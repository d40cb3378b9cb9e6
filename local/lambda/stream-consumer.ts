/**
 * Local mode's stand-in for Lambda's Kinesis event source mapping: polls each shard, invokes the putEvents
 * handler with real KinesisStreamEvent batches and applies the stack's settings (lib/contract/event-source-settings.ts):
 * batch size and window, partial batch responses, bisection on error, bounded retries and record age, and
 * the on-failure destination: an S3 bucket, written as Lambda writes it (local/lambda/failed-records.ts: the whole
 * invocation record, records included, under `aws/lambda/<mapping UUID>/...`). A record is checkpointed only
 * once the handler accepted it or it is on disk in the bucket, so nothing is lost and, across restarts,
 * nothing is re-sent.
 */
import { randomUUID } from 'node:crypto';
import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import {
  PUT_EVENTS_SOURCE_SETTINGS,
  type EventSourceSettings,
} from '../../lib/contract/event-source-settings';
import { type CheckpointFile, checkStream, isStreamGone } from './checkpoints';
import { onFailureObjectKey, type OnFailureCondition, type OnFailureRecord } from './failed-records';
import { createLambdaContext } from './lambda-context';
import { listShardIds, Pause, ShardReader } from './shard-reader';

export type KinesisHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse | void | undefined>;

/** The settings type lives with the values (lib/contract/event-source-settings.ts); local mode names it from here too. */
export type { EventSourceSettings };

export interface StreamConsumerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly region: string;
  readonly functionName: string;
  readonly handler: KinesisHandler;
  readonly checkpoints: CheckpointFile;
  /** The on-failure destination: writes one object, durably, or throws. */
  readonly onFailure: { put(key: string, record: OnFailureRecord): void };
  /** The mapping's UUID, part of every on-failure object's key. */
  readonly mappingUuid: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default the stack's PUT_EVENTS_SOURCE_SETTINGS */
  readonly settings?: Partial<EventSourceSettings>;
  /** @default 200 */
  readonly pollIntervalMs?: number;
  /** Delay before retry number `attempt` (1-based). @default 100 ms doubling, at most 2 s */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Back-off after Kinesis or the consumer's own files fail (not the handler). @default 1000 */
  readonly errorBackoffMs?: number;
  readonly log?: (line: string) => void;
}

export interface StreamConsumerStats {
  readonly invocations: number;
  /** Records the handler accepted. */
  readonly deliveredRecords: number;
  /** Records sent to the on-failure destination. */
  readonly discardedRecords: number;
  /** Records read from the stream but not yet accepted or discarded. */
  readonly pendingRecords: number;
}

/** How an invocation ended, as the on-failure record reports it. */
interface Invocation {
  readonly requestId: string;
  /** `Unhandled` when the handler threw. */
  readonly functionError?: string;
}

type Outcome = Invocation &
  (
    | { readonly kind: 'success' }
    | { readonly kind: 'partial'; readonly firstFailedIndex: number }
    | { readonly kind: 'error'; readonly message: string }
  );

export class StreamConsumer {
  private readonly settings: EventSourceSettings;
  private readonly pause = new Pause();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private started = false;
  private counts = { invocations: 0, deliveredRecords: 0, discardedRecords: 0, pendingRecords: 0 };

  constructor(private readonly options: StreamConsumerOptions) {
    this.settings = { ...PUT_EVENTS_SOURCE_SETTINGS, ...options.settings };
  }

  async start(): Promise<void> {
    // Two polling loops on one shard would each deliver every record: double sends.
    if (this.started) throw new Error('StreamConsumer.start() was already called');
    this.started = true;
    await this.checkStream();
    const shardIds = await listShardIds(this.options.kinesis, this.options.streamName);
    for (const shardId of shardIds) {
      this.loops.push(this.pollShard(shardId));
    }
  }

  get stats(): StreamConsumerStats {
    return { ...this.counts };
  }

  /** Stops polling; an invocation under way finishes first. Unacknowledged records are read again next start. */
  async close(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    await Promise.all(this.loops);
  }

  /** A reader positioned just after the shard's checkpoint. */
  private readerFromCheckpoint(shardId: string): ShardReader {
    return new ShardReader(
      this.options.kinesis,
      this.options.streamName,
      shardId,
      this.options.checkpoints.get(shardId),
    );
  }

  /** Checks the checkpoints against the stream as it is now (checkpoints.ts: a stream created again). */
  private checkStream(): Promise<boolean> {
    const { kinesis, streamName, checkpoints } = this.options;
    return checkStream(kinesis, streamName, checkpoints, 'stream consumer', (line) => this.log(line));
  }

  private async pollShard(shardId: string): Promise<void> {
    let reader = this.readerFromCheckpoint(shardId);
    let generation = this.options.checkpoints.generation;
    const { batchSize } = this.settings;
    const windowMs = this.settings.maxBatchingWindowSeconds * 1000;
    const pollIntervalMs = this.options.pollIntervalMs ?? 200;
    let buffer: _Record[] = [];
    let bufferStartedAt = 0;
    while (!this.stopping) {
      // Read again at once only after a read that got all it asked for (more may be waiting); otherwise the
      // next read waits for the poll interval, as Lambda polls a shard at a base rate (once a second on AWS,
      // https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html; a shard serves at most 5 reads a second,
      // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html) rather than back to back:
      // under load a read every few milliseconds returned a record or two each and cost Kinesis a GetRecords
      // call for every two or three records put.
      let readAll = false;
      if (this.options.checkpoints.generation !== generation) {
        // The stream was created again: what the buffer holds is of the old stream; read from the checkpoint.
        generation = this.options.checkpoints.generation;
        this.counts.pendingRecords -= buffer.length;
        buffer = [];
        reader = this.readerFromCheckpoint(shardId);
      }
      try {
        if (buffer.length < batchSize && !reader.isEnded) {
          const asked = batchSize - buffer.length;
          const records = await reader.read(asked);
          readAll = records.length === asked;
          if (records.length > 0) {
            // The window runs from the first record's arrival in the stream, not from when it was polled.
            if (buffer.length === 0)
              bufferStartedAt = records[0]?.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
            buffer = buffer.concat(records);
            this.counts.pendingRecords += records.length;
          }
        }
        // As Lambda: invoke when the batch is full or the batching window has passed since its first record.
        const waited = Date.now() - bufferStartedAt;
        if (buffer.length >= batchSize || (buffer.length > 0 && (waited >= windowMs || reader.isEnded))) {
          const batch = buffer.slice(0, batchSize);
          let delivered: boolean;
          try {
            delivered = await this.deliver(reader.shardId, batch, 0);
          } catch (error) {
            // The consumer's own bookkeeping failed (the on-failure destination or the checkpoint file): some
            // records of the batch may be neither acknowledged nor discarded. Dropping them from the buffer would
            // let later checkpoints skip them, so read the shard again from its checkpoint, which covers exactly
            // what was acknowledged or discarded.
            this.log(
              `stream consumer: ${reader.shardId}: delivery failed, reading again from the checkpoint: ${describeError(error)}`,
            );
            const checkpoint = this.options.checkpoints.get(shardId);
            this.counts.pendingRecords -= buffer.filter(
              (record) => checkpoint === undefined || BigInt(record.SequenceNumber ?? 0) > BigInt(checkpoint),
            ).length;
            buffer = [];
            reader = this.readerFromCheckpoint(shardId);
            await this.pause.sleep(this.options.errorBackoffMs ?? 1000);
            continue;
          }
          if (!delivered) return;
          buffer = buffer.slice(batch.length);
          bufferStartedAt = buffer[0]?.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
          continue;
        }
        if (reader.isEnded && buffer.length === 0) return;
        if (!readAll) {
          await this.pause.sleep(
            buffer.length > 0 ? Math.max(1, Math.min(pollIntervalMs, windowMs - waited)) : pollIntervalMs,
          );
        }
      } catch (error) {
        // Kinesis itself failing (not the handler): log, back off and poll again.
        this.log(`stream consumer: ${reader.shardId}: ${describeError(error)}`);
        if (isStreamGone(error)) await this.recheckStream();
        await this.pause.sleep(this.options.errorBackoffMs ?? 1000);
      }
    }
  }

  /** After the stream or a checkpoint was refused: drops checkpoints into a stream that no longer exists. */
  private async recheckStream(): Promise<void> {
    try {
      await this.checkStream();
    } catch (error) {
      this.log(
        `stream consumer: the stream ${this.options.streamName} cannot be read (${describeError(error)}); ` +
          'polling until it exists again (local mode creates it when it starts)',
      );
    }
  }

  /**
   * Delivers records in order until each is accepted or discarded to the on-failure destination. `attempts`
   * counts failed invocations of this exact run of records; halves of a bisected batch start again from zero,
   * as splitting a batch does not count toward Lambda's retry quota. Returns false when shutdown interrupted
   * the retries: the records left are then neither acknowledged nor checkpointed, and nothing after them
   * may be.
   */
  private async deliver(shardId: string, records: readonly _Record[], attempts: number): Promise<boolean> {
    let remaining = records;
    let failures = attempts;
    let lastError = '';
    let last: Invocation | undefined;
    while (remaining.length > 0) {
      remaining = this.discardExpired(shardId, remaining, { failures, lastError, last });
      if (remaining.length === 0) return true;
      if (this.stopping && failures > 0) return false; // retried after restart, from the checkpoint
      const outcome = await this.invoke(shardId, remaining);
      last = outcome;
      if (outcome.kind === 'success') {
        this.acknowledge(shardId, remaining);
        return true;
      }
      failures += 1;
      if (outcome.kind === 'partial') {
        // Checkpoint just before the first failed record and retry from it.
        this.acknowledge(shardId, remaining.slice(0, outcome.firstFailedIndex));
        remaining = remaining.slice(outcome.firstFailedIndex);
        lastError = `the handler reported ${remaining[0]?.SequenceNumber ?? 'a record'} as a batch item failure`;
      } else {
        lastError = outcome.message;
      }
      if (this.settings.bisectBatchOnError && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        this.log(`stream consumer: ${shardId}: bisecting ${remaining.length} records after: ${lastError}`);
        return (
          (await this.deliver(shardId, remaining.slice(0, half), 0)) &&
          this.deliver(shardId, remaining.slice(half), 0)
        );
      }
      if (failures > this.settings.retryAttempts) {
        this.discard(shardId, remaining, 'RetryAttemptsExhausted', { failures, lastError, last });
        return true;
      }
      const delay = this.options.retryDelayMs?.(failures) ?? Math.min(2000, 100 * 2 ** (failures - 1));
      this.log(
        `stream consumer: ${shardId}: retry ${failures}/${this.settings.retryAttempts} in ${delay} ms: ${lastError}`,
      );
      await this.pause.sleep(delay);
    }
    return true;
  }

  private async invoke(shardId: string, records: readonly _Record[]): Promise<Outcome> {
    this.counts.invocations += 1;
    const event: KinesisStreamEvent = {
      Records: records.map((record) => this.toEventRecord(shardId, record)),
    };
    const context = createLambdaContext({
      functionName: this.options.functionName,
      region: this.options.region,
      accountId: this.accountId,
    });
    const requestId = context.awsRequestId;
    let response: KinesisStreamBatchResponse | void | undefined;
    try {
      response = await this.options.handler(event, context);
    } catch (error) {
      return { requestId, functionError: 'Unhandled', kind: 'error', message: describeError(error) };
    }
    const failed = this.settings.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
    if (failed.length === 0) return { requestId, kind: 'success' };
    const indexes = failed.map((failure) =>
      records.findIndex((record) => record.SequenceNumber === failure.itemIdentifier),
    );
    // As Lambda: an identifier that is not in the batch makes the whole batch a failure.
    if (indexes.some((index) => index < 0)) {
      const message = 'the handler returned a batch item failure that is not in the batch';
      return { requestId, kind: 'error', message };
    }
    return { requestId, kind: 'partial', firstFailedIndex: Math.min(...indexes) };
  }

  private toEventRecord(shardId: string, record: _Record): KinesisStreamRecord {
    const sequenceNumber = record.SequenceNumber ?? '';
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey ?? '',
        sequenceNumber,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${this.accountId}:role/${this.options.functionName}`,
      awsRegion: this.options.region,
      eventSourceARN: this.streamArn,
    };
  }

  private get streamArn(): string {
    return this.options.streamArn;
  }

  private get accountId(): string {
    return this.options.accountId ?? '000000000000';
  }

  /** Discards the leading records older than maxRecordAgeSeconds to the destination; returns the rest. */
  private discardExpired(
    shardId: string,
    records: readonly _Record[],
    history: FailureHistory,
  ): readonly _Record[] {
    const oldestAllowed = Date.now() - this.settings.maxRecordAgeSeconds * 1000;
    const expired = records.filter(
      (record) => (record.ApproximateArrivalTimestamp?.getTime() ?? Infinity) < oldestAllowed,
    );
    if (expired.length === 0) return records;
    // Records are in arrival order, so the expired ones lead.
    const lastExpired = records.indexOf(expired[expired.length - 1] as _Record);
    this.discard(shardId, records.slice(0, lastExpired + 1), 'RecordAgeExceeded', history);
    return records.slice(lastExpired + 1);
  }

  /** Writes the records to the on-failure destination, as Lambda does, then checkpoints past them. */
  private discard(
    shardId: string,
    records: readonly _Record[],
    condition: OnFailureCondition,
    history: FailureHistory,
  ): void {
    if (records.length === 0) return;
    const now = new Date();
    const record = this.onFailureRecord(shardId, records, condition, history, now);
    this.options.onFailure.put(onFailureObjectKey(this.options.mappingUuid, shardId, now), record);
    this.counts.discardedRecords += records.length;
    this.log(
      `stream consumer: ${shardId}: ${records.length} record(s) sent to the on-failure destination (${condition})` +
        (history.lastError ? `: ${history.lastError}` : ''),
    );
    this.checkpoint(shardId, records);
  }

  /** The invocation record Lambda writes to an S3 on-failure destination. */
  private onFailureRecord(
    shardId: string,
    records: readonly _Record[],
    condition: OnFailureCondition,
    history: FailureHistory,
    now: Date,
  ): OnFailureRecord {
    const first = records[0] as _Record;
    const last = records[records.length - 1] as _Record;
    const arrival = (record: _Record) => (record.ApproximateArrivalTimestamp ?? now).toISOString();
    return {
      requestContext: {
        requestId: history.last?.requestId ?? randomUUID(),
        functionArn: `arn:aws:lambda:${this.options.region}:${this.accountId}:function:${this.options.functionName}`,
        condition,
        approximateInvokeCount: history.failures,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(history.last?.functionError ? { functionError: history.last.functionError } : {}),
      },
      version: '1.0',
      timestamp: now.toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber ?? '',
        endSequenceNumber: last.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: this.streamArn,
      },
      payload: { Records: records.map((record) => this.toEventRecord(shardId, record)) },
    };
  }

  private acknowledge(shardId: string, records: readonly _Record[]): void {
    this.counts.deliveredRecords += records.length;
    this.checkpoint(shardId, records);
  }

  private checkpoint(shardId: string, records: readonly _Record[]): void {
    const last = records[records.length - 1];
    if (!last?.SequenceNumber) return;
    this.counts.pendingRecords -= records.length;
    this.options.checkpoints.set(shardId, last.SequenceNumber);
  }

  private log(line: string): void {
    (this.options.log ?? console.log)(line);
  }
}

/** What the on-failure record says about the attempts so far. */
interface FailureHistory {
  /** Failed invocations of these records. */
  readonly failures: number;
  /** For the log only: Lambda's record does not carry the error. */
  readonly lastError: string;
  readonly last: Invocation | undefined;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
