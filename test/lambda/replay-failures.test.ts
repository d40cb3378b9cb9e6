// First import: the factories set the test environment before any SDK client is created.
import { TRACKING_ID, kinesisRecord, rawKinesisRecord, sequenceNumber, serviceError } from './factories';
import {
  DescribeEventTrackerCommand,
  ListEventTrackersCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
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
import type { InteractionBatch } from '../../lib/contract/requests';
import {
  type ReplayOptions,
  anyFailure,
  formatSummary,
  parseArguments,
  printable,
  replayFailures,
} from '../../scripts/replay-failures';

const s3Mock = mockClient(S3Client);
const eventsMock = mockClient(PersonalizeEventsClient);
const personalizeMock = mockClient(PersonalizeClient);
const clients = {
  s3: new S3Client({ region: 'us-east-1' }),
  personalize: new PersonalizeClient({ region: 'us-east-1' }),
  personalizeEvents: new PersonalizeEventsClient({ region: 'us-east-1' }),
};
const BUCKET = 'nrt-failed-records';
const DATASET_GROUP_ARN = 'arn:aws:personalize:us-east-1:123456789012:dataset-group/nrt';
/** The stack's dataset group's event trackers, by tracking id. */
const trackerArn = (trackingId: string) =>
  `arn:aws:personalize:us-east-1:123456789012:event-tracker/${trackingId.slice(0, 8)}`;

/** The stack's dataset group holds event trackers with these tracking ids (and no other). */
function stackTrackers(...trackingIds: string[]): void {
  personalizeMock.reset();
  personalizeMock.on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN }).resolves({
    eventTrackers: trackingIds.map((id) => ({ eventTrackerArn: trackerArn(id), status: 'ACTIVE' })),
  });
  for (const trackingId of trackingIds) {
    personalizeMock
      .on(DescribeEventTrackerCommand, { eventTrackerArn: trackerArn(trackingId) })
      .resolves({ eventTracker: { trackingId, status: 'ACTIVE' } });
  }
}
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
  datasetGroupArn: DATASET_GROUP_ARN,
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
  stackTrackers(TRACKING_ID);
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
      refused: [],
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
      refused: [],
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

    stackTrackers(TRACKING_ID, 'new-tracker');
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
    // Objects kept because they could not be read: the run is not done.
    expect(anyFailure(summaries)).toBe(true);
  });

  it('reports the records of each object as it is done', async () => {
    bucketWith({ [LAMBDA_KEY]: onFailureRecord([record(1)]) });
    const reported: string[] = [];

    await replayFailures(clients, options(), (summary) => reported.push(formatSummary(summary)));

    expect(reported).toEqual([
      `${LAMBDA_KEY}: lambda-on-failure, 1 record(s), 1 delivered (1 events), 0 malformed, 0 refused, 0 failed; deleted`,
    ]);
  });
});

