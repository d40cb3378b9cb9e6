/**
 * Per-shard checkpoints (the last sequence number fully handled), kept in a JSON file so a restart
 * resumes after it: nothing re-sent, nothing skipped.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class CheckpointFile {
  private readonly sequenceNumbers: Record<string, string>;

  /** Without a path the checkpoints live in memory only (as does kinesalite without a state directory). */
  constructor(private readonly path?: string) {
    this.sequenceNumbers =
      path && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  }

  get(shardId: string): string | undefined {
    return this.sequenceNumbers[shardId];
  }

  set(shardId: string, sequenceNumber: string): void {
    this.sequenceNumbers[shardId] = sequenceNumber;
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    // Write-then-rename: a crash leaves the old checkpoint or the new one, never half a file.
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.sequenceNumbers, null, 2));
    renameSync(temporary, this.path);
  }
}
