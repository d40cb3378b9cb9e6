import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The defaults of the project's constructs, as data in one place. A construct reads its defaults here and
 * a prop of the same meaning overrides them; the `@default` of each prop names the entry it falls back to.
 */
export const DEFAULTS = {
  logRetention: {
    /** Functions, the API's access logs and the archive's delivery errors: a month to look back on. */
    standard: logs.RetentionDays.ONE_MONTH,
    /** The custom resources' handlers and their Provider framework: they run at deploy and delete only. */
    customResource: logs.RetentionDays.ONE_WEEK,
  },
  function: {
    timeout: Duration.seconds(30),
    memorySize: 256,
  },
  /** A polling custom resource (onEvent, then isComplete until it answers complete). */
  customResource: {
    handlerTimeout: Duration.minutes(1),
    /** How long isComplete may keep answering "not yet". */
    totalTimeout: Duration.hours(1),
    queryInterval: Duration.seconds(30),
  },
  eventPipeline: {
    /** Provisioned mode: one shard is the cheapest stream that is always on. */
    shardCount: 1,
    streamRetention: Duration.hours(24),
    /** How long the archive and the failed-records bucket keep their objects. */
    bucketRetention: Duration.days(90),
    archiveBufferingInterval: Duration.seconds(60),
  },
  api: {
    /** Steady-state requests per second allowed per API key. */
    throttleRateLimit: 10,
    throttleBurstLimit: 20,
    /** Requests per day allowed per API key. */
    dailyQuota: 10_000,
    /** Whether the stack sets API Gateway's account-level CloudWatch role. */
    accountCloudWatchRole: true,
    /** How long `POST /data` waits for Kinesis PutRecord. */
    kinesisIntegrationTimeout: Duration.seconds(10),
  },
} as const;
