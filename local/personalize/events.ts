import type { EmulatorContext } from './context';
import { invalidInput, notFound } from './errors';
import {
  checkPropertiesAgainstSchema,
  itemFromValues,
  parseProperties,
  prefixed,
  userFieldsFromValues,
} from './properties';
import type { DatasetRecord, DatasetType, SchemaRecord } from './store';
import {
  asBody,
  optionalList,
  optionalString,
  requiredArn,
  requiredList,
  requiredString,
  type RequestBody,
} from './validation';

// The events API (PutEvents, PutItems, PutUsers): each call appends to the live log before it is answered.

export function putEvents(ctx: EmulatorContext, body: RequestBody): void {
  const trackingId = requiredString(body, 'trackingId', { min: 1, max: 256 });
  const userId = optionalString(body, 'userId', { min: 1, max: 256 });
  const sessionId = requiredString(body, 'sessionId', { min: 1, max: 256 });
  const eventList = requiredList(body, 'eventList', 1, 10).map((e, i) =>
    parseEvent(asBody(e, `eventList.${i + 1}`), i + 1),
  );
  const tracker = ctx.store.list('eventTracker', (t) => t.trackingId === trackingId)[0];
  // The model declares only InvalidInputException for PutEvents: an unknown (or deleted) tracker is bad input.
  if (!tracker || tracker.status !== 'ACTIVE') {
    throw invalidInput(
      `Invalid trackingId ${trackingId}: no ACTIVE event tracker has it${tracker ? ` (event tracker ${tracker.arn} is ${tracker.status})` : ''}`,
    );
  }
  const seen = new Set<string>();
  const accepted = eventList.filter((event) => {
    if (event.eventId === undefined) return true;
    // As Personalize documents: events after the first with the same eventId (in the tracker's dataset
    // group) are not used. A retried call is acknowledged again but recorded once.
    const duplicate =
      seen.has(event.eventId) || ctx.store.isDuplicateEvent(tracker.datasetGroupArn, event.eventId);
    seen.add(event.eventId);
    return !duplicate;
  });
  ctx.serviceMetrics.countPutEvents(
    tracker.arn,
    eventList.map((event) => event.eventType),
  );
  ctx.store.appendLive(
    accepted
      .filter((event) => event.itemId !== undefined)
      .map((event) => ({
        kind: 'event' as const,
        datasetGroupArn: tracker.datasetGroupArn,
        trackerArn: tracker.arn,
        sessionId,
        eventId: event.eventId,
        // Anonymous events are attributed to the session, as Personalize does until a userId arrives.
        interaction: {
          userId: userId ?? sessionId,
          itemId: event.itemId ?? '',
          eventType: event.eventType,
          timestamp: event.sentAt,
        },
      })),
  );
  // Impressions (impressions.ts): what the user was shown and did not interact with, by recommendationId or listed.
  ctx.impressions.record(tracker.datasetGroupArn, userId ?? sessionId, accepted);
}

export function putItems(ctx: EmulatorContext, body: RequestBody): void {
  const { dataset, schema } = activeDatasetOf(ctx, body, 'Items');
  const items = requiredList(body, 'items', 1, 10).map((value, i) => {
    const at = `items.${i + 1}`;
    const item = prefixed(asBody(value, at), at);
    const itemId = requiredString(item, `${at}.itemId`, { min: 1, max: 256 });
    const properties = checkPropertiesAgainstSchema(
      parseProperties(item[`${at}.properties`], `${at}.properties`, 32000),
      schema,
      'ITEM_ID',
      `${at}.properties`,
    );
    return itemFromValues(itemId, properties, schema.fields);
  });
  ctx.store.appendLive(
    items.map((item) => ({ kind: 'item' as const, datasetGroupArn: dataset.datasetGroupArn, item })),
  );
}

export function putUsers(ctx: EmulatorContext, body: RequestBody): void {
  const { dataset, schema } = activeDatasetOf(ctx, body, 'Users');
  const users = requiredList(body, 'users', 1, 10).map((value, i) => {
    const at = `users.${i + 1}`;
    const user = prefixed(asBody(value, at), at);
    const userId = requiredString(user, `${at}.userId`, { min: 1, max: 256 });
    const values = checkPropertiesAgainstSchema(
      parseProperties(user[`${at}.properties`], `${at}.properties`, 24000),
      schema,
      'USER_ID',
      `${at}.properties`,
    );
    return { userId, fields: userFieldsFromValues(values, schema.fields) };
  });
  ctx.store.appendLive(
    users.map(({ userId, fields }) => ({
      kind: 'user' as const,
      datasetGroupArn: dataset.datasetGroupArn,
      userId,
      ...(Object.keys(fields).length > 0 ? { fields } : {}),
    })),
  );
}

