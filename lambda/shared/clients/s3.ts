/**
 * The S3 client (the consumer's failed-records bucket), created once per module. Default configuration,
 * region from AWS_REGION, endpoint from AWS_ENDPOINT_URL_S3. See personalize.ts for why one module per client.
 */
import { S3Client } from '@aws-sdk/client-s3';

export const s3 = new S3Client({ region: process.env.AWS_REGION });
