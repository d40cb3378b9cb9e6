import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { writeAll, writeFileAtomically } from '../../shared/files';
import type { Item, UserFields } from '../model/types';
import { FingerprintSet } from './fingerprints';
import { GroupLiveData } from './group-live-data';

// The live data of every dataset group in one binary file: a JSON header (the log position it covers and
// each group's sizes), then each group's strings, event columns, items, users and event-id fingerprints, the
// columns as the raw bytes of their typed arrays (little-endian, as on every platform Node.js runs on).

const MAGIC = Buffer.from('NRTLIVE1');
const FLUSH_BYTES = 4 << 20;

interface GroupHeader {
  readonly arn: string;
  readonly strings: number;
  readonly stringBytes: number;
  readonly events: number;
  readonly items: number;
  readonly itemBytes: number;
  readonly users: number;
  readonly eventIds: number;
  /** The bytes of the users' metadata (JSON texts, one per user record, after the event ids); absent before it was kept. */
  readonly userFieldBytes?: number;
}

interface SnapshotHeader {
  /** Every log record up to this position is in the snapshot. */
  readonly seq: number;
  readonly groups: GroupHeader[];
}

export interface LiveSnapshot {
  readonly seq: number;
  readonly groups: Map<string, GroupLiveData>;
}

/** Writes the snapshot through `${file}.tmp`, atomically and durably: old or new, whole. */
export function writeSnapshot(file: string, seq: number, groups: ReadonlyMap<string, GroupLiveData>): void {
  writeFileAtomically(file, (fd) => writeSnapshotTo(new FileWriter(fd), seq, groups), {
    temporary: `${file}.tmp`,
  });
}

function writeSnapshotTo(out: FileWriter, seq: number, groups: ReadonlyMap<string, GroupLiveData>): void {
  const encoded = [...groups].map(([arn, group]) => ({ arn, group, ...encodeTexts(group) }));
  const header: SnapshotHeader = {
    seq,
    groups: encoded.map(({ arn, group, strings, items, userFields }) => ({
      arn,
      strings: strings.lengths.length,
      stringBytes: strings.bytes,
      events: group.eventCount,
      items: items.lengths.length,
      itemBytes: items.bytes,
      users: group.users.length,
      eventIds: group.eventIds.size,
      userFieldBytes: userFields.bytes,
    })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  out.write(MAGIC);
  out.write(new Uint32Array([headerBytes.length]));
  out.write(headerBytes);
  for (const { group, strings, items, userFields } of encoded) {
    writeGroup(out, group, strings, items);
    writeTexts(out, userFields);
  }
  out.flush();
}

/** Reads a snapshot, keeping only the groups `keep` accepts; undefined when there is none. */
export function readSnapshot(file: string, keep: (arn: string) => boolean): LiveSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const input = new FileReader(fd);
    const magic = input.bytes(MAGIC.length);
    if (!magic.equals(MAGIC)) throw new Error(`${file} is not a live-data snapshot`);
    const headerLength = input.uint32(1)[0] as number;
    const header = JSON.parse(input.bytes(headerLength).toString('utf8')) as SnapshotHeader;
    const groups = new Map<string, GroupLiveData>();
    for (const g of header.groups) {
      const group = readGroup(input, g);
      if (keep(g.arn)) groups.set(g.arn, group);
    }
    return { seq: header.seq, groups };
  } finally {
    closeSync(fd);
  }
}

interface EncodedTexts {
  readonly lengths: Uint32Array;
  readonly bytes: number;
  readonly values: readonly string[];
}

function encodeTexts(group: GroupLiveData): {
  strings: EncodedTexts;
  items: EncodedTexts;
  userFields: EncodedTexts;
} {
  return {
    strings: measure(group.strings.all()),
    items: measure(group.items.map((item) => JSON.stringify(item))),
    userFields: measure(group.userFields.map((fields) => (fields ? JSON.stringify(fields) : ''))),
  };
}