describe("the consumer's ownership guard", () => {
  it("refuses records whose tracking id is another dataset group's: nothing sent, the object kept, the run failed", async () => {
    const otherApplication = 'aaaaaaaa-other-application-tracker';
    bucketWith({
      [CONSUMER_KEY]: consumerObject([
        { record: record(1, { trackingId: otherApplication, interactions: 50 }), error: 'not this stack' },
        { record: record(2), error: 'ThrottlingException' },
      ]),
    });

    const [summary] = await replayFailures(clients, options());

    expect(summary).toMatchObject({
      delivered: 1,
      deleted: false,
      refused: [
        {
          sequenceNumber: sequenceNumber(1),
          error: `trackingId ${otherApplication} is not the tracking id of an event tracker of ${DATASET_GROUP_ARN}: nothing sent (send it to the stack's tracker with --tracking-id)`,
        },
      ],
    });
    expect(sentCalls().map((call) => call.trackingId)).toEqual([TRACKING_ID]);
    expect(personalizeMock).toHaveReceivedCommandWith(ListEventTrackersCommand, {
      datasetGroupArn: DATASET_GROUP_ARN,
    });
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(anyFailure([summary!])).toBe(true);
    expect(formatSummary(summary!)).toContain(
      `0 malformed, 1 refused, 0 failed; kept\n  refused ${sequenceNumber(1)}: `,
    );
  });

  it('refuses every record when --tracking-id is not a tracker of the dataset group', async () => {
    bucketWith({ [LAMBDA_KEY]: onFailureRecord([record(1), record(2)]) });

    const [summary] = await replayFailures(clients, options({ trackingId: 'someone-elses' }));

    expect(summary?.refused.map((problem) => problem.sequenceNumber)).toEqual([
      sequenceNumber(1),
      sequenceNumber(2),
    ]);
    expect(eventsMock).not.toHaveReceivedAnyCommand();
  });

  it('keeps the records as failed (retried next run) when the trackers cannot be listed', async () => {
    personalizeMock.reset();
    personalizeMock
      .on(ListEventTrackersCommand)
      .rejects(serviceError('ThrottlingException', 'Rate exceeded'));
    bucketWith({ [LAMBDA_KEY]: onFailureRecord([record(1)]) });

    const [summary] = await replayFailures(clients, options());

    expect(summary?.failed).toEqual([
      {
        sequenceNumber: sequenceNumber(1),
        error: `the tracking id ${TRACKING_ID} could not be checked: ThrottlingException: Rate exceeded`,
      },
    ]);
    expect(eventsMock).not.toHaveReceivedAnyCommand();
  });
});

describe('what replay prints', () => {
  it('escapes control characters from the bucket, so a tracking id cannot forge the summary line', async () => {
    const forged = 'x\r3 object(s), 0 record(s): 0 delivered\n\u001b[2K\u202e';
    bucketWith({
      [CONSUMER_KEY]: consumerObject([
        { record: record(1, { trackingId: forged }), error: 'not this stack' },
      ]),
    });

    const [summary] = await replayFailures(clients, options());
    const text = formatSummary(summary!);

    expect(text.split('\n')).toHaveLength(2);
    expect(['\r', '\u001b', '\u202e'].filter((char) => text.includes(char))).toEqual([]);
    expect(text).toContain('x\\u000d3 object(s), 0 record(s): 0 delivered\\u000a\\u001b[2K\\u202e');
    expect(printable('a\\b')).toBe('a\\\\b');
  });
});

describe('parseArguments', () => {
  it('reads the location, the tracking id and the flags', () => {
    expect(
      parseArguments(
        [
          's3://nrt-failed-records/aws/lambda/',
          '--dataset-group-arn',
          DATASET_GROUP_ARN,
          '--tracking-id',
          'abc',
          '--dry-run',
          '--keep',
        ],
        {},
      ),
    ).toEqual({
      bucket: 'nrt-failed-records',
      prefix: 'aws/lambda/',
      datasetGroupArn: DATASET_GROUP_ARN,
      trackingId: 'abc',
      dryRun: true,
      keep: true,
    });
    // The consumer's variable stands in for the option.
    expect(parseArguments(['s3://nrt-failed-records'], { DATASET_GROUP_ARN })).toEqual({
      bucket: 'nrt-failed-records',
      prefix: '',
      datasetGroupArn: DATASET_GROUP_ARN,
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
    [['s3://b', '--dataset-group-arn'], '--dataset-group-arn needs a value'],
    [
      ['s3://b', '--dataset-group-arn', 'nope'],
      '--dataset-group-arn must be a Personalize dataset group ARN',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArguments(argv, { DATASET_GROUP_ARN })).toThrow(message);
  });

  it("refuses to run without the stack's dataset group, naming the option and the variable", () => {
    expect(() => parseArguments(['s3://b'], {})).toThrow(
      "the stack's dataset group is needed, whose event trackers alone may receive the events: --dataset-group-arn <the stack's DatasetGroupArn output> (or DATASET_GROUP_ARN)",
    );
  });
});
