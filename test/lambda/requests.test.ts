// First import: the factories set the test environment before any SDK client is created.
import {
  FAILED_RECORDS_BUCKET,
  TRACKING_ID,
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  mockEventTrackers,
  restoreFunctionEnvironment,
  sequenceNumber,
} from './factories';
import { expect } from '@jest/globals';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient, PutEventsCommand } from '@aws-sdk/client-personalize-events';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { bodyJsonSchema, ROUTES } from '../../lib/contract/api-routes';
import { compileModel } from '../../local/apigateway/model-validation';
import { handler, trackingIds } from '../../lambda/putEvents';
import type { ConsumerFailures } from '../../lambda/shared/failed-records';
import {
  ISO_DATE_PATTERN,
  type InteractionBatch,
  interactionBatchSchema,
  putEventsRequest,
} from '../../lib/contract/requests';

/** The validator of a route's API Gateway model, compiled as local mode's gateway compiles it. */
function modelOf(path: string): (body: unknown) => boolean {
  const route = ROUTES.find((candidate) => candidate.path === path);
  const validate = compileModel(bodyJsonSchema(route!)!);
  return (body) => validate(body) === true;
}
const dataModel = modelOf('/data');
const putEventsModel = modelOf('/putEvents');

const batch = (overrides: Partial<InteractionBatch> = {}): InteractionBatch => ({
  userId: '429',
  itemId: '1210',
  eventType: 'click',
  trackingId: TRACKING_ID,
  interactions: 1,
  ...overrides,
});
const dataBody = (overrides: Partial<InteractionBatch>) => ({ Data: batch(overrides), PartitionKey: '429' });

/** Dates no calendar or clock has: the models refuse them, so `/data` answers 400 as `/putEvents` does. */
const IMPOSSIBLE_DATES = [
  '2024-02-30',
  '2024-02-31',
  '2024-04-31',
  '2024-06-31',
  '2024-09-31',
  '2024-11-31',
  '2024-01-32',
  '2024-13-01',
  '2024-00-10',
  '2024-01-00',
  '2024-01-01T25:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T10:60:00Z',
  '2024-01-01T10:00:60Z',
  '2024-01-01T10:00:00+99:99',
  '2024-01-01T10:00:00+14:01',
  '2024-01-01T10:00:00-15:00',
  '2024-01-01T10:00:00+05:60',
];

const VALID_DATES = [
  '2024-01-31',
  '2024-02-29',
  '2024-04-30',
  '2024-12-31',
  '2024-01-01T00:00Z',
  '2024-01-01T23:59:59Z',
  '2024-01-01T23:59:59.123456789Z',
  '2024-01-01T10:00:00+14:00',
  '2024-01-01T10:00:00-12:00',
  '2024-01-01T10:00:00+05:45',
];

describe('dates in the API Gateway models', () => {
  it.each(IMPOSSIBLE_DATES)('the /data model refuses %s as dateFrom and as dateTo', (date) => {
    expect(dataModel(dataBody({ dateFrom: date }))).toBe(false);
    expect(dataModel(dataBody({ dateTo: date }))).toBe(false);
  });

  it.each(IMPOSSIBLE_DATES)(
    '/putEvents: its handler refuses %s, naming the field (its model checks presence only)',
    (date) => {
      expect(putEventsModel(batch({ dateFrom: date }))).toBe(true);
      expect(putEventsRequest.safeParse(batch({ dateFrom: date })).success).toBe(false);
      expect(putEventsRequest.safeParse(batch({ dateTo: date })).success).toBe(false);
    },
  );

  it.each(VALID_DATES)('both models and the handler schema accept %s', (date) => {
    expect(dataModel(dataBody({ dateFrom: date, dateTo: date }))).toBe(true);
    expect(putEventsModel(batch({ dateFrom: date, dateTo: date }))).toBe(true);
    expect(putEventsRequest.safeParse(batch({ dateFrom: date, dateTo: date })).success).toBe(true);
  });

  it('puts the one date pattern of requests.ts in the models', () => {
    const data = bodyJsonSchema(ROUTES.find((route) => route.path === '/data')!) as {
      properties: { Data: { properties: Record<string, { pattern?: string }> } };
    };
    expect(data.properties.Data.properties.dateFrom?.pattern).toBe(ISO_DATE_PATTERN.source);
    expect(data.properties.Data.properties.dateTo?.pattern).toBe(ISO_DATE_PATTERN.source);
  });
});

