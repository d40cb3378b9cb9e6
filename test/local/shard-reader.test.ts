/**
 * Reading a shard of kinesalite from its start. kinesalite numbers a shard's first record with the sequence
 * index its TRIM_HORIZON iterator starts at, and an empty GetRecords moves the next iterator's time to the read's:
 * a read made while that first PutRecord was still being stored, a second or more after the PutRecord took its
 * time, would move past it. The test holds the record's write and sets kinesalite's clock (Date only) to
 * make that order.
 */
import { expect } from '@jest/globals';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream, startKinesis } from '../../local/kinesis/kinesis';
import { ShardReader } from '../../local/lambda/shard-reader';

type Callback = (error?: Error | null) => void;
interface StreamDb {
  put(key: string, value: unknown, options: unknown, callback?: Callback): unknown;
}
interface Store {
  getStreamDb(name: string): StreamDb;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesaliteDb = require('kinesalite/db') as { create: (options: unknown) => Store };

/** Records' writes held until released, while `holding` is set. */
const writes = {
  holding: false,
  held: [] as Array<() => void>,
  onHeld: undefined as (() => void) | undefined,
};

function holdRecordWrites(): void {
  const create = kinesaliteDb.create;
  kinesaliteDb.create = (options: unknown) => {
    const store = create(options);
    const getStreamDb = store.getStreamDb.bind(store);
    const wrapped = new WeakSet<StreamDb>();
    store.getStreamDb = (name: string) => {
      const db = getStreamDb(name);
      if (wrapped.has(db)) return db;
      wrapped.add(db);
      const put = db.put.bind(db);
      db.put = (key, value, options, callback) => {
        if (!writes.holding) return put(key, value, options, callback);
        writes.held.push(() => put(key, value, options, callback));
        writes.onHeld?.();
        return undefined;
      };
      return db;
    };
    return store;
  };
}

describe('reading a shard from its start', () => {
  beforeAll(() => holdRecordWrites());
  afterEach(() => jest.useRealTimers());

  it('reads the first record of the shard even when an empty read came while it was being stored, seconds later', async () => {
    // Only Date is faked: kinesalite's clock. Timers, I/O and the SDK run as usual.
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
      now: new Date('2026-01-01T00:00:00.200Z'),
    });
    const kinesis = await startKinesis({ port: 0 });
    const client = createKinesisClient(kinesis.endpoint, 'us-east-1');
    try {
      await ensureStream(client, 'first-record');
      const reader = new ShardReader(client, 'first-record', 'shardId-000000000000', undefined);
      expect(await reader.read(10)).toEqual([]);

      jest.setSystemTime(new Date('2026-01-01T00:00:05.900Z'));
      writes.holding = true;
      const stored = new Promise<void>((resolve) => (writes.onHeld = resolve));
      const put = client.send(
        new PutRecordCommand({ StreamName: 'first-record', PartitionKey: 'p', Data: Buffer.from('first') }),
      );
      await stored;
      // The record has its sequence number (its time 00:00:05) but is not in the shard yet.
      jest.setSystemTime(new Date('2026-01-01T00:00:07.000Z'));
      expect(await reader.read(10)).toEqual([]);
      writes.holding = false;
      for (const release of writes.held.splice(0)) release();
      await put;

      const records = await reader.read(10);
      expect(records.map((record) => Buffer.from(record.Data ?? new Uint8Array()).toString())).toEqual([
        'first',
      ]);
    } finally {
      writes.holding = false;
      client.destroy();
      await kinesis.close();
    }
  });
});
