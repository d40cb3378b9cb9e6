/**
 * The Step Functions client (the one-shot provisioning starts and stops its workflow), created once per
 * module. Default configuration, region from AWS_REGION. See personalize.ts for why one module per client.
 */
import { SFNClient } from '@aws-sdk/client-sfn';

export const sfn = new SFNClient({ region: process.env.AWS_REGION });