describe('idempotencyKey in the models and the handler schema', () => {
  it.each([
    'a',
    '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
    '01J9Z8K7M6N5P4Q3R2S1T0V9W8',
    'order-42:retry_1.x',
    'k'.repeat(64),
  ])('accepts %s', (idempotencyKey) => {
    expect(dataModel(dataBody({ idempotencyKey }))).toBe(true);
    expect(putEventsModel(batch({ idempotencyKey }))).toBe(true);
    expect(interactionBatchSchema.safeParse(batch({ idempotencyKey })).success).toBe(true);
  });

  it.each(['', 'k'.repeat(65), 'has space', 'clé', 'a/b', '😀'])('refuses %j', (idempotencyKey) => {
    expect(dataModel(dataBody({ idempotencyKey }))).toBe(false);
    // The /putEvents model leaves values to the handler, whose message names the field.
    expect(putEventsModel(batch({ idempotencyKey }))).toBe(true);
    const parsed = interactionBatchSchema.safeParse(batch({ idempotencyKey }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toHaveLength(1);
    expect(parsed.error?.issues[0]?.path).toEqual(['idempotencyKey']);
  });
});

/*
 * What a draft-04 JSON schema cannot say, so the /data model accepts it (API Gateway answers 200 and the record
 * is on the stream) but the interaction batch schema or the expansion refuses it: the consumer sets the record
 * aside at once, with its error, in the failed-records bucket under consumer/. /putEvents refuses the same with
 * a 400. The README's "How events flow" lists these cases.
 */
const emoji200 = '😀'.repeat(200); // 200 code points (maxLength counts them), 400 UTF-16 units
const ACCEPTED_THEN_REFUSED: ReadonlyArray<readonly [string, Partial<InteractionBatch>, string]> = [
  ['February 29 of a year that is not a leap year', { dateTo: '2023-02-29' }, 'dateTo: must be an ISO 8601'],
  [
    'a dateFrom after dateTo',
    { dateFrom: '2022-02-01', dateTo: '2022-01-01' },
    'dateFrom: must not be after dateTo',
  ],
  [
    'a dateFrom after the record arrived, without dateTo',
    { dateFrom: '2030-01-01' },
    'dateFrom: must not be in the future',
  ],
  ['a userId of 200 emoji (400 UTF-16 units)', { userId: emoji200 }, 'userId: '],
  ['an itemId of 200 emoji', { itemId: emoji200 }, 'itemId: '],
  ['an eventType of 200 emoji', { eventType: emoji200 }, 'eventType: '],
  ['a sessionId of 200 emoji', { sessionId: emoji200 }, 'sessionId: '],
];

describe('what the /data model accepts and only the consumer can refuse', () => {
  const personalizeEvents = mockClient(PersonalizeEventsClient);
  const personalize = mockClient(PersonalizeClient);
  const s3 = mockClient(S3Client);

  beforeEach(() => {
    personalizeEvents.reset();
    personalize.reset();
    s3.reset();
    trackingIds.clear();
    restoreFunctionEnvironment();
    personalizeEvents.on(PutEventsCommand).resolves({ $metadata: { httpStatusCode: 200 } });
    mockEventTrackers(personalize);
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
  });

  afterAll(() => {
    personalizeEvents.restore();
    personalize.restore();
    s3.restore();
  });

  it('keeps a 256-character ASCII id within the model (a maxLength of 128 would refuse it)', () => {
    expect(dataModel(dataBody({ userId: 'u'.repeat(256) }))).toBe(true);
    expect(putEventsRequest.safeParse(batch({ userId: 'u'.repeat(256) })).success).toBe(true);
  });

  it.each(ACCEPTED_THEN_REFUSED)(
    '%s: the model accepts it; the consumer sets it aside under consumer/ with its error',
    async (_case, overrides, error) => {
      expect(dataModel(dataBody(overrides))).toBe(true);

      const record = kinesisRecord(batch(overrides), { sequenceNumber: sequenceNumber(1) });
      const result = await handler(kinesisEvent([record]), lambdaContext());

      expect(result).toEqual({ batchItemFailures: [] });
      expect(personalizeEvents).not.toHaveReceivedCommand(PutEventsCommand);
      const written = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(written).toHaveLength(1);
      expect(written[0]?.Bucket).toBe(FAILED_RECORDS_BUCKET);
      expect(written[0]?.Key).toMatch(/^consumer\//);
      const body = JSON.parse(written[0]?.Body as string) as ConsumerFailures;
      expect(body.records).toEqual([
        expect.objectContaining({ sequenceNumber: sequenceNumber(1), error: expect.stringContaining(error) }),
      ]);
    },
  );
});
