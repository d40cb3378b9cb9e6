/**
 * Reading one shard of a stream in order, resuming after a checkpoint. Used by the stream consumer
 * (the event source mapping) and by the archive (Firehose), each with its own checkpoint.
 */
import { setTimeout } from 'node:timers/promises';
import {
  _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { isServiceError } from '../../lambda/shared/service-errors';

export class ShardReader {
  private iterator: string | undefined;
  private lastRead: string | undefined;
  private ended = false;

  constructor(
    private readonly kinesis: KinesisClient,
    readonly streamName: string,
    readonly shardId: string,
    /** Read after this sequence number; from the oldest record (TRIM_HORIZON) when absent. */
    checkpoint: string | undefined,
  ) {
    this.lastRead = checkpoint;
  }

  /** True once a closed shard has been read to its end. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** The next records (possibly none), at most `limit`. */
  async read(limit: number): Promise<_Record[]> {
    if (this.ended) return [];
    this.iterator ??= await this.newIterator();
    let output;
    try {
      output = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
    } catch (error) {
      // Iterators expire after five minutes; resume from the last record already read.
      this.iterator = undefined;
      if (isServiceError(error, 'ExpiredIteratorException')) return [];
      // Any other failure (the stream deleted meanwhile...): the next read asks for an iterator again.
      throw error;
    }
    const records = output.Records ?? [];
    const last = records[records.length - 1];
    if (last?.SequenceNumber) this.lastRead = last.SequenceNumber;
    if (output.NextShardIterator) {
      // Until a record has been read, an empty read keeps its iterator: kinesalite numbers a shard's first record
      // with the sequence index its start has and moves an empty read's next iterator to the read's time, so a
      // read made while that record was being stored, a second after it took its number, would pass it for good.
      // (Later records have higher indexes than any record read, whatever their time.)
      if (records.length > 0 || this.lastRead !== undefined) this.iterator = output.NextShardIterator;
    } else {
      this.ended = true;
    }
    return records;
  }

  private async newIterator(): Promise<string> {
    const output = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: this.shardId,
        ...(this.lastRead
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: this.lastRead }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    if (!output.ShardIterator) throw new Error(`No shard iterator for ${this.streamName}/${this.shardId}`);
    return output.ShardIterator;
  }
}

export async function listShardIds(kinesis: KinesisClient, streamName: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const output = await kinesis.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    for (const shard of output.Shards ?? []) if (shard.ShardId) ids.push(shard.ShardId);
    nextToken = output.NextToken;
  } while (nextToken);
  return ids;
}

/** A sleep that `wake()` cuts short, so shutdown does not wait out a poll interval. */
export class Pause {
  private waking = new AbortController();

  /** Resolves after `ms`, or as soon as `wake()` is called. */
  async sleep(ms: number): Promise<void> {
    const { signal } = this.waking;
    try {
      await setTimeout(ms, undefined, { signal });
    } catch (error) {
      // Rejected with an AbortError when woken; anything else is a real failure.
      if (!signal.aborted) throw error;
    }
  }

  /** Ends the sleeps in progress; later ones sleep their full time again. */
  wake(): void {
    this.waking.abort();
    this.waking = new AbortController();
  }
}
