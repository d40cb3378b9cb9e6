/**
 * The Personalize Runtime client (GetRecommendations), created once per module. Default configuration,
 * region from AWS_REGION, endpoint from AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME. See personalize.ts for why one
 * module per client.
 */
import { PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { tracer } from '../tracer';

export const personalizeRuntime = tracer.captureAWSv3Client(
  new PersonalizeRuntimeClient({ region: process.env.AWS_REGION }),
);
