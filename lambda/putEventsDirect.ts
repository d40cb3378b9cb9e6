/**
 * POST /putEvents: send an interaction batch to Personalize synchronously (the same expansion as the stream
 * consumer). Answers one `{itemId, eventType, userId, response}` per event sent.
 */
import { personalizeEvents } from './shared/clients';
import { sendInteractionBatch } from './shared/delivery';
import { parseBody, requestIdOf, withHttp } from './shared/http';
import { putEventsRequest } from './shared/requests';

export const handler = withHttp(async (event, context) =>
  sendInteractionBatch(personalizeEvents, parseBody(event, putEventsRequest), {
    // A client retrying the same API request (same request id) sends recognisably the same event ids.
    eventIdPrefix: requestIdOf(event, context),
    now: new Date(),
  }),
);
