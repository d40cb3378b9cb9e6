/**
 * Local mode's stand-in for the Firehose delivery stream: reads the stream on its own checkpoint and writes
 * the records to the archive bucket in local S3 (a directory), buffered by time and size, with the stack's
 * key layout (`events/YYYY/MM/DD/<delivery stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>`, GZIP like the stack).
 * Firehose concatenates records as they are; locally each record ends with a newline, so an archive file
 * reads as JSON lines (`zcat file.gz | jq`).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';
import { CheckpointFile } from '../lambda/checkpoints';
import { listShardIds, Pause, ShardReader } from '../lambda/shard-reader';

export interface StreamArchiveOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly deliveryStreamName: string;
  /** The archive bucket's directory in local S3. */
  readonly bucketDir: string;
  readonly checkpoints: CheckpointFile;
  /** @default 60 (the stack's buffering interval) */
  readonly bufferingIntervalSeconds?: number;
  /** @default 5 (Firehose's default buffering size) */
  readonly bufferingSizeMiB?: number;
  /** @default 'GZIP' (as the stack) */
  readonly compression?: 'GZIP' | 'UNCOMPRESSED';
  /** @default 200 */
  readonly pollIntervalMs?: number;
  readonly log?: (line: string) => void;
}

/** The stack's `dataOutputPrefix` (`events/!{timestamp:yyyy/MM/dd}/`), in UTC as Firehose evaluates it. */
export function archiveKeyPrefix(at: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `events/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/`;
}

export class StreamArchive {
  private readonly pause = new Pause();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private written: string[] = [];

  constructor(private readonly options: StreamArchiveOptions) {}

  async start(): Promise<void> {
    for (const shardId of await listShardIds(this.options.kinesis, this.options.streamName)) {
      const reader = new ShardReader(
        this.options.kinesis,
        this.options.streamName,
        shardId,
        this.options.checkpoints.get(shardId),
      );
      this.loops.push(this.archiveShard(reader));
    }
  }

  /** Paths of the archive files written since start. */
  get files(): readonly string[] {
    return this.written;
  }

  /** Stops reading and flushes what is buffered, as Firehose delivers its buffer. */
  async close(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    await Promise.all(this.loops);
  }

  private async archiveShard(reader: ShardReader): Promise<void> {
    const intervalMs = (this.options.bufferingIntervalSeconds ?? 60) * 1000;
    const maxBytes = (this.options.bufferingSizeMiB ?? 5) * 1024 * 1024;
    let buffer: _Record[] = [];
    let bytes = 0;
    let bufferStartedAt = 0;
    const flush = () => {
      if (buffer.length === 0) return;
      this.writeObject(buffer);
      const last = buffer[buffer.length - 1];
      if (last?.SequenceNumber) this.options.checkpoints.set(reader.shardId, last.SequenceNumber);
      buffer = [];
      bytes = 0;
    };
    while (!this.stopping) {
      try {
        const records = await reader.read(1000);
        if (records.length > 0 && buffer.length === 0) bufferStartedAt = Date.now();
        for (const record of records) {
          buffer.push(record);
          bytes += (record.Data?.length ?? 0) + 1;
        }
        if (bytes >= maxBytes || (buffer.length > 0 && Date.now() - bufferStartedAt >= intervalMs)) flush();
        if (reader.isEnded) break;
        if (records.length === 0) await this.pause.sleep(this.options.pollIntervalMs ?? 200);
      } catch (error) {
        (this.options.log ?? console.log)(`archive: ${reader.shardId}: ${String(error)}`);
        await this.pause.sleep(1000);
      }
    }
    flush();
  }

  private writeObject(records: readonly _Record[]): void {
    const now = new Date();
    const stamp = now.toISOString().slice(0, 19).replace(/[T:]/g, '-');
    const gzip = (this.options.compression ?? 'GZIP') === 'GZIP';
    const name = `${this.options.deliveryStreamName}-1-${stamp}-${randomUUID()}${gzip ? '.gz' : ''}`;
    const directory = join(this.options.bucketDir, archiveKeyPrefix(now));
    mkdirSync(directory, { recursive: true });
    const content = Buffer.concat(
      records.flatMap((record) => [Buffer.from(record.Data ?? []), Buffer.from('\n')]),
    );
    const path = join(directory, name);
    // Write-then-rename: a reader never sees half an object, as with S3.
    writeFileSync(`${path}.tmp`, gzip ? gzipSync(content) : content);
    renameSync(`${path}.tmp`, path);
    this.written.push(path);
  }
}
