/**
 * Sending interaction batches to Personalize: synchronously for `POST /putEvents`, and from Kinesis records
 * for the stream consumer (planned by consumer-plan.ts, sent by consumer-executor.ts, acknowledged here).
 * Clients come in as parameters, so both are testable without Lambda.
 */
import { setTimeout } from 'node:timers/promises';
import type { PutEventsCommandOutput, PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import type { S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { CONSUMER_DEAD_LETTER_LOG_MESSAGE } from '../../lib/contract/event-source-settings';
import { type RecordState, type StopReason, executeCalls } from './consumer-executor';
import { type DeliveryPlan, type PlannedCall, planDelivery } from './consumer-plan';
import { EventTrackerNotActiveError, HttpError, toHttpError } from './errors';
import { expandInteractions, toPutEventsBatches, type ExpandOptions } from './events';
import { type SetAside, putConsumerFailures } from './failed-records';
import type { Logger } from './logger';
import { recordMetric } from './metrics';
import { putEvents } from './put-events';
import { messageOf } from './records';
import type { InteractionBatch } from '../../lib/contract/requests';

/** One sent event, as `POST /putEvents` answers it (the seed's shape). */
export interface SentEvent {
  readonly itemId: string;
  readonly eventType: string;
  readonly userId: string;
  /** The response of the PutEvents call that carried the event. */
  readonly response: PutEventsCommandOutput;
}

/**
 * Expands the batch and sends it, 10 events per call, in order. If a call fails, the error says how many
 * events were already sent (`eventsSent`), since PutEvents cannot be undone.
 */
export async function sendInteractionBatch(
  client: PersonalizeEventsClient,
  batch: InteractionBatch,
  options: ExpandOptions,
  logger: Logger,
): Promise<SentEvent[]> {
  const sent: SentEvent[] = [];
  for (const call of toPutEventsBatches(expandInteractions(batch, options))) {
    let response: PutEventsCommandOutput;
    try {
      response = await putEvents(client, call, logger);
    } catch (thrown) {
      const error = toHttpError(thrown);
      throw new HttpError(
        error.statusCode,
        error.code,
        error.message,
        { eventsSent: sent.length },
        { cause: error.cause },
      );
    }
    for (const event of call.eventList) {
      sent.push({
        itemId: event.itemId ?? batch.itemId,
        eventType: event.eventType ?? batch.eventType,
        userId: batch.userId,
        response,
      });
    }
  }
  return sent;
}

export interface ConsumerDependencies {
  readonly personalizeEvents: PersonalizeEventsClient;
  readonly s3: S3Client;
  /** Where records set aside are kept (env FAILED_RECORDS_BUCKET); unset, they are retried instead. */
  readonly failedRecordsBucket: string | undefined;
  /**
   * Whether events for a tracking id may be sent: true for one of this stack's (trackers.ts
   * `acceptsEvents`), false for another's. Throws EventTrackerNotActiveError while its tracker is being
   * created; may throw any other error if it cannot tell. Either way the records are retried.
   */
  readonly isOwnTrackingId: (trackingId: string) => Promise<boolean>;
  /** The invocation's remaining time (`context.getRemainingTimeInMillis`); absent: no deadline. */
  readonly remainingTimeMs?: () => number;
  readonly logger: Logger;
  /** Most PutEvents calls in flight at once (default MAX_CALLS_IN_FLIGHT). */
  readonly concurrency?: number;
  /** How long to wait for an event tracker being created (default TRACKER_ACTIVATION_WAIT_MS). */
  readonly trackerActivationWaitMs?: number;
  /** Waits `ms`, for a tracker being created or a throttled call (tests pass one that does not). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * How long one invocation waits for an event tracker being created, asking every TRACKER_POLL_MS, before
 * Lambda retries the records. Waiting here rather than failing at once keeps the mapping's few retry attempts
 * (event-source-settings.ts) for real failures: a tracker takes seconds to become ACTIVE after
 * POST /eventTracker, and retries spent on it would send its first events to the on-failure destination.
 */
const TRACKER_ACTIVATION_WAIT_MS = 15_000;
export const TRACKER_POLL_MS = 1_000;

/**
 * Most PutEvents calls in flight at once, across senders. A batch of 100 records of 1,000 interactions is
 * 10,000 calls: one at a time they would outlast the function's timeout; all at once they would be throttled.
 */
const MAX_CALLS_IN_FLIGHT = 8;

/**
 * No call starts once the invocation's remaining time is below this margin: 10 s, or a quarter of the time
 * remaining when the invocation starts if that is less (a short timeout). It leaves the calls in flight time
 * to finish (the SDK's own retries included) and the failed records time to be written to S3.
 */
const DEADLINE_SAFETY_MARGIN_MS = 10_000;

/** True once no new call may start. */
function deadlineOf(remainingTimeMs: (() => number) | undefined): () => boolean {
  if (!remainingTimeMs) return () => false;
  const margin = Math.min(DEADLINE_SAFETY_MARGIN_MS, remainingTimeMs() / 4);
  return () => remainingTimeMs() <= margin;
}

type Stop = StopReason | 'tracking id lookup failed' | 'event tracker not active yet';

/**
 * Delivers a Kinesis batch to Personalize and answers the record Lambda must retry from (at most one batch
 * item failure: Kinesis checkpoints at the lowest reported sequence number and re-delivers it and every
 * record after it).
 *
 * - Nothing is acknowledged before Personalize accepted it: every record before the reported one was either
 *   delivered in full or set aside in the failed-records bucket (written before this function answers; if
 *   the write fails, the first record set aside is reported instead).
 * - Set aside at once, with its error, are records that cannot succeed as they are: malformed ones (bad
 *   base64, JSON or interaction batch), those for a tracking id that is not this stack's, and those PutEvents
 *   rejects with a non-retryable error (errors.ts `isRetryable`). A rejected call of several records is
 *   retried one record at a time, so only the records at fault are set aside; the rest go on.
 * - A tracking id whose event tracker is being created (trackers.ts) is waited for (TRACKER_ACTIVATION_WAIT_MS);
 *   if it is still not active, or tracking ids cannot be learnt, nothing is sent: the whole batch is retried,
 *   none of it set aside.
 * - A throttled call is made again within the invocation (consumer-executor.ts THROTTLE_RETRY_WINDOW_MS, never
 *   past the deadline). A retryable failure (throttling that lasted, 5xx, network, access denied) stops new
 *   calls; the calls in flight finish, and the earliest record not fully delivered is reported. So is the
 *   earliest one not yet sent when the deadline nears (deadlineOf).
 * - Senders (tracking id, user, session) are independent: up to MAX_CALLS_IN_FLIGHT calls are in flight,
 *   one per sender, each sender's calls in record order. Consecutive records of one sender share a call
 *   while their events fit (10), so a call carries whole records only, or one of the calls of a record of
 *   more than 10 events.
 * - What a retry repeats: the records after the reported one that were delivered in this invocation (calls
 *   of other senders that started before the stop), and the events of the reported record sent by its
 *   earlier calls (a record of more than 10 events). They are sent again with the same event ids: ids derive
 *   from the sequence number, a batch without `dateTo` ends at the record's arrival time, and a session id
 *   from the tracking id and the user (events.ts `sessionIdFor`), so a record always expands identically.
 */
export async function deliverRecords(
  records: readonly KinesisStreamRecord[],
  deps: ConsumerDependencies,
): Promise<KinesisStreamBatchResponse> {
  const plan = planDelivery(records);
  const states = initialStates(plan);
  const timeUp = deadlineOf(deps.remainingTimeMs);
  const screened = await screenTrackingIds(plan.lanes, states, deps, timeUp);
  const stop: Stop | undefined =
    screened.stop ??
    (await executeCalls(screened.lanes, states, {
      personalizeEvents: deps.personalizeEvents,
      logger: deps.logger,
      concurrency: deps.concurrency ?? MAX_CALLS_IN_FLIGHT,
      timeUp,
      position: new Map(plan.records.map((record, index) => [record.kinesis.sequenceNumber, index])),
      sleep: deps.sleep ?? setTimeout,
    }));
  return settle(plan, states, stop, deps);
}

function initialStates(plan: DeliveryPlan): Map<string, RecordState> {
  const states = new Map<string, RecordState>();
  for (const [sequenceNumber, calls] of plan.callsPerRecord) {
    states.set(sequenceNumber, { callsLeft: calls, eventsSent: 0 });
  }
  for (const { record, error } of plan.malformed) {
    const failure = { error, retryable: false, rejectedByPersonalize: false };
    states.set(record.kinesis.sequenceNumber, { callsLeft: 0, eventsSent: 0, failure });
  }
  return states;
}

/**
 * Whether the tracking id is the stack's own, waiting while its tracker is being created: at most
 * TRACKER_ACTIVATION_WAIT_MS, and never past the deadline. Still not active then, it throws.
 */
async function verdictOf(
  trackingId: string,
  deps: ConsumerDependencies,
  timeUp: () => boolean,
): Promise<boolean> {
  const waitMs = deps.trackerActivationWaitMs ?? TRACKER_ACTIVATION_WAIT_MS;
  const sleep = deps.sleep ?? setTimeout;
  for (let waited = 0; ; waited += TRACKER_POLL_MS) {
    try {
      return await deps.isOwnTrackingId(trackingId);
    } catch (error) {
      if (!(error instanceof EventTrackerNotActiveError) || waited >= waitMs || timeUp()) throw error;
      await sleep(TRACKER_POLL_MS);
    }
  }
}

/**
 * Sets aside the records of lanes whose tracking id is not this stack's, and answers the lanes to send. If
 * the tracking ids cannot be learnt (the lookup failed), or a tracker is still being created, that is no fault
 * of the records: they are retried (none is sent in this invocation).
 */
async function screenTrackingIds(
  lanes: ReadonlyArray<readonly PlannedCall[]>,
  states: ReadonlyMap<string, RecordState>,
  deps: ConsumerDependencies,
  timeUp: () => boolean,
): Promise<{ lanes: Array<readonly PlannedCall[]>; stop?: Stop }> {
  const verdicts = new Map<string, Promise<boolean>>();
  const kept: Array<readonly PlannedCall[]> = [];
  let stop: Stop | undefined;
  for (const lane of lanes) {
    const trackingId = lane[0]?.input.trackingId ?? '';
    if (!verdicts.has(trackingId)) verdicts.set(trackingId, verdictOf(trackingId, deps, timeUp));
    let own: boolean;
    try {
      own = await (verdicts.get(trackingId) as Promise<boolean>);
    } catch (error) {
      if (error instanceof EventTrackerNotActiveError) {
        deps.logger.warn('Event tracker still not active; Lambda retries the records', {
          trackingId,
          eventTrackerArn: error.eventTrackerArn,
          status: error.status,
        });
        stop ??= 'event tracker not active yet';
      } else {
        deps.logger.error('Tracking id lookup failed; Lambda retries the records', { trackingId, error });
        stop = 'tracking id lookup failed';
      }
      continue;
    }
    if (own) {
      kept.push(lane);
      continue;
    }
    const error = `trackingId ${trackingId} is not the tracking id of an event tracker of this stack's dataset group`;
    for (const part of lane.flatMap((call) => call.parts)) {
      const state = states.get(part.sequenceNumber) as RecordState;
      state.failure = { error, retryable: false, rejectedByPersonalize: false };
    }
  }
  return { lanes: kept, ...(stop ? { stop } : {}) };
}

/** Set aside (acknowledged once kept in S3) or delivered in full. */
function isSettled(state: RecordState | undefined): boolean {
  if (!state) return false;
  return state.failure ? !state.failure.retryable : state.callsLeft === 0;
}

/** Keeps the records set aside before the first unsettled record, and answers the record to retry from. */
async function settle(
  plan: DeliveryPlan,
  states: ReadonlyMap<string, RecordState>,
  stop: Stop | undefined,
  deps: ConsumerDependencies,
): Promise<KinesisStreamBatchResponse> {
  const stateOf = (record: KinesisStreamRecord) => states.get(record.kinesis.sequenceNumber) as RecordState;
  const firstUnsettled = plan.records.findIndex((record) => !isSettled(stateOf(record)));
  const settled = firstUnsettled === -1 ? plan.records : plan.records.slice(0, firstUnsettled);
  // Records set aside after the first unsettled one are re-delivered by the retry: kept then, not twice.
  const setAside: SetAside[] = settled.flatMap((record) => {
    const { failure, eventsSent } = stateOf(record);
    if (!failure) return [];
    return [{ record, error: failure.error, ...(failure.rejectedByPersonalize ? { eventsSent } : {}) }];
  });
  let retryFrom = plan.records[firstUnsettled]?.kinesis.sequenceNumber;
  const kept = setAside.length === 0 || (await keep(setAside, deps));
  if (!kept) retryFrom = setAside[0]?.record.kinesis.sequenceNumber;
  countBatch(plan, kept ? setAside : []);
  const eventsSent = [...states.values()].reduce((sum, state) => sum + state.eventsSent, 0);
  const outcome = { records: plan.records.length, eventsSent, setAside: setAside.length, stop, retryFrom };
  if (retryFrom) deps.logger.warn('Batch partly delivered; Lambda retries from retryFrom', outcome);
  else deps.logger.info('Batch delivered', outcome);
  return { batchItemFailures: retryFrom ? [{ itemIdentifier: retryFrom }] : [] };
}

/**
 * Counts the events the batch held, and the records set aside with their events not sent (a malformed record
 * holds none that could be counted). Records set aside are counted only once kept in the bucket.
 */
function countBatch(plan: DeliveryPlan, setAside: readonly SetAside[]): void {
  const eventsOf = new Map<string, number>();
  for (const part of plan.lanes.flat().flatMap((call) => call.parts)) {
    eventsOf.set(part.sequenceNumber, (eventsOf.get(part.sequenceNumber) ?? 0) + part.eventCount);
  }
  recordMetric(
    'eventsReceived',
    [...eventsOf.values()].reduce((sum, count) => sum + count, 0),
  );
  recordMetric('recordsSetAside', setAside.length);
  recordMetric(
    'eventsSetAside',
    setAside.reduce(
      (sum, entry) =>
        sum + (eventsOf.get(entry.record.kinesis.sequenceNumber) ?? 0) - (entry.eventsSent ?? 0),
      0,
    ),
  );
}

/** Writes the records set aside to the failed-records bucket; false if that failed. */
async function keep(setAside: readonly SetAside[], deps: ConsumerDependencies): Promise<boolean> {
  try {
    const { key, body } = await putConsumerFailures(deps.s3, deps.failedRecordsBucket, setAside);
    // One line per write, for an operator reading the logs; the alarm counts the RecordsSetAside metric.
    deps.logger.warn(CONSUMER_DEAD_LETTER_LOG_MESSAGE, { count: setAside.length, reason: body.reason, key });
    return true;
  } catch (error) {
    deps.logger.error('Writing the failed records failed; Lambda retries from the first of them', {
      sequenceNumbers: setAside.map((entry) => entry.record.kinesis.sequenceNumber),
      reasons: setAside.map((entry) => entry.error),
      error: messageOf(error),
    });
    return false;
  }
}
