import { appendFileSync, existsSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Interaction, Item, RecentPopularity, UserFields } from '../model/types';
import type { LiveRecord, LiveRecordInput } from '../store';
import { GroupLiveData, NO_RECENT_POPULARITY } from './group-live-data';
import { dropTornLastLine, linesOf } from './live-log';
import { readSnapshot, writeSnapshot } from './snapshot';

const NO_EVENTS = {
  count: 0,
  at: (): Interaction => {
    throw new RangeError('no events');
  },
};

export const LIVE_LOG = 'live-data.jsonl';
export const LIVE_SNAPSHOT = 'live-data.snapshot';

/** The log is compacted into the snapshot once it is larger than this and than the snapshot. */
const DEFAULT_COMPACT_LOG_BYTES = 64 << 20;

export interface LiveStoreOptions {
  /** Compact the log once it passes this size (and the snapshot's): 64 MiB by default. */
  readonly compactLogBytes?: number;
}

/**
 * What PutEvents, PutItems and PutUsers accepted: in memory by dataset group, on disk as a snapshot (every
 * record up to a log position, compact) plus a JSON-lines log of the records since, appended before each
 * call is answered. Compaction writes a new snapshot atomically, then empties the log: a crash between the
 * two leaves records in the log that the snapshot already holds, and restore skips them by position, so
 * nothing accepted is lost or counted twice.
 */
export class LiveStore {
  private readonly groups = new Map<string, GroupLiveData>();
  private seq = 0;
  private logBytes = 0;
  private snapshotBytes = 0;
  private readonly compactLogBytes: number;

  constructor(
    private readonly stateDir: string | undefined,
    options: LiveStoreOptions = {},
  ) {
    this.compactLogBytes = options.compactLogBytes ?? DEFAULT_COMPACT_LOG_BYTES;
  }

  get liveSeq(): number {
    return this.seq;
  }

  /** Loads the snapshot and the log after it, keeping the groups `exists` accepts. */
  restore(exists: (datasetGroupArn: string) => boolean): void {
    if (!this.stateDir) return;
    const snapshotFile = join(this.stateDir, LIVE_SNAPSHOT);
    const snapshot = readSnapshot(snapshotFile, exists);
    const snapshotSeq = snapshot?.seq ?? 0;
    if (snapshot) {
      this.seq = snapshot.seq;
      for (const [arn, group] of snapshot.groups) this.groups.set(arn, group);
      this.snapshotBytes = statSync(snapshotFile).size;
    }
    const log = join(this.stateDir, LIVE_LOG);
    if (!existsSync(log)) return;
    dropTornLastLine(log);
    for (const line of linesOf(log)) {
      if (line.trim() === '') continue;
      const record = JSON.parse(line) as LiveRecord;
      // Records the snapshot holds (a crash came between writing it and emptying the log) are skipped.
      if (record.seq <= snapshotSeq) continue;
      this.seq = Math.max(this.seq, record.seq);
      if (exists(record.datasetGroupArn)) this.index(record);
    }
    this.logBytes = statSync(log).size;
    this.compactIfDue();
  }

  isDuplicateEvent(datasetGroupArn: string, eventId: string): boolean {
    return this.groups.get(datasetGroupArn)?.hasEventId(eventId) ?? false;
  }

  /** Appends accepted records to the log (one write, before the caller is answered) and indexes them. */
  append(inputs: readonly LiveRecordInput[]): void {
    if (inputs.length === 0) return;
    const records = inputs.map((input): LiveRecord => ({ ...input, seq: this.nextSeq() }));
    if (this.stateDir) {
      const lines = records.map((r) => JSON.stringify(r) + '\n').join('');
      appendFileSync(join(this.stateDir, LIVE_LOG), lines);
      this.logBytes += Buffer.byteLength(lines);
    }
    for (const record of records) this.index(record);
    this.compactIfDue();
  }

  group(datasetGroupArn: string): GroupLiveData | undefined {
    return this.groups.get(datasetGroupArn);
  }

  eventsAfter(datasetGroupArn: string, seq: number, upTo = Infinity): Interaction[] {
    return this.groups.get(datasetGroupArn)?.eventsAfter(seq, upTo) ?? [];
  }

  eventReader(
    datasetGroupArn: string,
    seq: number,
    upTo = Infinity,
  ): { count: number; at(k: number): Interaction } {
    return this.groups.get(datasetGroupArn)?.eventReader(seq, upTo) ?? NO_EVENTS;
  }

  userEventsAfter(datasetGroupArn: string, userId: string, seq: number, limit = Infinity): Interaction[] {
    return this.groups.get(datasetGroupArn)?.userEventsAfter(userId, seq, limit) ?? [];
  }

  userItemsAfter(datasetGroupArn: string, userId: string, seq: number, limit: number): Interaction[] {
    return this.groups.get(datasetGroupArn)?.userItemsAfter(userId, seq, limit) ?? [];
  }

  itemsAfter(datasetGroupArn: string, seq: number, upTo = Infinity): Item[] {
    return this.groups.get(datasetGroupArn)?.itemsAfter(seq, upTo) ?? [];
  }

  /** The users PutUsers put up to a log position, each with its latest metadata. */
  usersUpTo(datasetGroupArn: string, upTo: number): Map<string, UserFields> {
    return this.groups.get(datasetGroupArn)?.usersUpTo(upTo) ?? new Map<string, UserFields>();
  }

  hasEventsAfter(datasetGroupArn: string, seq: number): boolean {
    return (this.groups.get(datasetGroupArn)?.lastEventSeq ?? 0) > seq;
  }

  recentPopularityAfter(datasetGroupArn: string, seq: number): RecentPopularity {
    return this.groups.get(datasetGroupArn)?.popularityAfter(seq) ?? NO_RECENT_POPULARITY;
  }

  /** Writes every record so far into a new snapshot, then empties the log. */
  compact(): void {
    if (!this.stateDir) return;
    const snapshotFile = join(this.stateDir, LIVE_SNAPSHOT);
    writeSnapshot(snapshotFile, this.seq, this.groups);
    this.snapshotBytes = statSync(snapshotFile).size;
    const log = join(this.stateDir, LIVE_LOG);
    if (existsSync(log)) truncateSync(log, 0);
    this.logBytes = 0;
  }

  private compactIfDue(): void {
    if (this.logBytes > Math.max(this.compactLogBytes, this.snapshotBytes)) this.compact();
  }

  private nextSeq(): number {
    // Positions are stored as 32-bit unsigned integers.
    if (this.seq >= 0xffffffff) throw new Error('The live-data log is full (2^32 - 1 records)');
    return ++this.seq;
  }

  private index(record: LiveRecord): void {
    if (record.kind === 'purge') {
      this.groups.delete(record.datasetGroupArn);
      return;
    }
    let group = this.groups.get(record.datasetGroupArn);
    if (!group) {
      group = new GroupLiveData();
      this.groups.set(record.datasetGroupArn, group);
    }
    if (record.kind === 'event') group.appendEvent(record.seq, record);
    else if (record.kind === 'item') group.appendItem(record.seq, record.item);
    else group.appendUser(record.seq, record.userId, record.fields);
  }
}
