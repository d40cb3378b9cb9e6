/**
 * The stream descriptions kept in memory (local/kinesis/stream-descriptions.ts), over a database whose answers
 * the test releases one by one: LevelDB answers reads and writes from its thread pool, in whatever order they
 * finish, and a read can see the value from before a write that it overlapped.
 */
import { cacheDescriptions } from '../../local/kinesis/stream-descriptions';

type Callback = (error: Error | null | undefined, value?: unknown) => void;

/** A database that holds each operation until the test answers it. */
function heldDatabase() {
  const stored = new Map<string, unknown>();
  const held: Array<{ kind: string; answer: () => void }> = [];
  let reads = 0;
  const db = {
    get(key: string, _options: unknown, callback?: Callback) {
      reads += 1;
      // The value when the read began, as a LevelDB read of a snapshot.
      const seen = stored.get(key);
      held.push({ kind: 'get', answer: () => callback?.(null, seen) });
    },
    put(key: string, value: unknown, _options: unknown, callback?: Callback) {
      held.push({
        kind: 'put',
        answer: () => {
          stored.set(key, value);
          callback?.(null);
        },
      });
    },
    del(key: string, _options: unknown, callback?: Callback) {
      held.push({
        kind: 'del',
        answer: () => {
          stored.delete(key);
          callback?.(null);
        },
      });
    },
  };
  const answer = (kind: string) => {
    const index = held.findIndex((operation) => operation.kind === kind);
    if (index < 0) throw new Error(`no ${kind} held`);
    const [operation] = held.splice(index, 1);
    operation?.answer();
  };
  return { db, stored, answer, reads: () => reads, held: () => held.length };
}

const read = (db: { get: (key: string, options: unknown, callback?: Callback) => unknown }, key: string) =>
  new Promise<unknown>((resolve, reject) =>
    db.get(key, {}, (error, value) => (error ? reject(error) : resolve(value))),
  );
const write = (
  db: { put: (k: string, v: unknown, o: unknown, c?: Callback) => unknown },
  key: string,
  value: unknown,
) =>
  new Promise<void>((resolve, reject) =>
    db.put(key, value, {}, (error) => (error ? reject(error) : resolve())),
  );

describe('stream descriptions kept in memory', () => {
  it('keeps no description read while a write was under way, even when the read is answered last', async () => {
    const { db, answer, reads } = heldDatabase();
    cacheDescriptions(db);
    const first = write(db, 'events', { _seqIx: [1] });
    answer('put');
    await first;

    // A PutRecord writes the next counter; a GetRecords reads the description meanwhile and sees the old one.
    const second = write(db, 'events', { _seqIx: [2] });
    const overlapping = read(db, 'events');
    answer('put');
    await second;
    answer('get');
    expect(await overlapping).toEqual({ _seqIx: [1] });

    // The next PutRecord must read the counter written last (kept from the write), not the one the late read saw.
    const readsBefore = reads();
    expect(await read(db, 'events')).toEqual({ _seqIx: [2] });
    expect(reads()).toBe(readsBefore);
  });

  it('answers from memory once a read began and ended with no write under way', async () => {
    const { db, answer, reads } = heldDatabase();
    cacheDescriptions(db);
    const first = write(db, 'events', { _seqIx: [3] });
    answer('put');
    await first;
    const readsBefore = reads();
    // The write's own value is kept: no read reaches the database.
    expect(await read(db, 'events')).toEqual({ _seqIx: [3] });
    expect(reads()).toBe(readsBefore);
  });

  it('keeps no description read while a delete was under way', async () => {
    const { db, answer } = heldDatabase();
    cacheDescriptions(db);
    const first = write(db, 'events', { _seqIx: [1] });
    answer('put');
    await first;
    const deleted = new Promise<void>((resolve) => db.del('events', {}, () => resolve()));
    const overlapping = read(db, 'events');
    answer('del');
    await deleted;
    answer('get');
    expect(await overlapping).toEqual({ _seqIx: [1] });

    const next = read(db, 'events');
    answer('get');
    expect(await next).toBeUndefined();
  });
});
