/**
 * The Personalize control-plane client, created once per module so warm invocations reuse its connections.
 * One small module per client: a function loads (and pays the cold-start cost of) only the clients it
 * imports. Default configuration, region from AWS_REGION, endpoint from AWS_ENDPOINT_URL_PERSONALIZE
 * (how local mode points the unchanged handlers at its emulator). Traced by the tracer (../tracer.ts) in Lambda.
 */
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { tracer } from '../tracer';

export const personalize = tracer.captureAWSv3Client(
  new PersonalizeClient({ region: process.env.AWS_REGION }),
);
