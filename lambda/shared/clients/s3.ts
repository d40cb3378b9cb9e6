/**
 * The S3 client (the consumer's failed-records bucket), created once per module. Default configuration,
 * region from AWS_REGION, endpoint from AWS_ENDPOINT_URL_S3. See personalize.ts for why one module per client.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { tracer } from '../tracer';

export const s3 = tracer.captureAWSv3Client(new S3Client({ region: process.env.AWS_REGION }));