function measure(values: readonly string[]): EncodedTexts {
  const lengths = new Uint32Array(values.length);
  let bytes = 0;
  values.forEach((value, i) => {
    lengths[i] = Buffer.byteLength(value);
    bytes += lengths[i];
  });
  return { lengths, bytes, values };
}

function writeGroup(out: FileWriter, group: GroupLiveData, strings: EncodedTexts, items: EncodedTexts): void {
  writeTexts(out, strings);
  const e = group.events;
  for (const column of [e.seq, e.user, e.item, e.eventType, e.session, e.tracker, e.timestamp])
    out.write(column.view());
  out.write(group.itemSeqs.view());
  writeTexts(out, items);
  out.write(group.userSeqs.view());
  out.write(group.users.view());
  out.write(group.eventIds.entries());
}

function writeTexts(out: FileWriter, texts: EncodedTexts): void {
  out.write(texts.lengths);
  for (const value of texts.values) out.writeString(value);
}

function readGroup(input: FileReader, g: GroupHeader): GroupLiveData {
  const group = new GroupLiveData();
  for (const value of readTexts(input, g.strings, g.stringBytes)) group.strings.intern(value);
  const e = group.events;
  for (const column of [e.seq, e.user, e.item, e.eventType, e.session, e.tracker])
    column.adopt(input.uint32(g.events));
  e.timestamp.adopt(input.float64(g.events));
  group.linkAllUsers();
  group.itemSeqs.adopt(input.uint32(g.items));
  for (const json of readTexts(input, g.items, g.itemBytes)) group.items.push(JSON.parse(json) as Item);
  group.userSeqs.adopt(input.uint32(g.users));
  group.users.adopt(input.uint32(g.users));
  group.eventIds = FingerprintSet.fromEntries(input.uint32(2 * g.eventIds));
  if (g.userFieldBytes === undefined) {
    for (let i = 0; i < g.users; i++) group.userFields.push(undefined);
  } else {
    for (const json of readTexts(input, g.users, g.userFieldBytes))
      group.userFields.push(json === '' ? undefined : (JSON.parse(json) as UserFields));
  }
  return group;
}

function readTexts(input: FileReader, count: number, bytes: number): string[] {
  const lengths = input.uint32(count);
  const buffer = input.bytes(bytes);
  const values: string[] = new Array<string>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = at + (lengths[i] as number);
    values[i] = buffer.toString('utf8', at, end);
    at = end;
  }
  return values;
}

/** Sequential writes through a 4 MiB buffer. */
class FileWriter {
  private readonly buffer = Buffer.allocUnsafe(FLUSH_BYTES);
  private used = 0;

  constructor(readonly fd: number) {}

  write(data: ArrayBufferView): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (this.used + bytes.length > FLUSH_BYTES) this.flush();
    if (bytes.length >= FLUSH_BYTES) writeAll(this.fd, bytes);
    else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    }
  }

  writeString(value: string): void {
    if (this.used + value.length * 3 > FLUSH_BYTES) this.flush();
    if (value.length * 3 >= FLUSH_BYTES) writeAll(this.fd, Buffer.from(value));
    else this.used += this.buffer.write(value, this.used);
  }

  flush(): void {
    writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** Sequential reads straight into typed arrays. */
class FileReader {
  private position = 0;

  constructor(private readonly fd: number) {}

  bytes(length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    this.fill(buffer);
    return buffer;
  }

  uint32(count: number): Uint32Array {
    const values = new Uint32Array(count);
    this.fill(new Uint8Array(values.buffer));
    return values;
  }

  float64(count: number): Float64Array {
    const values = new Float64Array(count);
    this.fill(new Uint8Array(values.buffer));
    return values;
  }

  private fill(target: Uint8Array): void {
    for (let at = 0; at < target.length;) {
      const read = readSync(this.fd, target, at, target.length - at, this.position);
      if (read === 0) throw new Error('The live-data snapshot ends early');
      at += read;
      this.position += read;
    }
  }
}
