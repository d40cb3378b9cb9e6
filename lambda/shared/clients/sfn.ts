/**
 * The Step Functions client (the one-shot provisioning starts and stops its workflow), created once per
 * module. Default configuration, region from AWS_REGION. See personalize.ts for why one module per client.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from '../tracer';

export const sfn = tracer.captureAWSv3Client(new SFNClient({ region: process.env.AWS_REGION }));
