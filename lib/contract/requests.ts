/**
 * Request payloads of the HTTP API, as zod schemas. They are the single definition of what a valid
 * request is: the handlers parse with them (a 400 that names the field), and the route table turns them
 * into the JSON-schema models API Gateway validates with before a Lambda function is even invoked.
 */
import * as z from 'zod';
import { INPUT_LIST_MAX } from './recipes';

const arn = (resource: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .regex(new RegExp(`^arn:aws[a-z-]*:personalize:[a-z0-9-]*:[0-9]*:${resource}/.+$`), {
      message: `must be a Personalize ${resource} ARN`,
    });

/**
 * The Personalize name rule, defined once for the API, the stack and the emulator: letters, digits, `-` and
 * `_`, starting with a letter or digit, 1 to 63 characters. The pattern is the service model's text (matched
 * against the whole value; the emulator quotes it in its validation errors).
 */
export const PERSONALIZE_NAME_MODEL_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9\\-_]*';
export const PERSONALIZE_NAME_PATTERN = new RegExp(`${PERSONALIZE_NAME_MODEL_PATTERN}$`);
export const PERSONALIZE_NAME_MAX_LENGTH = 63;

/** Personalize resource names in a request: the name rule above. */
const personalizeName = z
  .string()
  .min(1)
  .max(PERSONALIZE_NAME_MAX_LENGTH)
  .regex(PERSONALIZE_NAME_PATTERN, { message: 'must match ^[a-zA-Z0-9][a-zA-Z0-9-_]*$' });

const ISO_DATE_MESSAGE =
  'must be an ISO 8601 date (2022-01-01) or date-time with a time zone (2022-01-01T10:00:00Z), year 0100 to 9999';

