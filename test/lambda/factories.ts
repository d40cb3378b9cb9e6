/**
 * Event factories for the handler tests: API Gateway REST (v1) proxy events, Kinesis stream events, a Lambda
 * context, and service errors shaped as the SDK throws them.
 */
import {
  DescribeEventTrackerCommand,
  ListEventTrackersCommand,
  PersonalizeServiceException,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import type { AwsClientStub } from 'aws-sdk-client-mock';
// Types of the `toHaveReceivedCommand*` matchers (jest.config.js registers them at run time).
import 'aws-sdk-client-mock-jest';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';

// Tests assert on behaviour, not on log lines; a test that cares spies on the logger.
process.env.LOG_LEVEL = 'SILENT';
// Likewise the metrics' EMF lines: a test that checks them turns them on (test/lambda/metrics.test.ts).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// The SDK warns once per process on Node.js < 22 (the Lambda runtime is 22); the warning is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const ACCOUNT = '123456789012';
/** The stack name the functions tag what they create with (OWNER_TAG_VALUE). */
export const STACK_NAME = 'NearRealTimeRecommendations';
export const FAILED_RECORDS_BUCKET = 'nrt-failed-records';
export const REGION = 'us-east-1';
const arn = (resource: string) => `arn:aws:personalize:${REGION}:${ACCOUNT}:${resource}`;
export const SOLUTION_ARN = arn('solution/movies-solution');
export const SOLUTION_VERSION_ARN = `${SOLUTION_ARN}/4f1a9d2c`;
export const CAMPAIGN_ARN = arn('campaign/movies-campaign');
export const EVENT_TRACKER_ARN = arn('event-tracker/0c3d5e7f');
export const DATASET_GROUP_ARN = arn('dataset-group/movies');
export const TRACKING_ID = '6f3c2b1a-8d4e-4f5a-9b6c-7d8e9f0a1b2c';

// The environment the stack gives the functions (each test may change it and restore it).
process.env.OWNER_TAG_VALUE = STACK_NAME;
process.env.DATASET_GROUP_ARN = DATASET_GROUP_ARN;
process.env.FAILED_RECORDS_BUCKET = FAILED_RECORDS_BUCKET;
const FUNCTION_ENVIRONMENT = {
  OWNER_TAG_VALUE: STACK_NAME,
  DATASET_GROUP_ARN,
  FAILED_RECORDS_BUCKET,
} as const;

/** Restores the functions' environment (after a test removed a variable). */
export function restoreFunctionEnvironment(): void {
  Object.assign(process.env, FUNCTION_ENVIRONMENT);
}

/**
 * Makes a mocked Personalize client answer ListEventTrackers / DescribeEventTracker with one event tracker
 * per tracking id, all in the stack's dataset group.
 */
export function mockEventTrackers(
  personalize: AwsClientStub<PersonalizeClient>,
  trackingIds: readonly string[] = [TRACKING_ID],
): void {
  const trackerArn = (index: number) => arn(`event-tracker/tracker${index}`);
  personalize
    .on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN })
    .resolves({ eventTrackers: trackingIds.map((_, index) => ({ eventTrackerArn: trackerArn(index) })) });
  trackingIds.forEach((trackingId, index) => {
    personalize
      .on(DescribeEventTrackerCommand, { eventTrackerArn: trackerArn(index) })
      .resolves({ eventTracker: { eventTrackerArn: trackerArn(index), trackingId, status: 'ACTIVE' } });
  });
}

/**
 * Makes a mocked Personalize client answer for one event tracker (EVENT_TRACKER_ARN, TRACKING_ID) that is being
 * created: listed CREATE PENDING, then described with each of `statuses` in turn, the last one thereafter.
 */