function activeDatasetOf(
  ctx: EmulatorContext,
  body: RequestBody,
  type: DatasetType,
): { dataset: DatasetRecord; schema: SchemaRecord } {
  const arn = requiredArn(body, 'datasetArn');
  const dataset = ctx.store.find('dataset', arn);
  if (!dataset || dataset.status !== 'ACTIVE') throw notFound(`Could not find an ACTIVE dataset ${arn}`);
  if (dataset.datasetType !== type)
    throw invalidInput(`Dataset ${arn} is a ${dataset.datasetType} dataset, not ${type}`);
  const schema = ctx.store.find('schema', dataset.schemaArn);
  if (!schema) throw notFound(`Could not find the schema ${dataset.schemaArn} of dataset ${arn}`);
  return { dataset, schema };
}

interface ParsedEvent {
  readonly eventType: string;
  readonly sentAt: number;
  readonly eventId?: string;
  readonly itemId?: string;
  readonly recommendationId?: string;
  readonly impression?: readonly string[];
}

/** Keys an event's `properties` may not use: they are fields of the event itself. */
const RESERVED_EVENT_PROPERTIES = [
  'userid',
  'sessionid',
  'eventtype',
  'timestamp',
  'recommendationid',
  'impression',
];

function parseEvent(event: RequestBody, position: number): ParsedEvent {
  const at = `eventList.${position}`;
  const field = (name: string) => `${at}.${name}`;
  const e = prefixed(event, at);
  const eventType = requiredString(e, field('eventType'), { min: 1, max: 256 });
  const eventId = optionalString(e, field('eventId'), { min: 1, max: 256 });
  const itemId = optionalString(e, field('itemId'), { min: 1, max: 256 });
  const recommendationId = optionalString(e, field('recommendationId'), { min: 1, max: 40 });
  const eventValue = event['eventValue'];
  if (
    eventValue !== undefined &&
    eventValue !== null &&
    (typeof eventValue !== 'number' || !Number.isFinite(eventValue))
  ) {
    throw invalidInput(
      `1 validation error detected: Value at '${field('eventValue')}' failed to satisfy constraint: Member must be a number`,
    );
  }
  const properties = parseProperties(event['properties'], field('properties'), 1024);
  const reserved = Object.keys(properties).find((k) => RESERVED_EVENT_PROPERTIES.includes(k.toLowerCase()));
  if (reserved !== undefined) {
    throw invalidInput(
      `Value at '${field('properties')}' may not use the key ${reserved}: userId, sessionId, eventType, timestamp, recommendationId and impression are fields of the event`,
    );
  }
  const impression = optionalList(e, field('impression'), 1, 25);
  impression?.forEach((value, i) => {
    if (typeof value !== 'string' || value.length < 1 || value.length > 256) {
      throw invalidInput(
        `1 validation error detected: Value at '${field(`impression.${i + 1}`)}' failed to satisfy constraint: Member must be a string of length 1 to 256`,
      );
    }
  });
  if (event['metricAttribution'] !== undefined && event['metricAttribution'] !== null) {
    const attribution = prefixed(
      asBody(event['metricAttribution'], field('metricAttribution')),
      field('metricAttribution'),
    );
    requiredString(attribution, field('metricAttribution.eventAttributionSource'), { min: 1, max: 1024 });
  }
  const sentAt = parseTimestamp(event['sentAt'], field('sentAt'));
  return {
    eventType,
    sentAt,
    eventId,
    itemId,
    ...(recommendationId !== undefined ? { recommendationId } : {}),
    ...(impression ? { impression: impression as string[] } : {}),
  };
}

function parseTimestamp(value: unknown, field: string): number {
  if (value === undefined || value === null) {
    throw invalidInput(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const seconds =
    typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) / 1000 : NaN;
  if (!Number.isFinite(seconds)) throw invalidInput(`Value at '${field}' is not a timestamp`);
  return seconds;
}