/** `true` when the `YYYY-MM-DD` the value starts with is a calendar day (`Date.parse` rolls 02-30 over to March). */
function isCalendarDay(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Years 0100-9999. JavaScript's Date reads the years 0-99 of Date.UTC as 1900-1999, so the calendar check
 * (and every date computed from such a batch) would take 0050 for 1950: the batch passed the gateway and
 * was set aside by the consumer. The model refuses them at the gateway.
 */
const YEAR = '(?:0[1-9][0-9]{2}|[1-9][0-9]{3})';

/**
 * `MM-DD` of a day that can exist: days 01-31 in January, March, May, July, August, October and December,
 * 01-30 in April, June, September and November, 01-29 in February. Whether February 29 exists depends on
 * the year, which a regular expression cannot tell: the leap-day check is a refinement (isCalendarDay).
 */
const MONTH_DAY =
  '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|[12][0-9]))';
/** `Thh:mm`, `Thh:mm:ss` or `Thh:mm:ss.fraction`: hours 00-23, minutes and seconds 00-59 (no leap second). */
const TIME = 'T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,9})?)?';
/** `Z`, or an offset within the ±14:00 that time zones span. */
const ZONE = '(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))';

/**
 * A bare ISO 8601 date (`2022-01-01`) or a date-time with a time zone (`2022-01-01T10:00:00Z`), every field
 * in range. It is the `pattern` of the JSON-schema models, so API Gateway itself refuses a month 13, a
 * February 30, an hour 25 or an offset of +99:99 on `POST /data`, before the batch reaches the stream.
 */
export const ISO_DATE_PATTERN = new RegExp(`^${YEAR}-${MONTH_DAY}(?:${TIME}${ZONE})?$`);

/**
 * Dates as ISO 8601 strings: a bare date, or a date-time with `Z` or an offset. The pattern is in the
 * JSON-schema model, so API Gateway rejects a bad date on `POST /data` before it reaches the stream (where
 * `Date.parse` would take `"1"` for 2001 and `"March 7"` for 2001-03-07). A time without a zone is refused:
 * JavaScript reads it as local time, which differs between Lambda (UTC) and a developer's machine. What the
 * pattern cannot tell, February 29 of a year that is not a leap year, only the refinement refuses (a
 * refinement is not part of the JSON schema: on `POST /data` the consumer finds it after acceptance).
 */
const isoDate = z
  .string()
  .max(64)
  .regex(ISO_DATE_PATTERN, {
    message: ISO_DATE_MESSAGE,
    abort: true, // one message per bad date, not the pattern's and the calendar check's
  })
  .refine((value) => isCalendarDay(value) && !Number.isNaN(Date.parse(value)), { message: ISO_DATE_MESSAGE });

/** Idempotency keys: 1 to 64 ASCII letters, digits, `.`, `_`, `:` or `-` (a UUID, a ULID, `order-42:retry`). */
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const IDEMPOTENCY_KEY_MESSAGE =
  'must be 1 to 64 characters, each a letter, a digit or one of . _ : - (ASCII)';

/** PutEvents' limits on an event's recommendationId (characters) and impression (item ids). */
const RECOMMENDATION_ID_MAX_LENGTH = 40;
const MAX_IMPRESSION_ITEMS = 25;

/** Most events one interaction batch may expand to (each becomes one event; 10 events per PutEvents call). */
const MAX_INTERACTIONS_PER_BATCH = 1000;

const PERSONALIZE_ID_MESSAGE =
  'must be at most 256 UTF-16 code units (Personalize counts each character beyond U+FFFF, e.g. an emoji, as 2)';

/**
 * Ids Personalize takes (user, item, session, tracking id, event type): 1 to 256 UTF-16 code units. `max`
 * counts code points (zod, like the JSON schema's `maxLength`), so a refinement counts the UTF-16 units. A
 * refinement is not part of the JSON schema: an id of at most 256 code points but more than 256 units (e.g.
 * 200 emoji, two units each) passes API Gateway's validator, and is refused by the handler on
 * `POST /putEvents`, by the consumer after acceptance on `POST /data`. A `maxLength` of 128 would guarantee
 * 256 units but refuse valid 129-256 character ASCII ids, so the model keeps 256, exact for every id of the
 * Basic Multilingual Plane.
 */
const personalizeId = () =>
  z
    .string()
    .min(1)
    .max(256, { abort: true })
    .refine((value) => value.length <= 256, { message: PERSONALIZE_ID_MESSAGE });

/**
 * An interaction batch (the seed's `Data`): `interactions` events of `eventType` by `userId` on `itemId`,
 * with timestamps spread over [dateFrom, dateTo] (no range: now).
 */
export const interactionBatchSchema = z.object({
  userId: personalizeId(),
  itemId: personalizeId(),
  eventType: personalizeId(),
  trackingId: personalizeId(),
  interactions: z.number().int().min(1).max(MAX_INTERACTIONS_PER_BATCH),
  dateFrom: isoDate.optional(),
  dateTo: isoDate.optional(),
  /** Optional: derived deterministically from the user when absent. */
  sessionId: personalizeId().optional(),
  /**
   * Optional: the recommendationId of the list (GetRecommendations or GetPersonalizedRanking) the item was
   * chosen from. Personalize derives the impressions from it: the other items of that list were shown and not
   * chosen (https://docs.aws.amazon.com/personalize/latest/dg/putevents-including-impressions-data.html). 1 to 40
   * characters, as PutEvents takes it.
   */
  recommendationId: z
    .string()
    .min(1)
    .max(RECOMMENDATION_ID_MAX_LENGTH, {
      message: `must be at most ${RECOMMENDATION_ID_MAX_LENGTH} characters, as Personalize gives it`,
    })
    .optional(),
  /**
   * Optional: the items that were visible when the user chose this one (explicit impressions), 1 to 25 item ids;
   * Personalize uses them instead of the recommendationId's list when both are given.
   */
  impression: z.array(personalizeId()).min(1).max(MAX_IMPRESSION_ITEMS).optional(),
  /**
   * Optional: makes a retry safe. The batch's event ids derive from it (events.ts `eventIdPrefixOf`), so the
   * same batch sent again under the same key has the same event ids, and Personalize does not use the
   * repeats in training. Without it, ids derive from the API request id (`/putEvents`) or the Kinesis
   * sequence number (`/data`), both new on a client's retry.
   */
  idempotencyKey: z
    .string()
    .min(1, { message: IDEMPOTENCY_KEY_MESSAGE, abort: true })
    .max(64, { message: IDEMPOTENCY_KEY_MESSAGE, abort: true })
    .regex(IDEMPOTENCY_KEY_PATTERN, { message: IDEMPOTENCY_KEY_MESSAGE })
    .optional(),
});
export type InteractionBatch = z.infer<typeof interactionBatchSchema>;

export const createSolutionVersionRequest = z.object({
  solutionArn: arn('solution'),
  /** The solution version's name, as in the seed. */
  version: personalizeName,
  trainingMode: z.enum(['FULL', 'UPDATE', 'AUTOTRAIN']).optional(),
});

export const describeSolutionVersionRequest = z.object({
  solutionVersionArn: arn('solution'),
});

/**
 * The most provisioned TPS `POST /campaign` may ask for. A campaign bills its minProvisionedTPS every hour it
 * exists, used or not (Personalize scales above it on demand, billing only what is used), so a typo of 500
 * would bill 500 TPS-hours an hour. Raise it here, deliberately, if a workload needs a higher floor.
 */
export const MAX_MIN_PROVISIONED_TPS = 10;

const MIN_PROVISIONED_TPS_MESSAGE = `must be a whole number from 1 to ${MAX_MIN_PROVISIONED_TPS} (the cap, MAX_MIN_PROVISIONED_TPS: it bills every hour)`;

/**
 * CreateCampaign's campaignConfig (botocore's CampaignConfig). itemExplorationConfig's values are strings, as the
 * service model's HyperParameters map has them: explorationWeight from 0 to 1 (0: no exploration), and
 * explorationItemAgeCutOff in days (User-Personalization recipe page, "Properties and hyperparameters").
 */
const campaignConfig = z.strictObject({
  itemExplorationConfig: z
    .strictObject({
      explorationWeight: z
        .string()
        .regex(/^(0(\.[0-9]+)?|1(\.0+)?)$/, { message: 'must be a decimal from 0 to 1, as a string ("0.3")' })
        .optional(),
      explorationItemAgeCutOff: z
        .string()
        .regex(/^[0-9]+(\.[0-9]+)?$/, { message: 'must be a number of days, as a string ("30")' })
        .refine((value) => Number(value) > 0, { message: 'must be more than 0 days' })
        .optional(),
    })
    .optional(),
  enableMetadataWithRecommendations: z.boolean().optional(),
  syncWithLatestSolutionVersion: z.boolean().optional(),
});

export const createCampaignRequest = z.object({
  solutionVersionArn: arn('solution'),
  name: personalizeName,
  campaignConfig: campaignConfig.optional(),
  minProvisionedTPS: z
    .number()
    .int({ message: MIN_PROVISIONED_TPS_MESSAGE })
    .min(1, { message: MIN_PROVISIONED_TPS_MESSAGE })
    .max(MAX_MIN_PROVISIONED_TPS, { message: MIN_PROVISIONED_TPS_MESSAGE })
    .optional(),
});

export const describeCampaignRequest = z.object({
  campaignArn: arn('campaign'),
});

export const createEventTrackerRequest = z.object({
  name: personalizeName,
  datasetGroupArn: arn('dataset-group'),
});

/**
 * A filter's values, as GetRecommendations takes them (`filterValues`, botocore personalize-runtime): a JSON
 * object in the query string (URL-encoded), at most 25 entries, each key a parameter name `[A-Za-z0-9_]+` of at
 * most 50 characters, each value a string of at most 1,000 (the values, quoted and comma-separated:
 * `{"GENRE": "\"Comedy\",\"Drama\""}`).
 */
const filterValues = z
  .string()
  .max(30_000)
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({
        code: 'custom',
        message: 'must be a JSON object (URL-encoded), e.g. {"GENRE":"\\"Comedy\\""}',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .record(
        z
          .string()
          .max(50)
          .regex(/^[A-Za-z0-9_]+$/, { message: 'keys must be parameter names: [A-Za-z0-9_]+' }),
        z.string().max(1000),
      )
      .refine((values) => Object.keys(values).length <= 25, { message: 'must have at most 25 entries' }),
  );

/**
 * Query string of `GET /getRecommendations` (all values arrive as strings). Which of `userId` and `itemId` a
 * campaign needs depends on its recipe type (lib/contract/recipes.ts): Personalize names the missing one.
 */
export const getRecommendationsQuery = z
  .object({
    campaignArn: arn('campaign'),
    userId: personalizeId().optional(),
    itemId: personalizeId().optional(),
    numResults: z
      .string()
      .regex(/^[0-9]+$/, { message: 'must be a whole number from 1 to 500' })
      .transform(Number)
      .pipe(z.number().int().min(1).max(500))
      .optional(),
    /** A filter of the dataset group (GET /status lists them; the stack outputs its own). */
    filterArn: arn('filter').optional(),
    filterValues: filterValues.optional(),
    /** A promotion: this share of the results (1 to 100 percent) from the items `promotionFilterArn` lets through. */
    promotionFilterArn: arn('filter').optional(),
    promotionFilterValues: filterValues.optional(),
    promotionPercent: z
      .string()
      .regex(/^[0-9]+$/, { message: 'must be a whole number from 1 to 100' })
      .transform(Number)
      .pipe(z.number().int().min(1).max(100))
      .optional(),
    promotionName: personalizeName.optional(),
  })
  .superRefine((query, context) => {
    if (query.filterValues !== undefined && query.filterArn === undefined) {
      context.addIssue({ code: 'custom', path: ['filterValues'], message: 'is given without a filterArn' });
    }
    const promotion = [query.promotionFilterArn, query.promotionPercent, query.promotionFilterValues];
    if (promotion.some((v) => v !== undefined) && query.promotionFilterArn === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['promotionFilterArn'],
        message: 'is required for a promotion (with promotionPercent)',
      });
    }
    if (query.promotionFilterArn !== undefined && query.promotionPercent === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['promotionPercent'],
        message: 'is required for a promotion: the share of the results to promote, 1 to 100',
      });
    }
  });

