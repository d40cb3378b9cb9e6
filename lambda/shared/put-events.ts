/**
 * One PutEvents call, as the stream consumer and `POST /putEvents` both make it: sent, logged with the events
 * it carried and Personalize's response (what the seed's consumer printed, so an operator can confirm
 * delivery event by event in the function's logs), and counted (calls, errors, latency, events delivered).
 */
import {
  PutEventsCommand,
  type PersonalizeEventsClient,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-personalize-events';
import type { Logger } from './logger';
import { recordMetric } from './metrics';

/**
 * The message of the line logged per call accepted. At INFO: the function's LOG_LEVEL (WARN, say) turns
 * it down without a deploy of code.
 */
const PUT_EVENTS_LOG_MESSAGE = 'PutEvents sent';

/** Sends one PutEvents call; logs and counts it. Throws what the client throws (counted as an error). */
export async function putEvents(
  client: PersonalizeEventsClient,
  input: PutEventsCommandInput,
  logger: Logger,
): Promise<PutEventsCommandOutput> {
  const started = performance.now();
  let response: PutEventsCommandOutput;
  try {
    response = await client.send(new PutEventsCommand(input));
  } catch (error) {
    recordMetric('putEventsCalls', 1);
    recordMetric('putEventsErrors', 1);
    recordMetric('putEventsLatency', Math.round(performance.now() - started));
    throw error;
  }
  const durationMs = Math.round(performance.now() - started);
  recordMetric('putEventsCalls', 1);
  recordMetric('putEventsLatency', durationMs);
  recordMetric('eventsDelivered', input.eventList?.length ?? 0);
  logger.info(PUT_EVENTS_LOG_MESSAGE, {
    trackingId: input.trackingId,
    sessionId: input.sessionId,
    events: (input.eventList ?? []).map((event) => ({
      eventId: event.eventId,
      eventType: event.eventType,
      itemId: event.itemId,
      userId: input.userId,
      sentAt: event.sentAt,
    })),
    response: response.$metadata,
    durationMs,
  });
  return response;
}
