/**
 * POST /putEvents: send an interaction batch to Personalize synchronously (the same expansion as the stream
 * consumer). Answers one `{itemId, eventType, userId, response}` per event sent; 404 for a tracking id that
 * is not one of this stack's event trackers (IAM cannot scope PutEvents: see trackers.ts).
 *
 * Environment: DATASET_GROUP_ARN (unset, every request fails with a 500), and the SDK's AWS_REGION /
 * AWS_ENDPOINT_URL_* variables.
 */
import { personalize } from './shared/clients/personalize';
import { personalizeEvents } from './shared/clients/personalizeEvents';
import { sendInteractionBatch } from './shared/delivery';
import { parseBody, requestIdOf, withHttp } from './shared/http';
import { putEventsRequest } from './shared/requests';
import { TrackingIdGuard } from './shared/trackers';

/** This stack's tracking ids, cached for the life of the container. */
export const trackingIds = new TrackingIdGuard(personalize);

export const handler = withHttp(async (event, context) => {
  const batch = parseBody(event, putEventsRequest);
  await trackingIds.assertOwn(batch.trackingId);
  return sendInteractionBatch(personalizeEvents, batch, {
    // A client retrying the same API request (same request id) sends recognisably the same event ids.
    eventIdPrefix: requestIdOf(event, context),
    now: new Date(),
  });
});
