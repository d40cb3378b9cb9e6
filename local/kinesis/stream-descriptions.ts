/**
 * kinesalite reads a stream's description (its shards, their sequence counters) from LevelDB on every
 * PutRecord, PutRecords and GetRecords, and writes it back on every put: a LevelDB read is an asynchronous
 * native call that hops to libuv's thread pool and back, a large part of a PutRecord's CPU. This keeps the
 * descriptions this process wrote or read in memory, as their JSON text, and answers reads from it. Writes
 * still go to LevelDB first, and the copy is updated only once LevelDB has taken them, so what is on disk and
 * what a restart reads are as before; a read that overlapped a write is passed on but not kept (it may hold the
 * description from before the write). Every read gets a copy of its own, as from LevelDB, because kinesalite
 * changes the description it read before writing it back.
 *
 * kinesalite builds its store in `kinesalite/db`'s `create()` when a server is made: this wraps that store's
 * `metaDb` (the descriptions) as each is created. The process runs one kinesalite, the only writer of its
 * database (LevelDB's lock keeps any other process out).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesaliteDb = require('kinesalite/db') as { create: (options: unknown) => KinesaliteStore };

type Callback = (error: Error | null | undefined, value?: unknown) => void;

/** The part of a levelup database kinesalite's `metaDb` is that this wraps. */
interface DescriptionsDb {
  get(key: string, options: unknown, callback?: Callback): unknown;
  put(key: string, value: unknown, options: unknown, callback?: Callback): unknown;
  del(key: string, options: unknown, callback?: Callback): unknown;
}

interface KinesaliteStore {
  readonly metaDb: DescriptionsDb;
}

let installed = false;

/** Makes every kinesalite server created from now on keep its streams' descriptions in memory. */
export function cacheStreamDescriptions(): void {
  if (installed) return;
  installed = true;
  const create = kinesaliteDb.create;
  kinesaliteDb.create = (options: unknown) => {
    const store = create(options);
    cacheDescriptions(store.metaDb);
    return store;
  };
}

export function cacheDescriptions(db: DescriptionsDb): void {
  const texts = new Map<string, string>();
  /** Writes begun on a key: a read that overlapped one must not store what it read. */
  const writes = new Map<string, number>();
  /** Writes on a key LevelDB has not yet answered. */
  const pending = new Map<string, number>();
  const begin = (key: string) => {
    writes.set(key, (writes.get(key) ?? 0) + 1);
    pending.set(key, (pending.get(key) ?? 0) + 1);
    texts.delete(key);
  };
  const end = (key: string) => {
    const left = (pending.get(key) ?? 1) - 1;
    if (left > 0) pending.set(key, left);
    else pending.delete(key);
  };
  const get = db.get.bind(db);
  const put = db.put.bind(db);
  const del = db.del.bind(db);
  // kinesalite passes a callback to each of these (levelup's promise forms are not used).
  db.get = (key, options, callback) => {
    const done = (typeof options === 'function' ? options : callback) as Callback;
    const text = texts.get(key);
    if (text !== undefined) {
      process.nextTick(done, null, JSON.parse(text));
      return undefined;
    }
    // A read that begins while a write is under way may see the value before it (LevelDB reads a snapshot) and
    // be answered after the write: stored, that older description (an older sequence counter) would give the
    // next PutRecord a sequence number already used, and its record would replace the earlier one in LevelDB.
    const cacheable = !pending.has(key);
    const writesBefore = writes.get(key) ?? 0;
    return get(key, typeof options === 'function' ? {} : options, (error, value) => {
      if (!error && cacheable && (writes.get(key) ?? 0) === writesBefore) {
        texts.set(key, JSON.stringify(value));
      }
      done(error, value);
    });
  };
  db.put = (key, value, options, callback) => {
    const done = (typeof options === 'function' ? options : callback) as Callback;
    const text = JSON.stringify(value);
    begin(key);
    const writesNow = writes.get(key);
    return put(key, value, typeof options === 'function' ? {} : options, (error) => {
      end(key);
      if (!error && writes.get(key) === writesNow) texts.set(key, text);
      done(error);
    });
  };
  db.del = (key, options, callback) => {
    const done = (typeof options === 'function' ? options : callback) as Callback;
    begin(key);
    return del(key, typeof options === 'function' ? {} : options, (error) => {
      end(key);
      done(error);
    });
  };
}
