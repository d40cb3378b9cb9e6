/**
 * Kinesis (kinesalite) on its LevelDB under the state directory, with the streams' descriptions kept in memory
 * (local/kinesis/stream-descriptions.ts): what the SDK reads back, and what a restart on the same directory
 * reads, are what was put, in order, with sequence numbers that keep growing across the restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream, startKinesis } from '../../local/kinesis/kinesis';

const STREAM = 'events';

async function readAll(client: KinesisClient): Promise<{ data: string; sequenceNumber: string }[]> {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: STREAM,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const { Records = [] } = await client.send(new GetRecordsCommand({ ShardIterator }));
  return Records.map((record) => ({
    data: Buffer.from(record.Data ?? new Uint8Array()).toString(),
    sequenceNumber: record.SequenceNumber ?? '',
  }));
}

async function put(client: KinesisClient, data: string): Promise<string> {
  const { SequenceNumber } = await client.send(
    new PutRecordCommand({ StreamName: STREAM, PartitionKey: data, Data: Buffer.from(data) }),
  );
  return SequenceNumber ?? '';
}

describe('Kinesis on LevelDB, with stream descriptions kept in memory', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kinesis-store-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back every record put, concurrently or in turn, in order, and again after a restart on the same directory', async () => {
    const first = await startKinesis({ port: 0, dataDir: dir });
    const client = createKinesisClient(first.endpoint, 'us-east-1');
    await ensureStream(client, STREAM);
    // Concurrent puts share one description: each must get its own sequence number.
    const concurrent = await Promise.all(Array.from({ length: 20 }, (_, index) => put(client, `a${index}`)));
    const batch = await client.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: [0, 1, 2].map((index) => ({ PartitionKey: 'k', Data: Buffer.from(`b${index}`) })),
      }),
    );
    const inTurn = [await put(client, 'c0'), await put(client, 'c1')];
    const before = await readAll(client);
    client.destroy();
    await first.close();

    expect(new Set(concurrent).size).toBe(20);
    expect(batch.FailedRecordCount).toBe(0);
    expect(before.map((record) => record.data).sort()).toEqual(
      [...Array.from({ length: 20 }, (_, index) => `a${index}`), 'b0', 'b1', 'b2', 'c0', 'c1'].sort(),
    );
    expect(before.slice(-2).map((record) => record.sequenceNumber)).toEqual(inTurn);

    const second = await startKinesis({ port: 0, dataDir: dir });
    const again = createKinesisClient(second.endpoint, 'us-east-1');
    try {
      await ensureStream(again, STREAM);
      const afterRestart = await put(again, 'd0');
      const after = await readAll(again);
      expect(after.map((record) => record.data)).toEqual([...before.map((record) => record.data), 'd0']);
      const sequence = after.map((record) => BigInt(record.sequenceNumber));
      expect(sequence.every((value, index) => index === 0 || value > (sequence[index - 1] ?? 0n))).toBe(true);
      expect(after[after.length - 1]?.sequenceNumber).toBe(afterRestart);
    } finally {
      again.destroy();
      await second.close();
    }
  });
});
