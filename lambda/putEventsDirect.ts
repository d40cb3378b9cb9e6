/**
 * POST /putEvents: send an interaction batch to Personalize synchronously (the same expansion as the stream
 * consumer). Answers one `{itemId, eventType, userId, response}` per event sent; 404 for a tracking id that
 * is not one of this stack's event trackers (IAM cannot scope PutEvents: see trackers.ts), 409 while the
 * tracker is still being created (retry in a few seconds). A retry is safe
 * only with an `idempotencyKey` in the batch: the event ids then derive from it (events.ts).
 *
 * Environment: DATASET_GROUP_ARN (unset, every request fails with a 500), and the SDK's AWS_REGION /
 * AWS_ENDPOINT_URL_* variables.
 */
import { personalize } from './shared/clients/personalize';
import { personalizeEvents } from './shared/clients/personalizeEvents';
import { sendInteractionBatch } from './shared/delivery';
import { parseBody, requestIdOf, withHttp } from './shared/http';
import { putEventsRequest } from '../lib/contract/requests';
import { logger } from './shared/logger';
import { TrackingIdGuard } from './shared/trackers';

/** This stack's tracking ids, cached for the life of the container. */
export const trackingIds = new TrackingIdGuard(personalize);

export const handler = withHttp(async (event, context) => {
  const batch = parseBody(event, putEventsRequest);
  await trackingIds.assertOwn(batch.trackingId);
  return sendInteractionBatch(
    personalizeEvents,
    batch,
    {
      // Event ids of a batch without an idempotencyKey. Every request has a new request id, so a client's retry
      // sends new ids: a client that may retry sends an idempotencyKey, from which the ids derive instead.
      eventIdPrefix: requestIdOf(event, context),
      now: new Date(),
    },
    logger,
  );
});
