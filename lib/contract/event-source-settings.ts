/**
 * How the putEvents consumer reads the stream. The stack's event source mapping and local mode's stream
 * consumer both use these values, so local mode retries and dead-letters exactly as Lambda does.
 */
export interface EventSourceSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly bisectBatchOnError: boolean;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly parallelizationFactor: number;
}

export const PUT_EVENTS_SOURCE_SETTINGS = {
  /** Records per invocation. Each record expands to `interactions` events, sent 10 per PutEvents call. */
  batchSize: 100,
  /**
   * Seconds Lambda waits to fill a batch: low, because recommendations should react within seconds. A setting
   * (`-c batchingWindowSeconds=N`, `npm start -- --batching-window N`): 0 invokes as soon as a poll finds records,
   * for lower latency and more invocations (docs/events.md).
   */
  maxBatchingWindowSeconds: 1,
  /** Split a failing batch in two and retry each half, isolating a poison record. */
  bisectBatchOnError: true,
  /** Retries of a failing batch before its records go to the dead-letter queue. */
  retryAttempts: 3,
  /** Records older than this go to the dead-letter queue instead of being retried. */
  maxRecordAgeSeconds: 3600,
  /** Only records after a failing one are retried (partial batch response). */
  reportBatchItemFailures: true,
  startingPosition: 'TRIM_HORIZON',
  parallelizationFactor: 1,
} as const satisfies EventSourceSettings;

/**
 * A batching window in whole seconds, as the event source mapping takes it: MaximumBatchingWindowInSeconds is 0 to
 * 300 (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html). Absent: the default.
 */
export function parseBatchingWindowSeconds(value: unknown, name = 'batchingWindowSeconds'): number {
  if (value === undefined || value === '') return PUT_EVENTS_SOURCE_SETTINGS.maxBatchingWindowSeconds;
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 300)
    throw new Error(`${name} must be a whole number of seconds from 0 to 300, got ${JSON.stringify(value)}`);
  return seconds;
}

/**
 * What the consumer logs, once per call, when it sets records aside itself (lambda/shared/delivery.ts), with
 * the count, the reason and the object's key; the alarms count the RecordsSetAside metric, not these lines.
 */
export const CONSUMER_DEAD_LETTER_LOG_MESSAGE = 'Records dead-lettered';
