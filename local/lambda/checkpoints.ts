/**
 * Per-shard checkpoints (the last sequence number fully handled), kept in a JSON file so a restart
 * resumes after it: nothing re-sent, nothing skipped. The file also names the stream the checkpoints are of
 * (its ARN and creation time), so a stream deleted and created again under the same name (kinesalite's
 * directory deleted, or `DeleteStream` called) is told from the one the checkpoints point into: see
 * `checkStream`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { isServiceError } from '../../lambda/shared/service-errors';

interface CheckpointState {
  /** `<stream ARN>@<creation time>` of the stream the checkpoints are of; absent in files written before. */
  stream?: string;
  shards: Record<string, string>;
}

export class CheckpointFile {
  private state: CheckpointState;
  private restarts = 0;

  /** Without a path the checkpoints live in memory only (as does kinesalite without a state directory). */
  constructor(private readonly path?: string) {
    this.state = path && existsSync(path) ? parseState(readFileSync(path, 'utf8')) : { shards: {} };
  }

  get(shardId: string): string | undefined {
    return this.state.shards[shardId];
  }

  set(shardId: string, sequenceNumber: string): void {
    this.state.shards[shardId] = sequenceNumber;
    this.save();
  }

  /** The stream the checkpoints are of, as `checkStream` identifies it. */
  get stream(): string | undefined {
    return this.state.stream;
  }

  /** Shards with a checkpoint. */
  get shardIds(): string[] {
    return Object.keys(this.state.shards);
  }

  /** Counts the restarts: a reader that saw another count reads again from its shard's checkpoint. */
  get generation(): number {
    return this.restarts;
  }

  /** Records that the checkpoints are of `stream` (they were checked against it). */
  adopt(stream: string): void {
    this.state.stream = stream;
    this.save();
  }

  /** Forgets the checkpoints of `shardIds` (all when absent): those shards are read again from TRIM_HORIZON. */
  restart(stream: string, shardIds: readonly string[] = this.shardIds): void {
    for (const shardId of shardIds) delete this.state.shards[shardId];
    this.state.stream = stream;
    this.restarts += 1;
    this.save();
  }

  private save(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    // Write-then-rename: a crash leaves the old checkpoint or the new one, never half a file.
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2));
    renameSync(temporary, this.path);
  }
}

/** The file's content; a file of the first format (shard id -> sequence number) names no stream. */
function parseState(text: string): CheckpointState {
  const json = JSON.parse(text) as Record<string, unknown>;
  if (typeof json.shards === 'object' && json.shards !== null) {
    return {
      ...(typeof json.stream === 'string' ? { stream: json.stream } : {}),
      shards: json.shards as Record<string, string>,
    };
  }
  return { shards: json as Record<string, string> };
}

/**
 * Checks that the checkpoints point into the stream as it is now, before reading it and whenever reading
 * it fails. A stream created again under the same name (same ARN, a new creation time) holds none of the
 * records the checkpoints name: Kinesis refuses `AFTER_SEQUENCE_NUMBER` with a sequence number of the old
 * stream (InvalidArgumentException, "did not come from this stream": GetShardIterator,
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html), so resuming after the
 * checkpoint would fail forever. As the stack's event source mapping starts a new stream (its starting
 * position, TRIM_HORIZON), the checkpoints of the old stream are dropped, loudly, and the new stream is read
 * from its oldest record: nothing still in the stream is skipped. Records of the old stream that were not
 * delivered went with it; the log says so.
 *
 * A file that names no stream (written before this check) is checked shard by shard: a checkpoint that the
 * stream refuses, or a shard the stream no longer has, is dropped the same way. Returns true when
 * checkpoints were dropped. Throws when the stream cannot be described (e.g. it does not exist now).
 */
export async function checkStream(
  kinesis: KinesisClient,
  streamName: string,
  checkpoints: CheckpointFile,
  reader: string,
  log: (line: string) => void,
): Promise<boolean> {
  const { StreamDescriptionSummary: summary } = await kinesis.send(
    new DescribeStreamSummaryCommand({ StreamName: streamName }),
  );
  const created = summary?.StreamCreationTimestamp?.toISOString() ?? 'unknown';
  const stream = `${summary?.StreamARN ?? streamName}@${created}`;
  const held = checkpoints.shardIds;
  if (held.length === 0) {
    if (checkpoints.stream !== stream) checkpoints.adopt(stream);
    return false;
  }
  const foreign =
    checkpoints.stream === undefined || checkpoints.stream === stream
      ? await foreignCheckpoints(kinesis, streamName, checkpoints)
      : held;
  if (foreign.length === 0) {
    if (checkpoints.stream !== stream) checkpoints.adopt(stream);
    return false;
  }
  log(
    `${reader}: WARNING: the stream ${streamName} was created again (now created ${created}); the checkpoints of ` +
      `${foreign.join(', ')} point into a stream that no longer exists. Reading ${foreign.length === 1 ? 'that shard' : 'those shards'} ` +
      `from TRIM_HORIZON, the oldest record of the stream now, as the event source mapping starts a new stream. ` +
      `Records of the old stream not yet handled were deleted with it.`,
  );
  checkpoints.restart(stream, foreign);
  return true;
}

/** The errors of a stream deleted, or of a checkpoint into a stream created again under the same name. */
export function isStreamGone(error: unknown): boolean {
  return isServiceError(error, 'ResourceNotFoundException', 'InvalidArgumentException');
}

/** The shards whose checkpoint the stream refuses as a starting point, or that the stream no longer has. */
async function foreignCheckpoints(
  kinesis: KinesisClient,
  streamName: string,
  checkpoints: CheckpointFile,
): Promise<string[]> {
  const foreign: string[] = [];
  for (const shardId of checkpoints.shardIds) {
    try {
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: checkpoints.get(shardId),
        }),
      );
    } catch (error) {
      if (!isStreamGone(error)) throw error;
      foreign.push(shardId);
    }
  }
  return foreign;
}