/** `POST /getPersonalizedRanking`: the items of `inputList` ordered for `userId` (a PERSONALIZED_RANKING campaign). */
export const getPersonalizedRankingRequest = z.object({
  campaignArn: arn('campaign'),
  userId: personalizeId(),
  inputList: z.array(personalizeId()).min(1).max(INPUT_LIST_MAX),
});

/** `POST /data`: the seed's Kinesis PutRecord body. `stream-name` is accepted and ignored. */
export const putRecordRequest = z.object({
  'stream-name': z.string().max(128).optional(),
  Data: interactionBatchSchema,
  PartitionKey: z.string().min(1).max(256),
});

/** `POST /putEvents`: the interaction batch itself, named as the route table names each route's body. @alias */
export const putEventsRequest = interactionBatchSchema;

/**
 * Either or both: a walkthrough deletes the campaign it made (it bills hourly) and may keep the dataset group's
 * one event tracker for the next run.
 */
export const deleteResourcesRequest = z
  .object({
    campaignArn: arn('campaign').optional(),
    eventTrackerArn: arn('event-tracker').optional(),
  })
  .refine((request) => request.campaignArn !== undefined || request.eventTrackerArn !== undefined, {
    message: 'name campaignArn, eventTrackerArn or both',
    path: ['campaignArn'],
  });

