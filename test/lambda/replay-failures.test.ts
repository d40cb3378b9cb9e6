// First import: the factories set the test environment before any SDK client is created.
import { TRACKING_ID, kinesisRecord, rawKinesisRecord, sequenceNumber, serviceError } from './factories';
import {
  PersonalizeEventsClient,
  PutEventsCommand,
  type PutEventsCommandInput,
} from '@aws-sdk/client-personalize-events';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { KinesisStreamRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { sessionIdFor } from '../../lambda/shared/events';
import { consumerFailuresBody } from '../../lambda/shared/failed-records';
import type { InteractionBatch } from '../../lambda/shared/requests';
import {
  type ReplayOptions,
  anyFailure,
  formatSummary,
  parseArguments,
  replayFailures,
} from '../../scripts/replay-failures';

const s3Mock = mockClient(S3Client);
const eventsMock = mockClient(PersonalizeEventsClient);
const clients = {
  s3: new S3Client({ region: 'us-east-1' }),
  personalizeEvents: new PersonalizeEventsClient({ region: 'us-east-1' }),
};
const BUCKET = 'nrt-failed-records';
const ARRIVAL = Date.UTC(2024, 4, 1, 8, 30) / 1000;
const LAMBDA_KEY =
  'aws/lambda/2d1c5a3e-8b9f-4c0d-9e1f-0a2b3c4d5e6f/shardId-000000000000/2024/05/01/2024-05-01T08.31.02-7c9e6679';
const CONSUMER_KEY = `consumer/2024/05/01/2024-05-01T08:30:05.000Z-${sequenceNumber(10)}-1f2e3d4c.json`;

const batch = (overrides: Partial<InteractionBatch> = {}): InteractionBatch => ({
  userId: '429',
  itemId: '1210',
  eventType: 'click',
  trackingId: TRACKING_ID,
  interactions: 1,
  ...overrides,
});
const record = (n: number, overrides: Partial<InteractionBatch> = {}) =>
  kinesisRecord(batch(overrides), { sequenceNumber: sequenceNumber(n), arrival: ARRIVAL });

/** What Lambda writes to an S3 on-failure destination for a Kinesis batch. */
function onFailureRecord(records: KinesisStreamRecord[], payloadAsText = false): unknown {
  const payload = { Records: records };
  return {
    requestContext: {
      requestId: 'c9b8fa9f-5a7f-4b5a-9c0e-4e6f8c2f7f2a',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:putEvents',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2024-05-01T08:31:02.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: records[0]?.kinesis.sequenceNumber,
      endSequenceNumber: records[records.length - 1]?.kinesis.sequenceNumber,
      approximateArrivalOfFirstRecord: '2024-05-01T08:30:00.000Z',
      approximateArrivalOfLastRecord: '2024-05-01T08:30:00.000Z',
      batchSize: records.length,
      streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
    },
    payload: payloadAsText ? JSON.stringify(payload) : payload,
  };
}

/** The consumer's own failure object. */
function consumerObject(entries: Array<{ record: KinesisStreamRecord; error: string }>): unknown {
  return consumerFailuresBody(entries, new Date('2024-05-01T08:30:05.000Z'));
}

/** Serves `objects` (key -> JSON body, or a raw string) from the mocked bucket, one key per list page. */
function bucketWith(objects: Record<string, unknown>): void {
  const keys = Object.keys(objects);
  keys.forEach((key, index) => {
    s3Mock
      .on(ListObjectsV2Command, {
        Bucket: BUCKET,
        ContinuationToken: index === 0 ? undefined : `page-${index}`,
      })
      .resolves({
        Contents: [{ Key: key }],
        IsTruncated: index < keys.length - 1,
        NextContinuationToken: index < keys.length - 1 ? `page-${index + 1}` : undefined,
      });
    const value = objects[key];
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).resolves({
      Body: { transformToString: () => Promise.resolve(text) } as unknown as GetObjectCommandOutput['Body'],
    });
  });
}

