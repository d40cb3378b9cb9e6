/**
 * The Kinesis consumer: sends each record's interaction batch to Personalize and reports the record Lambda
 * must retry from as a batch item failure (never an HTTP response). See deliverRecords for the guarantees.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent, Context } from 'aws-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { personalizeEvents } from './shared/clients/personalizeEvents';
import { deliverRecords } from './shared/delivery';
import { logger } from './shared/logger';

const sqs = new SQSClient({ region: process.env.AWS_REGION });

export const handler = async (
  event: KinesisStreamEvent,
  context?: Context,
): Promise<KinesisStreamBatchResponse> => {
  return logger.withRequestId(context?.awsRequestId, () =>
    deliverRecords(event.Records, {
      personalizeEvents,
      sqs,
      deadLetterQueueUrl: process.env.DEAD_LETTER_QUEUE_URL,
      logger,
    }),
  );
};
