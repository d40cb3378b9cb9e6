/**
 * Sending interaction batches to Personalize: synchronously for `POST /putEvents`, and from Kinesis records
 * for the stream consumer. Clients come in as parameters, so both are testable without Lambda.
 */
import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PersonalizeEventsClient,
} from '@aws-sdk/client-personalize-events';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { HttpError, ValidationError, toHttpError } from './errors';
import {
  MAX_EVENTS_PER_PUT_EVENTS,
  expandInteractions,
  toPutEventsBatches,
  type ExpandOptions,
  type PutEventsCall,
} from './events';
import { parseWith } from './http';
import type { Logger } from './logger';
import { type InteractionBatch, interactionBatchSchema } from './requests';

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
): Promise<SentEvent[]> {
  const sent: SentEvent[] = [];
  for (const call of toPutEventsBatches(expandInteractions(batch, options))) {
    let response: PutEventsCommandOutput;
    try {
      response = await client.send(new PutEventsCommand(call));
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
  readonly sqs: SQSClient;
  /** Where malformed records go, with their error. */
  readonly deadLetterQueueUrl: string | undefined;
  readonly logger: Logger;
}

/** The message a malformed record becomes on the dead-letter queue. */
export interface DeadLetter {
  readonly error: string;
  readonly record: { readonly sequenceNumber: string; readonly partitionKey: string; readonly data: string };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The events a Kinesis record stands for, or a ValidationError if the record is malformed. Event ids derive
 * from the sequence number and a batch without `dateTo` ends at the record's arrival time, so a retried
 * record expands to exactly the same events.
 */
export function decodeRecord(record: KinesisStreamRecord) {
  const { data, sequenceNumber, approximateArrivalTimestamp } = record.kinesis;
  if (!BASE64.test(data)) throw new ValidationError('data', 'must be base64');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch {
    throw new ValidationError('data', 'must be a JSON interaction batch');
  }
  const batch = parseWith(interactionBatchSchema, json, 'data');
  return expandInteractions(batch, {
    eventIdPrefix: sequenceNumber,
    now: new Date(approximateArrivalTimestamp * 1000),
  });
}

function bySequenceNumber(a: KinesisStreamRecord, b: KinesisStreamRecord): number {
  const x = BigInt(a.kinesis.sequenceNumber);
  const y = BigInt(b.kinesis.sequenceNumber);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A PutEvents call not yet sent, and the records (whole ones only) whose events it carries. */
interface PendingCall {
  readonly input: PutEventsCall;
  readonly sequenceNumbers: string[];
}

/**
 * Delivers a Kinesis batch to Personalize, in sequence order, and answers which record Lambda must retry from.
 *
 * - A malformed record (bad base64, JSON or interaction batch) will never succeed: it goes to the
 *   dead-letter queue with its error and is acknowledged. If that send fails, the record is the failure.
 * - On the first failed call, that call's first record is reported and nothing after it is sent: Lambda
 *   retries from it, and anything sent after it would be sent twice.
 * - Consecutive records of one sender (tracker, user, session) share a call while their events fit in one
 *   (10), so a call carries whole records only: when it fails, none of its records was sent, and the retry
 *   sends each exactly once. A record of more than 10 events has calls of its own; if one of them fails
 *   after an earlier one succeeded, the retry re-sends the earlier events, with the same event ids.
 */
export async function deliverRecords(
  records: readonly KinesisStreamRecord[],
  deps: ConsumerDependencies,
): Promise<KinesisStreamBatchResponse> {
  const failed = (sequenceNumber: string): KinesisStreamBatchResponse => ({
    batchItemFailures: [{ itemIdentifier: sequenceNumber }],
  });
  let pending: PendingCall | undefined;
  let eventsSent = 0;

  const send = async (input: PutEventsCall, sequenceNumbers: readonly string[]): Promise<boolean> => {
    try {
      await deps.personalizeEvents.send(new PutEventsCommand(input));
      eventsSent += input.eventList.length;
      return true;
    } catch (error) {
      deps.logger.error('PutEvents failed; Lambda retries from the first record of the call', {
        sequenceNumbers,
        trackingId: input.trackingId,
        userId: input.userId,
        error,
      });
      return false;
    }
  };
  /** Sends the pending call; the sequence number to report if it fails. */
  const flush = async (): Promise<string | undefined> => {
    if (!pending) return undefined;
    const { input, sequenceNumbers } = pending;
    pending = undefined;
    return (await send(input, sequenceNumbers)) ? undefined : sequenceNumbers[0];
  };

  for (const record of [...records].sort(bySequenceNumber)) {
    const { sequenceNumber, partitionKey, data } = record.kinesis;
    let events: ReturnType<typeof decodeRecord>;
    try {
      events = decodeRecord(record);
    } catch (error) {
      // Earlier records first: if their call fails, Lambda retries from them and this record would be
      // dead-lettered twice.
      const failure = await flush();
      if (failure) return failed(failure);
      const reason = error instanceof Error ? error.message : String(error);
      if (
        !(await sendToDeadLetterQueue(
          { error: reason, record: { sequenceNumber, partitionKey, data } },
          deps,
        ))
      ) {
        return failed(sequenceNumber);
      }
      continue;
    }

    const calls = toPutEventsBatches(events);
    const [only] = calls;
    if (
      only &&
      calls.length === 1 &&
      pending &&
      pending.input.trackingId === only.trackingId &&
      pending.input.userId === only.userId &&
      pending.input.sessionId === only.sessionId &&
      pending.input.eventList.length + only.eventList.length <= MAX_EVENTS_PER_PUT_EVENTS
    ) {
      pending.input.eventList.push(...only.eventList);
      pending.sequenceNumbers.push(sequenceNumber);
      continue;
    }
    const failure = await flush();
    if (failure) return failed(failure);
    if (only && calls.length === 1) {
      pending = { input: { ...only, eventList: [...only.eventList] }, sequenceNumbers: [sequenceNumber] };
      continue;
    }
    for (const call of calls) {
      if (!(await send(call, [sequenceNumber]))) return failed(sequenceNumber);
    }
  }
  const failure = await flush();
  if (failure) return failed(failure);
  deps.logger.info('Batch delivered', { records: records.length, eventsSent });
  return { batchItemFailures: [] };
}

async function sendToDeadLetterQueue(letter: DeadLetter, deps: ConsumerDependencies): Promise<boolean> {
  try {
    if (!deps.deadLetterQueueUrl) throw new Error('DEAD_LETTER_QUEUE_URL is not set');
    await deps.sqs.send(
      new SendMessageCommand({ QueueUrl: deps.deadLetterQueueUrl, MessageBody: JSON.stringify(letter) }),
    );
    deps.logger.warn('Malformed record sent to the dead-letter queue', {
      sequenceNumber: letter.record.sequenceNumber,
      reason: letter.error,
    });
    return true;
  } catch (error) {
    deps.logger.error('Dead-letter queue send failed; Lambda retries from this record', {
      sequenceNumber: letter.record.sequenceNumber,
      reason: letter.error,
      error,
    });
    return false;
  }
}
