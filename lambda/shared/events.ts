/**
 * From an interaction batch (the seed's `Data`) to PutEvents calls. Shared by the Kinesis consumer and
 * `POST /putEvents`, so both send exactly the same events for the same batch.
 */
import { createHash } from 'node:crypto';
import type { Event, PutEventsCommandInput } from '@aws-sdk/client-personalize-events';
import { ValidationError } from './errors';
import type { InteractionBatch } from '../../lib/contract/requests';

/** PutEvents accepts at most 10 events per call. */
export const MAX_EVENTS_PER_PUT_EVENTS = 10;

const DAY_MS = 24 * 60 * 60 * 1000;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One event to send, with the tracker, user and session it is sent under. */
export interface InteractionEvent {
  readonly trackingId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly event: Event & { eventId: string; itemId: string; sentAt: Date };
}

/**
 * The session id of a user's events when the client gives none: the same for every event of one user on one
 * tracker, across records and retries (the seed's random id per event broke Personalize's session-based updates).
 */
export function sessionIdFor(trackingId: string, userId: string): string {
  const digest = createHash('sha256').update(`${trackingId}\n${userId}`).digest('hex');
  return `session-${digest.slice(0, 32)}`;
}

/**
 * The time range an interaction batch covers, in epoch milliseconds. A bare date as `dateTo` means the end of
 * that day (inclusive); a bare date as `dateFrom`, its start. Without `dateTo` the range ends now; without
 * `dateFrom` it starts where it ends (all events at `dateTo`, or now).
 */
function interactionRange(
  batch: Pick<InteractionBatch, 'dateFrom' | 'dateTo'>,
  now: Date,
): { from: number; to: number } {
  const to =
    batch.dateTo === undefined
      ? now.getTime()
      : Date.parse(batch.dateTo) + (BARE_DATE.test(batch.dateTo) ? DAY_MS - 1 : 0);
  const from = batch.dateFrom === undefined ? to : Date.parse(batch.dateFrom);
  if (Number.isNaN(from)) throw new ValidationError('dateFrom', 'must be an ISO 8601 date, e.g. 2022-01-01');
  if (Number.isNaN(to)) throw new ValidationError('dateTo', 'must be an ISO 8601 date, e.g. 2022-01-01');
  if (from > to) {
    throw new ValidationError(
      'dateFrom',
      batch.dateTo === undefined
        ? 'must not be in the future when dateTo is not given'
        : 'must not be after dateTo',
    );
  }
  return { from, to };
}

/**
 * The event-id prefix of a batch sent with an idempotency key: `key-` and 32 hex digits of a SHA-256 of the
 * tracking id, the user and the key. The same key on the same tracker and user always gives the same ids (a
 * key need only be unique per user); event `i` is `key-<hash>-<i>`, at most 40 characters (Personalize
 * takes 256).
 */
export function idempotentEventIdPrefix(
  batch: Pick<InteractionBatch, 'trackingId' | 'userId'> & { idempotencyKey: string },
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([batch.trackingId, batch.userId, batch.idempotencyKey]))
    .digest('hex');
  return `key-${digest.slice(0, 32)}`;
}

/** The prefix of a batch's event ids: from its idempotency key if it has one, else the caller's. */
function eventIdPrefixOf(batch: InteractionBatch, options: Pick<ExpandOptions, 'eventIdPrefix'>): string {
  const { idempotencyKey } = batch;
  return idempotencyKey === undefined
    ? options.eventIdPrefix
    : idempotentEventIdPrefix({ ...batch, idempotencyKey });
}

export interface ExpandOptions {
  /**
   * Prefix of the event ids of a batch without an idempotency key: the Kinesis sequence number of the
   * record, or the API request id. Event `i` gets `${eventIdPrefix}-${i}`, so a record retried by Lambda (or
   * replayed) sends the same events. A client's retry is a new request or record, with a new prefix: only an
   * `idempotencyKey` in the batch, which replaces this prefix, makes it send the same event ids.
   */
  readonly eventIdPrefix: string;
  /** The current time, for a batch without `dateTo`. */
  readonly now: Date;
}

/**
 * The `interactions` events an interaction batch stands for, oldest first, their timestamps spread evenly
 * over [dateFrom, dateTo] (the first at dateFrom, the last at dateTo; a single event at dateTo).
 * Deterministic: the same batch and options give the same events. With an idempotency key, the event ids
 * depend on the batch alone (idempotentEventIdPrefix), not on `options.eventIdPrefix`.
 */
export function expandInteractions(batch: InteractionBatch, options: ExpandOptions): InteractionEvent[] {
  const { from, to } = interactionRange(batch, options.now);
  const count = batch.interactions;
  const step = count > 1 ? (to - from) / (count - 1) : 0;
  const sessionId = batch.sessionId ?? sessionIdFor(batch.trackingId, batch.userId);
  const eventIdPrefix = eventIdPrefixOf(batch, options);
  return Array.from({ length: count }, (_, index) => ({
    trackingId: batch.trackingId,
    userId: batch.userId,
    sessionId,
    event: {
      eventId: `${eventIdPrefix}-${index}`,
      eventType: batch.eventType,
      itemId: batch.itemId,
      sentAt: new Date(count > 1 ? Math.round(from + step * index) : to),
      // Every event of the batch was chosen from the same list: each carries its impressions.
      ...(batch.recommendationId !== undefined ? { recommendationId: batch.recommendationId } : {}),
      ...(batch.impression !== undefined ? { impression: [...batch.impression] } : {}),
    },
  }));
}

function sameSender(a: InteractionEvent, b: InteractionEvent): boolean {
  return a.trackingId === b.trackingId && a.userId === b.userId && a.sessionId === b.sessionId;
}

/** One PutEvents call's input, its event list always present. */
export type PutEventsCall = PutEventsCommandInput & { eventList: Event[] };

/**
 * Groups events, in order, into PutEvents calls of at most 10 events that share tracking id, user and
 * session (a call carries one of each). A new call starts whenever the sender changes.
 */
export function toPutEventsBatches(events: readonly InteractionEvent[]): PutEventsCall[] {
  const calls: PutEventsCall[] = [];
  let current: { first: InteractionEvent; input: PutEventsCall } | undefined;
  for (const event of events) {
    if (
      !current ||
      !sameSender(current.first, event) ||
      current.input.eventList.length >= MAX_EVENTS_PER_PUT_EVENTS
    ) {
      current = {
        first: event,
        input: {
          trackingId: event.trackingId,
          userId: event.userId,
          sessionId: event.sessionId,
          eventList: [],
        },
      };
      calls.push(current.input);
    }
    current.input.eventList.push(event.event);
  }
  return calls;
}