/**
 * PutItems and PutUsers limits, from botocore's personalize-events 2018-03-22 service model (botocore 1.43.67):
 * `ItemList` / `UserList` 1 to 10 members, `itemId` / `userId` 1 to 256 characters, `properties` a JSON string
 * of 1 to 32,000 characters for an item (`ItemProperties`) and 24,000 for a user (`UserProperties`).
 */
const CATALOGUE_LIMITS = {
  recordsPerCall: 10,
  itemPropertiesMaxLength: 32_000,
  userPropertiesMaxLength: 24_000,
} as const;

/** A record's properties: field (camelCase, as PutItems/PutUsers name them) → value; checked against the schema. */
const recordProperties = (maxLength: number) =>
  z
    .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .refine((properties) => JSON.stringify(properties).length <= maxLength, {
      message: `must be at most ${maxLength} characters as JSON`,
    });

/** `POST /items`: items to add or update in the stack's Items dataset (PutItems). */
export const putItemsRequest = z.object({
  /** @default the stack's Items dataset; another dataset is refused */
  datasetArn: arn('dataset').optional(),
  items: z
    .array(
      z.object({
        itemId: personalizeId(),
        properties: recordProperties(CATALOGUE_LIMITS.itemPropertiesMaxLength).optional(),
      }),
    )
    .min(1)
    .max(CATALOGUE_LIMITS.recordsPerCall),
});

/** `POST /users`: users to add or update in the stack's Users dataset (PutUsers). */
export const putUsersRequest = z.object({
  /** @default the stack's Users dataset; another dataset is refused */
  datasetArn: arn('dataset').optional(),
  users: z
    .array(
      z.object({
        userId: personalizeId(),
        properties: recordProperties(CATALOGUE_LIMITS.userPropertiesMaxLength).optional(),
      }),
    )
    .min(1)
    .max(CATALOGUE_LIMITS.recordsPerCall),
});
