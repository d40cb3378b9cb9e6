/**
 * The functions' X-Ray tracer (Powertools Tracer): each SDK client module wraps its client with it once,
 * where the client is created, so a trace shows API Gateway, the function and each Personalize or S3 call
 * as a subsegment. It traces only inside Lambda (AWS_EXECUTION_ENV set, POWERTOOLS_TRACE_ENABLED not
 * `false`): in tests and in local mode the clients stay as they are, and nothing is sent anywhere.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_DIMENSION_ENV } from '../../lib/contract/metric-definitions';

export const tracer = new Tracer({ serviceName: process.env[SERVICE_DIMENSION_ENV] ?? 'unknown' });
