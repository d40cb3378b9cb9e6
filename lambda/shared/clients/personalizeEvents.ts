/**
 * The Personalize Events client (PutEvents), created once per module. Default configuration, region from
 * AWS_REGION, endpoint from AWS_ENDPOINT_URL_PERSONALIZE_EVENTS. See personalize.ts for why one module per client.
 */
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { tracer } from '../tracer';

export const personalizeEvents = tracer.captureAWSv3Client(
  new PersonalizeEventsClient({ region: process.env.AWS_REGION }),
);