export function mockTrackerBeingCreated(
  personalize: AwsClientStub<PersonalizeClient>,
  statuses: readonly string[],
): void {
  personalize.on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN }).resolves({
    eventTrackers: [{ eventTrackerArn: EVENT_TRACKER_ARN, status: 'CREATE PENDING' }],
  });
  const describe = personalize.on(DescribeEventTrackerCommand, { eventTrackerArn: EVENT_TRACKER_ARN });
  const output = (status: string) => ({
    eventTracker: { eventTrackerArn: EVENT_TRACKER_ARN, trackingId: TRACKING_ID, status },
  });
  for (const status of statuses.slice(0, -1)) describe.resolvesOnce(output(status));
  describe.resolves(output(statuses[statuses.length - 1] ?? 'ACTIVE'));
}

export interface ApiEventOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly path?: string;
  /** An object is sent as JSON; a string as is (to test malformed bodies). */
  readonly body?: unknown;
  readonly query?: Record<string, string>;
  readonly requestId?: string;
}

/** A REST API (v1) Lambda proxy event, as API Gateway and local mode's gateway build it. */
export function apiEvent(options: ApiEventOptions = {}): APIGatewayProxyEvent {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/';
  const body =
    options.body === undefined
      ? null
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return {
    resource: path,
    path,
    httpMethod: method,
    headers: { 'content-type': 'application/json', 'x-api-key': 'test-key' },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'a1b2c3d4e5',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: 'test-key',
        apiKeyId: 'key-id',
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'jest',
        userArn: null,
      },
      path: `/prod${path}`,
      stage: 'prod',
      requestId: options.requestId ?? 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: Date.UTC(2024, 0, 1),
      resourceId: 'res123',
      resourcePath: path,
    },
  };
}

export function lambdaContext(awsRequestId = 'lambda-request-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:test-function`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: '/aws/lambda/test-function',
    logStreamName: '2024/01/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The response body, parsed. */
export function bodyOf(result: APIGatewayProxyResult): unknown {
  expect(result.headers?.['Content-Type']).toBe('application/json');
  expect(typeof result.body).toBe('string');
  return JSON.parse(result.body);
}

/** Kinesis sequence numbers: 56 digits, increasing with `n`. */
export function sequenceNumber(n: number): string {
  return `49590338271490256608559692538361571095921575989136${String(n).padStart(6, '0')}`;
}

export interface KinesisRecordOptions {
  readonly sequenceNumber: string;
  readonly partitionKey?: string;
  /** Seconds since the epoch. */
  readonly arrival?: number;
}

/** A record whose data is `payload` as JSON, base64 encoded (what the /data integration puts on the stream). */
export function kinesisRecord(payload: unknown, options: KinesisRecordOptions): KinesisStreamRecord {
  return rawKinesisRecord(Buffer.from(JSON.stringify(payload)).toString('base64'), options);
}

/** A record with `data` exactly as given (to test malformed records). */
export function rawKinesisRecord(data: string, options: KinesisRecordOptions): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: options.partitionKey ?? 'user-429',
      sequenceNumber: options.sequenceNumber,
      data,
      approximateArrivalTimestamp: options.arrival ?? Date.UTC(2024, 0, 1, 12) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${options.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/consumer`,
    awsRegion: REGION,
    eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/interactions`,
  };
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** A service error as the SDK throws it (name = the service's error type, with its message and metadata). */
export function serviceError(
  name: string,
  message = `${name}: from the service`,
  httpStatusCode = 400,
): Error {
  return new PersonalizeServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode } });
}

/** An unexpected failure whose details must stay in the logs. */
export function unexpectedError(): Error {
  const error = new Error('connect ECONNREFUSED 10.0.0.12:443 at TLSSocket.internal');
  error.stack = 'Error: connect ECONNREFUSED\n    at /var/task/index.js:1:2';
  return error;
}

/** Asserts a 500 that reveals nothing of `cause`. */
export function expectGenericServerError(result: APIGatewayProxyResult): void {
  expect(result.statusCode).toBe(500);
  expect(bodyOf(result)).toEqual({ message: 'Internal server error', code: 'InternalServerException' });
  expect(result.body).not.toMatch(/ECONNREFUSED|10\.0\.0\.12|stack|\/var\/task|\$metadata/);
}