const options = (overrides: Partial<ReplayOptions> = {}): ReplayOptions => ({
  bucket: BUCKET,
  prefix: '',
  dryRun: false,
  keep: false,
  ...overrides,
});
const sentCalls = (): PutEventsCommandInput[] =>
  eventsMock.commandCalls(PutEventsCommand).map((call) => call.args[0].input);
const deletedKeys = () => s3Mock.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key);

beforeEach(() => {
  s3Mock.reset();
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({});
  s3Mock.on(DeleteObjectCommand).resolves({});
});

describe('replayFailures', () => {
  it("replays Lambda's on-failure records, with the consumer's event ids, and deletes the object", async () => {
    bucketWith({
      [LAMBDA_KEY]: onFailureRecord([record(1, { interactions: 12 }), record(2, { userId: 'b' })]),
    });

    const [summary, ...others] = await replayFailures(clients, options());

    expect(others).toEqual([]);
    expect(summary).toEqual({
      key: LAMBDA_KEY,
      format: 'lambda-on-failure',
      records: 2,
      delivered: 2,
      eventsSent: 13,
      malformed: [],
      failed: [],
      deleted: true,
    });
    expect(sentCalls().map((call) => call.eventList?.length)).toEqual([10, 2, 1]);
    expect(sentCalls()[0]).toMatchObject({
      trackingId: TRACKING_ID,
      userId: '429',
      sessionId: sessionIdFor(TRACKING_ID, '429'),
    });
    expect(sentCalls()[2]?.eventList?.[0]).toMatchObject({
      eventId: `${sequenceNumber(2)}-0`,
      sentAt: new Date(ARRIVAL * 1000),
    });
    expect(deletedKeys()).toEqual([LAMBDA_KEY]);
  });

  it('reads an invocation record whose payload is JSON text', async () => {
    bucketWith({ [LAMBDA_KEY]: onFailureRecord([record(1)], true) });

    const [summary] = await replayFailures(clients, options());

    expect(summary).toMatchObject({ format: 'lambda-on-failure', delivered: 1, deleted: true });
  });

  it("replays the consumer's own objects, keeping one with a malformed record and reporting it", async () => {
    bucketWith({
      [CONSUMER_KEY]: consumerObject([
        {
          record: rawKinesisRecord('!!', { sequenceNumber: sequenceNumber(10) }),
          error: 'data: must be base64',
        },
        { record: record(11), error: 'ResourceNotFoundException: tracker gone' },
      ]),
    });

    const [summary] = await replayFailures(clients, options());

    expect(summary).toEqual({
      key: CONSUMER_KEY,
      format: 'consumer',
      records: 2,
      delivered: 1,
      eventsSent: 1,
      malformed: [{ sequenceNumber: sequenceNumber(10), error: 'data: must be base64' }],
      failed: [],
      deleted: false,
    });
    expect(sentCalls().map((call) => call.eventList?.[0]?.eventId)).toEqual([`${sequenceNumber(11)}-0`]);
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('sends to the --tracking-id given instead of the records’ own, with that tracker’s session ids', async () => {
    bucketWith({
      [CONSUMER_KEY]: consumerObject([
        {
          record: record(1, { trackingId: 'deleted-tracker' }),
          error: 'trackingId deleted-tracker is not ...',
        },
        { record: record(2, { trackingId: 'deleted-tracker', sessionId: 'kept-session' }), error: 'same' },
      ]),
    });

    await replayFailures(clients, options({ trackingId: 'new-tracker' }));

    expect(sentCalls().map((call) => [call.trackingId, call.sessionId])).toEqual([
      ['new-tracker', sessionIdFor('new-tracker', '429')],
      ['new-tracker', 'kept-session'],
    ]);
  });

  it('deletes an object only after all its records were accepted; a failed one is kept and reported', async () => {
    eventsMock
      .on(PutEventsCommand, { userId: 'unlucky' })
      .rejects(serviceError('ThrottlingException', 'Rate exceeded'));
    bucketWith({
      'aws/lambda/a/shardId-000000000000/2024/05/01/good': onFailureRecord([record(1), record(2)]),
      'aws/lambda/a/shardId-000000000000/2024/05/01/bad': onFailureRecord([
        record(3),
        record(4, { userId: 'unlucky' }),
      ]),
    });

    const summaries = await replayFailures(clients, options());

    expect(summaries.map((summary) => [summary.key.split('/').pop(), summary.deleted])).toEqual([
      ['good', true],
      ['bad', false],
    ]);
    expect(summaries[1]?.failed).toEqual([
      { sequenceNumber: sequenceNumber(4), error: 'ThrottlingException: Rate exceeded' },
    ]);
    expect(anyFailure(summaries)).toBe(true);
    expect(deletedKeys()).toEqual(['aws/lambda/a/shardId-000000000000/2024/05/01/good']);
    // The delete came after the object's PutEvents calls.
    const [deletion] = s3Mock.commandCalls(DeleteObjectCommand);
    const sends = eventsMock.commandCalls(PutEventsCommand);
    expect(sends).toHaveLength(4);
    expect(deletion?.calledAfter(sends[1]!)).toBe(true);
    expect(deletion?.calledBefore(sends[2]!)).toBe(true);
  });

  it('with --dry-run decodes and reports, sending and deleting nothing', async () => {
    bucketWith({ [LAMBDA_KEY]: onFailureRecord([record(1, { interactions: 3 })]) });

    const [summary] = await replayFailures(clients, options({ dryRun: true }));

    expect(summary).toMatchObject({ delivered: 1, eventsSent: 3, deleted: false });
    expect(eventsMock).not.toHaveReceivedAnyCommand();
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(formatSummary(summary!, true)).toContain('1 would be sent (3 events)');
  });

  it('with --keep sends but deletes nothing', async () => {
    bucketWith({ [LAMBDA_KEY]: onFailureRecord([record(1)]) });

    const [summary] = await replayFailures(clients, options({ keep: true }));

    expect(summary).toMatchObject({ delivered: 1, deleted: false });
    expect(eventsMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('lists every page under the prefix, and keeps an object in neither format', async () => {
    bucketWith({ 'consumer/a.json': 'not json', 'consumer/b.json': { hello: 'world' } });

    const summaries = await replayFailures(clients, options({ prefix: 'consumer/' }));

    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 2);
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: BUCKET,
      Prefix: 'consumer/',
      ContinuationToken: 'page-1',
    });
    expect(summaries.map((summary) => [summary.key, summary.format, summary.deleted])).toEqual([
      ['consumer/a.json', 'unrecognised', false],
      ['consumer/b.json', 'unrecognised', false],
    ]);
    expect(anyFailure(summaries)).toBe(false);
  });

  it('reports the records of each object as it is done', async () => {
    bucketWith({ [LAMBDA_KEY]: onFailureRecord([record(1)]) });
    const reported: string[] = [];

    await replayFailures(clients, options(), (summary) => reported.push(formatSummary(summary)));

    expect(reported).toEqual([
      `${LAMBDA_KEY}: lambda-on-failure, 1 record(s), 1 delivered (1 events), 0 malformed, 0 failed; deleted`,
    ]);
  });
});

describe('parseArguments', () => {
  it('reads the location, the tracking id and the flags', () => {
    expect(
      parseArguments(['s3://nrt-failed-records/aws/lambda/', '--tracking-id', 'abc', '--dry-run', '--keep']),
    ).toEqual({
      bucket: 'nrt-failed-records',
      prefix: 'aws/lambda/',
      trackingId: 'abc',
      dryRun: true,
      keep: true,
    });
    expect(parseArguments(['s3://nrt-failed-records'])).toEqual({
      bucket: 'nrt-failed-records',
      prefix: '',
      trackingId: undefined,
      dryRun: false,
      keep: false,
    });
  });

  it.each([
    [[], 'the location must be s3://'],
    [['nrt-failed-records'], 'the location must be s3://'],
    [['s3://b', '--tracking-id'], '--tracking-id needs a value'],
    [['s3://b', '--force'], 'unknown option --force'],
    [['s3://b', 's3://c'], 'unexpected argument s3://c'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(message);
  });
});
