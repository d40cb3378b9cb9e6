/**
 * The consumer's executor: makes the planned PutEvents calls, a few senders at a time, each sender's calls in
 * order, and records what became of each record. It decides nothing about acknowledging: delivery.ts does.
 */
import type { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { type PlannedCall, isolateRecords } from './consumer-plan';
import { isRetryable, isThrottling } from './errors';
import type { Logger } from './logger';
import { putEvents } from './put-events';
import { messageOf } from './records';

/** What became of a record. It is delivered when `callsLeft` is 0 with no failure. */
export interface RecordState {
  callsLeft: number;
  /** Its events Personalize accepted (PutEvents cannot be undone). */
  eventsSent: number;
  failure?: {
    readonly error: string;
    /** Retryable: the record is retried (batch item failure); otherwise it is set aside. */
    readonly retryable: boolean;
    /** Whether PutEvents itself rejected it (its `eventsSent` is then worth reporting). */
    readonly rejectedByPersonalize: boolean;
  };
}

export interface ExecutorDependencies {
  readonly personalizeEvents: PersonalizeEventsClient;
  readonly logger: Logger;
  /** Most calls in flight at once. */
  readonly concurrency: number;
  /** True once no new call may start (the invocation's deadline is near). */
  readonly timeUp: () => boolean;
  /** Each record's index in sequence-number order: the lane whose next record comes first goes first. */
  readonly position: ReadonlyMap<string, number>;
  /** Waits `ms` (between tries of a throttled call). */
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * A throttled call is made again in the same invocation, after THROTTLE_FIRST_WAIT_MS doubling up to
 * THROTTLE_MAX_WAIT_MS, for at most THROTTLE_RETRY_WINDOW_MS of waiting and never once no call may start
 * (the deadline). Throttling says "later", not "no": reported at once as other retryable errors are, a burst
 * of it spent the event source mapping's few retry attempts (event-source-settings.ts) in seconds and sent
 * records to the on-failure destination. Other retryable errors (5xx, network, permissions) still stop the
 * invocation at once: Lambda retries the records.
 */
export const THROTTLE_FIRST_WAIT_MS = 100;
export const THROTTLE_MAX_WAIT_MS = 2_000;
export const THROTTLE_RETRY_WINDOW_MS = 15_000;

/** Why the executor stopped before making every call. */
export type StopReason = 'deadline' | 'retryable failure';

interface Lane {
  calls: PlannedCall[];
  busy: boolean;
}

/** The idle lane with work whose next call carries the earliest record, so the checkpoint moves furthest. */
function nextLane(lanes: readonly Lane[], position: ReadonlyMap<string, number>): Lane | undefined {
  let best: Lane | undefined;
  let bestPosition = Infinity;
  for (const lane of lanes) {
    const head = lane.calls[0];
    if (lane.busy || !head) continue;
    const at = position.get(head.parts[0]?.sequenceNumber ?? '') ?? Infinity;
    if (!best || at < bestPosition) [best, bestPosition] = [lane, at];
  }
  return best;
}

/**
 * Makes the calls of `plannedLanes`, at most `concurrency` in flight, one at a time per lane (a sender's
 * events reach Personalize in order). Stops starting calls at the deadline or after a retryable failure,
 * lets the calls in flight finish, and answers why it stopped (undefined: every call was made).
 */
export async function executeCalls(
  plannedLanes: ReadonlyArray<readonly PlannedCall[]>,
  states: ReadonlyMap<string, RecordState>,
  deps: ExecutorDependencies,
): Promise<StopReason | undefined> {
  const lanes: Lane[] = plannedLanes.map((calls) => ({ calls: [...calls], busy: false }));
  const inFlight = new Set<Promise<void>>();
  let stop: StopReason | undefined;
  for (;;) {
    while (!stop && inFlight.size < deps.concurrency) {
      const lane = nextLane(lanes, deps.position);
      if (!lane) break;
      if (deps.timeUp()) {
        stop = 'deadline';
        break;
      }
      const call = lane.calls.shift() as PlannedCall;
      lane.busy = true;
      const running: Promise<void> = makeCall(call, lane, states, deps)
        .then((retryableFailure) => {
          if (retryableFailure) stop ??= 'retryable failure';
        })
        .finally(() => {
          lane.busy = false;
          inFlight.delete(running);
        });
      inFlight.add(running);
    }
    if (inFlight.size === 0) return stop;
    await Promise.race(inFlight);
  }
}

/** Makes the call, again while it is throttled (THROTTLE_RETRY_WINDOW_MS); throws its last error. */
async function putEventsThroughThrottling(call: PlannedCall, deps: ExecutorDependencies): Promise<void> {
  let waited = 0;
  for (let wait = THROTTLE_FIRST_WAIT_MS; ; wait = Math.min(wait * 2, THROTTLE_MAX_WAIT_MS)) {
    try {
      await putEvents(deps.personalizeEvents, call.input, deps.logger);
      return;
    } catch (error) {
      if (!isThrottling(error) || waited + wait > THROTTLE_RETRY_WINDOW_MS || deps.timeUp()) throw error;
      const { trackingId, userId } = call.input;
      deps.logger.warn('PutEvents throttled; trying again', { trackingId, userId, waitMs: wait, error });
      await deps.sleep(wait);
      waited += wait;
    }
  }
}

/**
 * Makes one call and records its outcome; answers true on a retryable failure. A call of several records
 * that the service rejects is split into one call per record (put back at the head of its lane), to set
 * aside only the records at fault; a record it rejects on its own is set aside with the error, and its
 * remaining calls are dropped.
 */
async function makeCall(
  call: PlannedCall,
  lane: Lane,
  states: ReadonlyMap<string, RecordState>,
  deps: ExecutorDependencies,
): Promise<boolean> {
  const stateOf = (sequenceNumber: string) => states.get(sequenceNumber) as RecordState;
  const sequenceNumbers = call.parts.map((part) => part.sequenceNumber);
  try {
    await putEventsThroughThrottling(call, deps);
  } catch (error) {
    const retryable = isRetryable(error);
    const { trackingId, userId } = call.input;
    deps.logger.error('PutEvents failed', { sequenceNumbers, trackingId, userId, retryable, error });
    if (!retryable && call.parts.length > 1) {
      lane.calls.unshift(...isolateRecords(call));
      return false;
    }
    for (const sequenceNumber of sequenceNumbers) {
      stateOf(sequenceNumber).failure = { error: messageOf(error), retryable, rejectedByPersonalize: true };
    }
    if (!retryable) {
      const [rejected] = sequenceNumbers;
      lane.calls = lane.calls.filter((next) => next.parts[0]?.sequenceNumber !== rejected);
    }
    return retryable;
  }
  for (const part of call.parts) {
    const state = stateOf(part.sequenceNumber);
    state.eventsSent += part.eventCount;
    state.callsLeft -= 1;
  }
  return false;
}
