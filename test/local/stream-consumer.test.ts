import { expect } from '@jest/globals';
import {
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { StreamArchive } from '../../local/firehose/archive';
import { CheckpointFile } from '../../local/lambda/checkpoints';
import {
  FailedRecordsBucket,
  type FailedObject,
  type OnFailureRecord,
} from '../../local/lambda/failed-records';
import { LocalS3Store } from '../../local/s3/s3-store';
import {
  createKinesisClient,
  ensureStream,
  startKinesis,
  type LocalKinesis,
} from '../../local/kinesis/kinesis';
import { Pause } from '../../local/lambda/shard-reader';
import {
  StreamConsumer,
  type KinesisHandler,
  type StreamConsumerOptions,
} from '../../local/lambda/stream-consumer';
import { temporaryDirectory, waitFor } from './helpers';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/';
const MAPPING_UUID = '6a1f4b2c-0d3e-4f5a-8b9c-1d2e3f4a5b6c';
/** Lambda's key for an S3 on-failure destination. */
const ON_FAILURE_KEY = new RegExp(
  `^aws/lambda/${MAPPING_UUID}/shardId-000000000000/\\d{4}/\\d{2}/\\d{2}/` +
    `\\d{4}-\\d{2}-\\d{2}T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}$`,
);

/** A handler from a synchronous function, settled as an async Lambda handler is (a throw rejects). */
function handled(
  fn: (event: KinesisStreamEvent, context: Context) => KinesisStreamBatchResponse | void,
): KinesisHandler {
  return (event, context) => Promise.resolve().then(() => fn(event, context));
}

describe('the stream consumer (local event source mapping)', () => {
  let kinesisServer: LocalKinesis;
  let kinesis: KinesisClient;
  let state: ReturnType<typeof temporaryDirectory>;
  let streamCount = 0;
  const consumers: Array<StreamConsumer | StreamArchive> = [];

  beforeAll(async () => {
    kinesisServer = await startKinesis({ port: 0 });
    kinesis = createKinesisClient(kinesisServer.endpoint, 'us-east-1');
  });
  afterAll(async () => {
    kinesis.destroy();
    await kinesisServer.close();
  });
  let failedRecords: FailedRecordsBucket;
  beforeEach(() => {
    state = temporaryDirectory('consumer');
    failedRecords = new FailedRecordsBucket(new LocalS3Store(join(state.path, 's3')), 'failed-records');
  });
  /** The on-failure objects written so far. */
  const onFailureObjects = (): Array<FailedObject & { body: OnFailureRecord }> =>
    failedRecords.list('aws/lambda/') as Array<FailedObject & { body: OnFailureRecord }>;
  const payloadValues = (record: OnFailureRecord) =>
    record.payload.Records.map((item) => Buffer.from(item.kinesis.data, 'base64').toString());
  const streams: string[] = [];
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
    // kinesalite allows 10 shards in all, as an account's default limit.
    for (const name of streams.splice(0)) await kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    state.remove();
  });

  async function newStream(): Promise<string> {
    streamCount += 1;
    const name = `stream-${streamCount}`;
    await ensureStream(kinesis, name);
    streams.push(name);
    return name;
  }

  async function put(streamName: string, values: readonly string[]): Promise<void> {
    for (const value of values) {
      await kinesis.send(
        new PutRecordCommand({ StreamName: streamName, Data: Buffer.from(value), PartitionKey: 'p' }),
      );
    }
  }

  function startConsumer(
    streamName: string,
    handler: KinesisHandler,
    settings = {},
    options: Partial<StreamConsumerOptions> = {},
  ): StreamConsumer {
    const consumer = new StreamConsumer({
      kinesis,
      streamName,
      streamArn: `${STREAM_ARN}${streamName}`,
      region: 'us-east-1',
      functionName: 'Stack-putEvents',
      handler,
      checkpoints: new CheckpointFile(join(state.path, `${streamName}-checkpoints.json`)),
      onFailure: failedRecords,
      mappingUuid: MAPPING_UUID,
      settings: { maxBatchingWindowSeconds: 0, ...settings },
      pollIntervalMs: 20,
      retryDelayMs: () => 10,
      log: () => undefined,
      ...options,
    });
    consumers.push(consumer);
    return consumer;
  }

  const decode = (event: KinesisStreamEvent) =>
    event.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString('utf8'));

  it('invokes the handler with Kinesis event records in order, as Lambda builds them', async () => {
    const streamName = await newStream();
    await put(streamName, ['a', 'b', 'c']);
    const events: KinesisStreamEvent[] = [];
    const consumer = startConsumer(
      streamName,
      handled((event) => {
        events.push(event);
        return { batchItemFailures: [] };
      }),
    );
    await consumer.start();
    await waitFor('delivery', () => (consumer.stats.deliveredRecords === 3 ? true : undefined));

    expect(events.flatMap(decode)).toEqual(['a', 'b', 'c']);
    const record = events[0]!.Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      awsRegion: 'us-east-1',
      eventSourceARN: `${STREAM_ARN}${streamName}`,
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p' },
    });
    expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
    expect(record.kinesis.approximateArrivalTimestamp).toBeCloseTo(Date.now() / 1000, -2);
  });

  it('honours batchSize', async () => {
    const streamName = await newStream();
    await put(streamName, ['1', '2', '3', '4', '5']);
    const sizes: number[] = [];
    const consumer = startConsumer(
      streamName,
      handled((event) => {
        sizes.push(event.Records.length);
      }),
      { batchSize: 2 },
    );
    await consumer.start();
    await waitFor('delivery', () => (consumer.stats.deliveredRecords === 5 ? true : undefined));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
  });

  it('retries from the first reported batch item failure, never re-sending what was accepted', async () => {
    const streamName = await newStream();
    await put(streamName, ['a', 'b', 'c', 'd']);
    const accepted: string[] = [];
    let failuresLeft = 2;
    const consumer = startConsumer(
      streamName,
      handled((event) => {
        const values = decode(event);
        const failAt = failuresLeft > 0 ? values.indexOf('c') : -1;
        if (failAt < 0) {
          accepted.push(...values);
          return { batchItemFailures: [] };
        }
        failuresLeft -= 1;
        accepted.push(...values.slice(0, failAt));
        return { batchItemFailures: [{ itemIdentifier: event.Records[failAt]!.kinesis.sequenceNumber }] };
      }),
    );
    await consumer.start();
    await waitFor('delivery', () => (consumer.stats.deliveredRecords === 4 ? true : undefined));

    expect(accepted).toEqual(['a', 'b', 'c', 'd']);
    expect(consumer.stats.discardedRecords).toBe(0);
  });

  it('bisects a batch that throws and writes only the poison record to the bucket, as Lambda writes it', async () => {
    const streamName = await newStream();
    await put(streamName, ['1', '2', '3', 'poison', '5', '6', '7', '8']);
    const accepted: string[] = [];
    let lastPoisonRequestId = '';
    const consumer = startConsumer(
      streamName,
      handled((event, context) => {
        const values = decode(event);
        if (values.includes('poison')) {
          lastPoisonRequestId = context.awsRequestId;
          throw new Error('cannot handle poison');
        }
        accepted.push(...values);
      }),
    );
    await consumer.start();
    await waitFor('settled', () =>
      consumer.stats.pendingRecords === 0 && consumer.stats.deliveredRecords === 7 ? true : undefined,
    );

    expect(accepted).toEqual(['1', '2', '3', '5', '6', '7', '8']);
    const objects = onFailureObjects();
    expect(objects).toHaveLength(1);
    const [{ key, body }] = objects as [(typeof objects)[number]];
    expect(key).toMatch(ON_FAILURE_KEY);
    expect(body).toEqual({
      requestContext: {
        requestId: lastPoisonRequestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Stack-putEvents',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4, // the first try and retryAttempts (3) retries
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: body.payload.Records[0]!.kinesis.sequenceNumber,
        endSequenceNumber: body.payload.Records[0]!.kinesis.sequenceNumber,
        approximateArrivalOfFirstRecord: expect.any(String),
        approximateArrivalOfLastRecord: expect.any(String),
        batchSize: 1,
        streamArn: `${STREAM_ARN}${streamName}`,
      },
      payload: { Records: [expect.objectContaining({ eventSource: 'aws:kinesis' })] },
    });
    expect(payloadValues(body)).toEqual(['poison']);
    // The time in the key is the record's timestamp, to the second.
    expect(key).toContain(body.timestamp.slice(0, 19).replace(/:/g, '.'));
  });

  it('writes a record reported as a batch item failure on every try, without functionError', async () => {
    const streamName = await newStream();
    await put(streamName, ['ok', 'stuck']);
    const consumer = startConsumer(
      streamName,
      handled((event) => {
        const stuck = event.Records.find(
          (record) => Buffer.from(record.kinesis.data, 'base64').toString() === 'stuck',
        );
        return { batchItemFailures: stuck ? [{ itemIdentifier: stuck.kinesis.sequenceNumber }] : [] };
      }),
      { bisectBatchOnError: false, retryAttempts: 1 },
    );
    await consumer.start();
    await waitFor('settled', () => (consumer.stats.discardedRecords === 1 ? true : undefined));

    const [object] = onFailureObjects();
    expect(object?.body.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(object?.body.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
    });
    expect(payloadValues(object!.body)).toEqual(['stuck']);
    expect(consumer.stats.deliveredRecords).toBe(1);
  });

  it('loses no record when writing to the bucket fails: the shard is read again from its checkpoint', async () => {
    const streamName = await newStream();
    await put(streamName, ['1', 'poison', '3']);
    const write = failedRecords.put.bind(failedRecords);
    let writeFailures = 1;
    jest.spyOn(failedRecords, 'put').mockImplementation((key, body) => {
      if (writeFailures-- > 0) throw new Error('ENOSPC: no space left on device');
      write(key, body);
    });
    const accepted: string[] = [];
    const consumer = startConsumer(
      streamName,
      handled((event) => {
        const values = decode(event);
        if (values.includes('poison')) throw new Error('cannot handle poison');
        accepted.push(...values);
      }),
      { batchSize: 1, retryAttempts: 0, bisectBatchOnError: false },
      { errorBackoffMs: 10 },
    );
    await consumer.start();
    await waitFor('settled', () =>
      consumer.stats.deliveredRecords === 2 && consumer.stats.discardedRecords === 1 ? true : undefined,
    );

    expect(accepted).toEqual(['1', '3']);
    const objects = onFailureObjects();
    expect(objects).toHaveLength(1);
    expect(payloadValues(objects[0]!.body)).toEqual(['poison']);
    expect(consumer.stats.pendingRecords).toBe(0);
  });

  it('refuses a second start, which would deliver every record twice', async () => {
    const consumer = startConsumer(await newStream(), () => Promise.resolve(undefined));
    await consumer.start();
    await expect(consumer.start()).rejects.toThrow('already called');
  });

  it('writes records older than maxRecordAgeSeconds to the bucket without invoking', async () => {
    const streamName = await newStream();
    await put(streamName, ['old']);
    let invoked = false;
    // An age limit of 0: the record is already older when the consumer reads it (several round trips
    // later), so the test needs no sleep.
    const consumer = startConsumer(
      streamName,
      handled(() => {
        invoked = true;
      }),
      { maxRecordAgeSeconds: 0 },
    );
    await consumer.start();
    await waitFor('on-failure object', () => (consumer.stats.discardedRecords === 1 ? true : undefined));

    expect(invoked).toBe(false);
    const [object] = onFailureObjects();
    expect(object?.key).toMatch(ON_FAILURE_KEY);
    expect(object?.body.requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
    });
    expect(payloadValues(object!.body)).toEqual(['old']);
  });

  it('resumes after its checkpoint on restart: nothing lost, nothing sent twice', async () => {
    const streamName = await newStream();
    const seen: string[] = [];
    const handler = handled((event) => {
      seen.push(...decode(event));
    });
    await put(streamName, ['a', 'b']);
    const first = startConsumer(streamName, handler);
    await first.start();
    await waitFor('first delivery', () => (first.stats.deliveredRecords === 2 ? true : undefined));
    await first.close();

    await put(streamName, ['c']);
    const second = startConsumer(streamName, handler);
    await second.start();
    await waitFor('second delivery', () => (second.stats.deliveredRecords === 1 ? true : undefined));

    expect(seen).toEqual(['a', 'b', 'c']);
  });

  /**
   * Deletes the stream and creates it again under the same name, as deleting kinesalite's directory or
   * calling its DeleteStream does. The new stream is created in a later second than the old one (Kinesis's
   * sequence numbers and creation time tell streams apart by the second; kinesalite dates a stream 2 s
   * before its CreateStream).
   */
  async function recreate(streamName: string): Promise<void> {
    const { StreamDescriptionSummary: old } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    await kinesis.send(new DeleteStreamCommand({ StreamName: streamName }));
    await waitFor('the stream to be deleted', () =>
      kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })).then(
        () => undefined,
        () => true,
      ),
    );
    const oldSecond = Math.floor((old?.StreamCreationTimestamp?.getTime() ?? 0) / 1000);
    const createdNow = () => Math.floor((Date.now() - 2000) / 1000);
    await waitFor('a later creation second', () => (createdNow() > oldSecond ? true : undefined), 10_000);
    await ensureStream(kinesis, streamName);
  }

  it('reads a stream created again from TRIM_HORIZON, loudly, when its checkpoint points into the old one', async () => {
    const streamName = await newStream();
    const seen: string[] = [];
    const lines: string[] = [];
    const handler = handled((event) => {
      seen.push(...decode(event));
    });
    await put(streamName, ['a', 'b', 'c']);
    const first = startConsumer(streamName, handler);
    await first.start();
    await waitFor('first delivery', () => (first.stats.deliveredRecords === 3 ? true : undefined));
    await first.close();

    await recreate(streamName);
    await put(streamName, ['d', 'e']);
    const second = startConsumer(streamName, handler, {}, { log: (line) => lines.push(line) });
    await second.start();
    await waitFor('delivery from the new stream', () =>
      second.stats.deliveredRecords === 2 ? true : undefined,
    );

    // d and e are the new stream's first records: resuming after c's sequence number would skip or refuse them.
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(lines.join('\n')).toMatch(
      new RegExp(`stream consumer: WARNING: the stream ${streamName} was created again .*TRIM_HORIZON`),
    );
  });

  it('notices a stream created again while it runs, and reads the new stream from TRIM_HORIZON', async () => {
    const streamName = await newStream();
    const seen: string[] = [];
    await put(streamName, ['a']);
    const consumer = startConsumer(
      streamName,
      handled((event) => {
        seen.push(...decode(event));
      }),
      {},
      { errorBackoffMs: 20 },
    );
    await consumer.start();
    await waitFor('first delivery', () => (consumer.stats.deliveredRecords === 1 ? true : undefined));

    await recreate(streamName);
    await put(streamName, ['b', 'c']);
    await waitFor('delivery from the new stream', () =>
      consumer.stats.deliveredRecords === 3 ? true : undefined,
    );
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('checks a checkpoint file that names no stream (written before streams were recorded) against the stream', async () => {
    const streamName = await newStream();
    await put(streamName, ['old']);
    const first = startConsumer(
      streamName,
      handled(() => undefined),
    );
    await first.start();
    await waitFor('first delivery', () => (first.stats.deliveredRecords === 1 ? true : undefined));
    await first.close();
    const path = join(state.path, `${streamName}-checkpoints.json`);
    const { shards } = JSON.parse(readFileSync(path, 'utf8')) as { shards: Record<string, string> };
    writeFileSync(path, JSON.stringify(shards));

    await recreate(streamName);
    await put(streamName, ['new']);
    const seen: string[] = [];
    const second = startConsumer(
      streamName,
      handled((event) => {
        seen.push(...decode(event));
      }),
    );
    await second.start();
    await waitFor('delivery from the new stream', () =>
      second.stats.deliveredRecords === 1 ? true : undefined,
    );
    expect(seen).toEqual(['new']);
  });

  it('archives a stream created again from TRIM_HORIZON when its checkpoint points into the old one', async () => {
    const streamName = await newStream();
    const archiveOf = (bucket: string) =>
      new StreamArchive({
        kinesis,
        streamName,
        deliveryStreamName: 'Stack-archive',
        bucketDir: join(state.path, 's3', bucket),
        checkpoints: new CheckpointFile(join(state.path, 'archive-checkpoints.json')),
        bufferingIntervalSeconds: 0,
        pollIntervalMs: 20,
        log: () => undefined,
      });
    await put(streamName, ['{"n":1}']);
    const first = archiveOf('first');
    consumers.push(first);
    await first.start();
    await waitFor('first archive file', () => (first.files.length > 0 ? true : undefined));
    await first.close();

    await recreate(streamName);
    await put(streamName, ['{"n":2}']);
    const second = archiveOf('second');
    consumers.push(second);
    await second.start();
    await waitFor('archive file of the new stream', () => (second.files.length > 0 ? true : undefined));
    expect(second.files.map((file) => gunzipSync(readFileSync(file)).toString())).toEqual(['{"n":2}\n']);
  });

  it('archives the stream as newline-delimited gzip objects under the stack prefix', async () => {
    const streamName = await newStream();
    await put(streamName, ['{"n":1}', '{"n":2}']);
    const archive = new StreamArchive({
      kinesis,
      streamName,
      deliveryStreamName: 'Stack-archive',
      bucketDir: join(state.path, 's3', 'archive-bucket'),
      checkpoints: new CheckpointFile(join(state.path, 'archive-checkpoints.json')),
      bufferingIntervalSeconds: 0,
      pollIntervalMs: 20,
    });
    consumers.push(archive);
    await archive.start();
    await waitFor('archive file', () => (archive.files.length > 0 ? true : undefined));

    const file = archive.files[0]!;
    expect(file).toMatch(
      /archive-bucket\/events\/\d{4}\/\d{2}\/\d{2}\/Stack-archive-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}\.gz$/,
    );
    expect(gunzipSync(readFileSync(file)).toString()).toBe('{"n":1}\n{"n":2}\n');
  });
});

describe("Pause (the poll loops' sleep)", () => {
  it('ends the sleeps in progress on wake(), so close() does not wait out a poll interval', async () => {
    const pause = new Pause();
    const sleeps = [pause.sleep(60_000), pause.sleep(60_000)];
    pause.wake();
    // Without the wake-up these would hold the test until jest's timeout fails it.
    await expect(Promise.all(sleeps)).resolves.toEqual([undefined, undefined]);
  });

  it('sleeps again after a wake(): only the sleeps in progress are cut short', async () => {
    const pause = new Pause();
    pause.wake();
    const later = pause.sleep(60_000).then(() => 'woken early');
    // A sleep cut short by the earlier wake() would end within this turn of the event loop: no time window.
    await expect(Promise.race([later, setImmediate('still asleep')])).resolves.toBe('still asleep');
    pause.wake();
    await expect(later).resolves.toBe('woken early');
  });
});
