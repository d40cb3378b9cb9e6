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
import { type CheckpointFile, checkStream, isStreamGone } from '../lambda/checkpoints';
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
  /** Back-off after Kinesis fails. @default 1000 */
  readonly errorBackoffMs?: number;
  readonly log?: (line: string) => void;
}

/** The stack's `dataOutputPrefix` (`events/!{timestamp:yyyy/MM/dd}/`), in UTC as Firehose evaluates it. */
function archiveKeyPrefix(at: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `events/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/`;
}

/** Records a read asks for. */
const ARCHIVE_READ_LIMIT = 1000;

export class StreamArchive {
  private readonly pause = new Pause();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private written: string[] = [];

  constructor(private readonly options: StreamArchiveOptions) {}

  async start(): Promise<void> {
    await this.checkStream();
    for (const shardId of await listShardIds(this.options.kinesis, this.options.streamName)) {
      this.loops.push(this.archiveShard(shardId));
    }
  }

  /** Checks the checkpoints against the stream as it is now (checkpoints.ts: a stream created again). */
  private checkStream(): Promise<boolean> {
    const { kinesis, streamName, checkpoints } = this.options;
    return checkStream(kinesis, streamName, checkpoints, 'archive', (line) => this.log(line));
  }

  private readerFromCheckpoint(shardId: string): ShardReader {
    const { kinesis, streamName, checkpoints } = this.options;
    return new ShardReader(kinesis, streamName, shardId, checkpoints.get(shardId));
  }

  private log(line: string): void {
    (this.options.log ?? console.log)(line);
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

  private async archiveShard(shardId: string): Promise<void> {
    let reader = this.readerFromCheckpoint(shardId);
    let generation = this.options.checkpoints.generation;
    const intervalMs = (this.options.bufferingIntervalSeconds ?? 60) * 1000;
    const maxBytes = (this.options.bufferingSizeMiB ?? 5) * 1024 * 1024;
    let buffer: _Record[] = [];
    let bytes = 0;
    let bufferStartedAt = 0;
    const flush = (checkpoint = true) => {
      if (buffer.length === 0) return;
      this.writeObject(buffer);
      const last = buffer[buffer.length - 1];
      if (checkpoint && last?.SequenceNumber) this.options.checkpoints.set(shardId, last.SequenceNumber);
      buffer = [];
      bytes = 0;
    };
    while (!this.stopping) {
      if (this.options.checkpoints.generation !== generation) {
        // The stream was created again: archive what was read of the old one (it is nowhere else now),
        // without a checkpoint into it, and read the new one from its checkpoint.
        generation = this.options.checkpoints.generation;
        flush(false);
        reader = this.readerFromCheckpoint(shardId);
      }
      try {
        const records = await reader.read(ARCHIVE_READ_LIMIT);
        if (records.length > 0 && buffer.length === 0) bufferStartedAt = Date.now();
        for (const record of records) {
          buffer.push(record);
          bytes += (record.Data?.length ?? 0) + 1;
        }
        if (bytes >= maxBytes || (buffer.length > 0 && Date.now() - bufferStartedAt >= intervalMs)) flush();
        if (reader.isEnded) break;
        // At once again only after a full read (more may be waiting): a shard serves at most 5 reads a second
        // to all its readers (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html),
        // and reading back to back under load cost Kinesis a GetRecords call for every few records put.
        if (records.length < ARCHIVE_READ_LIMIT) await this.pause.sleep(this.options.pollIntervalMs ?? 200);
      } catch (error) {
        this.log(`archive: ${shardId}: ${String(error)}`);
        if (isStreamGone(error)) await this.recheckStream();
        await this.pause.sleep(this.options.errorBackoffMs ?? 1000);
      }
    }
    flush();
  }

  /** After the stream or a checkpoint was refused: drops checkpoints into a stream that no longer exists. */
  private async recheckStream(): Promise<void> {
    try {
      await this.checkStream();
    } catch (error) {
      this.log(
        `archive: the stream ${this.options.streamName} cannot be read (${String(error)}); ` +
          'polling until it exists again (local mode creates it when it starts)',
      );
    }
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
