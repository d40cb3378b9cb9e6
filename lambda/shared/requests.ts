/**
 * Request payloads of the HTTP API, as zod schemas. They are the single definition of what a valid
 * request is: the handlers parse with them (a 400 that names the field), and the route table turns them
 * into the JSON-schema models API Gateway validates with before a Lambda function is even invoked.
 */
import { z } from 'zod';

const arn = (resource: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .regex(new RegExp(`^arn:aws[a-z-]*:personalize:[a-z0-9-]*:[0-9]*:${resource}/.+$`), {
      message: `must be a Personalize ${resource} ARN`,
    });

/** Personalize resource names: letters, digits, `-` and `_`, starting with a letter or digit. */
export const personalizeName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9\-_]*$/, { message: 'must match ^[a-zA-Z0-9][a-zA-Z0-9-_]*$' });

const ISO_DATE_MESSAGE =
  'must be an ISO 8601 date (2022-01-01) or date-time with a time zone (2022-01-01T10:00:00Z)';

/** `true` when the `YYYY-MM-DD` the value starts with is a calendar day (`Date.parse` rolls 02-30 over to March). */
function isCalendarDay(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Dates as ISO 8601 strings: a bare date, or a date-time with `Z` or an offset. The pattern is in the
 * JSON-schema model, so API Gateway rejects a bad date on `POST /data` before it reaches the stream (where
 * `Date.parse` would take `"1"` for 2001 and `"March 7"` for 2001-03-07). A time without a zone is refused:
 * JavaScript reads it as local time, which differs between Lambda (UTC) and a developer's machine.
 */
const isoDate = z
  .string()
  .max(64)
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/, {
    message: ISO_DATE_MESSAGE,
    abort: true, // one message per bad date, not the pattern's and the calendar check's
  })
  .refine((value) => isCalendarDay(value) && !Number.isNaN(Date.parse(value)), { message: ISO_DATE_MESSAGE });

/** Most events one interaction batch may expand to (each becomes one event; 10 events per PutEvents call). */
export const MAX_INTERACTIONS_PER_BATCH = 1000;

/**
 * An interaction batch (the seed's `Data`): `interactions` events of `eventType` by `userId` on `itemId`,
 * with timestamps spread over [dateFrom, dateTo] (no range: now).
 */
export const interactionBatchSchema = z.object({
  userId: z.string().min(1).max(256),
  itemId: z.string().min(1).max(256),
  eventType: z.string().min(1).max(256),
  trackingId: z.string().min(1).max(256),
  interactions: z.number().int().min(1).max(MAX_INTERACTIONS_PER_BATCH),
  dateFrom: isoDate.optional(),
  dateTo: isoDate.optional(),
  /** Optional: derived deterministically from the user when absent. */
  sessionId: z.string().min(1).max(256).optional(),
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

export const createCampaignRequest = z.object({
  solutionVersionArn: arn('solution'),
  name: personalizeName,
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

/** Query string of `GET /getRecommendations` (all values arrive as strings). */
export const getRecommendationsQuery = z.object({
  campaignArn: arn('campaign'),
  userId: z.string().min(1).max(256),
  numResults: z
    .string()
    .regex(/^[0-9]+$/, { message: 'must be a whole number from 1 to 500' })
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .optional(),
});

/** `POST /data`: the seed's Kinesis PutRecord body. `stream-name` is accepted and ignored. */
export const putRecordRequest = z.object({
  'stream-name': z.string().max(128).optional(),
  Data: interactionBatchSchema,
  PartitionKey: z.string().min(1).max(256),
});

/** `POST /putEvents`: the interaction batch itself. */
export const putEventsRequest = interactionBatchSchema;

export const deleteResourcesRequest = z.object({
  campaignArn: arn('campaign'),
  eventTrackerArn: arn('event-tracker'),
});
