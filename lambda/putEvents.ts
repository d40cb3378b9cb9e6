/**
 * The Kinesis consumer: sends each record's interaction batch to Personalize and reports the record Lambda
 * must retry from as a batch item failure (never an HTTP response). See deliverRecords for the guarantees.
 *
 * Environment: DATASET_GROUP_ARN (whose event trackers' tracking ids it may send to; unset, every invocation
 * fails), FAILED_RECORDS_BUCKET (where records set aside are kept; unset, they are retried instead), and the
 * SDK's AWS_REGION / AWS_ENDPOINT_URL_* variables.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent, Context } from 'aws-lambda';
import { personalize } from './shared/clients/personalize';
import { personalizeEvents } from './shared/clients/personalizeEvents';
import { s3 } from './shared/clients/s3';
import { deliverRecords } from './shared/delivery';
import { logger } from './shared/logger';
import { withMetrics } from './shared/metrics';
import { FAILED_RECORDS_BUCKET_ENV } from '../lib/contract/ownership';
import { TrackingIdGuard } from './shared/trackers';

/** This stack's tracking ids, cached for the life of the container. */
export const trackingIds = new TrackingIdGuard(personalize);

export const handler = async (
  event: KinesisStreamEvent,
  context?: Context,
): Promise<KinesisStreamBatchResponse> => {
  return logger.withRequestId(context?.awsRequestId, () =>
    withMetrics(async () => {
      // A configuration error fails the whole invocation, loudly, rather than sending to any tracking id.
      trackingIds.datasetGroupArn();
      return deliverRecords(event.Records, {
        personalizeEvents,
        s3,
        failedRecordsBucket: process.env[FAILED_RECORDS_BUCKET_ENV],
        isOwnTrackingId: (trackingId) => trackingIds.acceptsEvents(trackingId),
        remainingTimeMs: context ? () => context.getRemainingTimeInMillis() : undefined,
        logger,
      });
    }),
  );
};
