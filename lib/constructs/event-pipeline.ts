import { Duration, Fn, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CONSUMER_FAILURES_PREFIX, FAILED_RECORDS_BUCKET_ENV } from '../contract/ownership';
import { DIMENSIONS, METRICS, METRICS_NAMESPACE } from '../contract/metric-definitions';
import { PUT_EVENTS_SOURCE_SETTINGS } from '../contract/event-source-settings';
import { acknowledge, attributeFinding } from './acknowledge';
import { DEFAULTS } from './defaults';
import { FailedRecordsDestination, LAMBDA_FAILURES_PREFIX } from './failed-records-destination';
import type { HandlerFunction } from './handler-function';

export interface EventPipelineProps {
  /** The putEvents consumer: reads the stream, sets aside what it cannot deliver. */
  readonly consumer: HandlerFunction;
  /**
   * Shards of the stream (provisioned mode: one shard is the cheapest stream that is always on).
   * @default DEFAULTS.eventPipeline.shardCount (1)
   */
  readonly shardCount?: number;
  /**
   * How long the archive keeps the raw events.
   * @default DEFAULTS.eventPipeline.bucketRetention (90 days)
   */
  readonly archiveRetention?: Duration;
  /**
   * How long the failed-records bucket keeps what could not be delivered.
   * @default DEFAULTS.eventPipeline.bucketRetention (90 days)
   */
  readonly failedRecordsRetention?: Duration;
  /**
   * How long the event source mapping waits to fill a batch (0 to 300 s): 0 invokes as soon as a poll finds
   * records, for lower latency and more invocations.
   * @default PUT_EVENTS_SOURCE_SETTINGS.maxBatchingWindowSeconds (1 s)
   */
  readonly batchingWindow?: Duration;
}

/**
 * The event path of `POST /data`: an encrypted Kinesis stream, archived by Firehose to S3, read by the
 * putEvents consumer through an event source mapping that reports batch item failures, bisects, bounds
 * retries and record age, and keeps what still fails in an S3 bucket: Lambda writes the whole invocation
 * record there (an SQS destination would get only metadata about the batch), and the consumer writes the
 * malformed records it sets aside itself. An alarm fires as soon as one record is set aside.
 */
export class EventPipeline extends Construct {
  public readonly stream: kinesis.Stream;
  public readonly archiveBucket: s3.Bucket;
  public readonly deliveryStream: firehose.DeliveryStream;
  /** Records that could not be delivered: Lambda's under `aws/lambda/`, the consumer's under `consumer/`. */
  public readonly failedRecordsBucket: s3.Bucket;
  /** Fires as soon as one record is set aside in the failed-records bucket, by Lambda or by the consumer. */
  public readonly failedRecordsAlarm: cloudwatch.Alarm;
  /** Fires when Lambda could not write a failed batch to the bucket: those records are lost. */
  public readonly failedRecordsLostAlarm: cloudwatch.Alarm;
  /** Fires when the consumer falls behind the stream, so recommendations stop reacting within seconds. */
  public readonly consumerLagAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: EventPipelineProps) {
    super(scope, id);
    this.stream = this.createStream(props.shardCount ?? DEFAULTS.eventPipeline.shardCount);
    this.archiveBucket = this.privateBucket(
      'Archive',
      props.archiveRetention,
      'the Firehose delivery stream',
    );
    this.deliveryStream = this.archive();
    this.failedRecordsBucket = this.privateBucket(
      'FailedRecords',
      props.failedRecordsRetention,
      'Lambda (on-failure destination) and the putEvents consumer',
    );

    const window =
      props.batchingWindow ?? Duration.seconds(PUT_EVENTS_SOURCE_SETTINGS.maxBatchingWindowSeconds);
    if (window.toSeconds() < 0 || window.toSeconds() > 300)
      throw new Error(`batchingWindow must be 0 to 300 seconds, got ${window.toSeconds()} s`);
    const mapping = this.connect(props.consumer, window);
    this.failedRecordsAlarm = this.alarmOnFailedRecords(mapping);
    this.failedRecordsLostAlarm = this.alarmOnLostRecords(props.consumer);
    this.consumerLagAlarm = this.alarmOnConsumerLag(props.consumer);

    // Everything here is data in flight or its copy: `cdk destroy` removes it all (the log stream that
    // aws-kinesisfirehose creates defaults to RETAIN otherwise).
    RemovalPolicies.of(this).destroy();
  }

  /** Allows `grantee` to put records on the stream: kinesis:PutRecord only. */
  public grantPutRecord(grantee: iam.IGrantable): iam.Grant {
    return this.stream.grant(grantee, 'kinesis:PutRecord');
  }

  /** The encrypted, provisioned event stream, removed by `cdk destroy`. */
  private createStream(shardCount: number): kinesis.Stream {
    if (!Number.isInteger(shardCount) || shardCount < 1) {
      throw new Error(`EventPipeline shardCount must be a positive integer, got ${shardCount}`);
    }
    return new kinesis.Stream(this, 'Stream', {
      shardCount,
      streamMode: kinesis.StreamMode.PROVISIONED,
      // The AWS managed key (aws/kinesis): encrypted at rest with no key to pay for or to delete.
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: DEFAULTS.eventPipeline.streamRetention,
      // A retained stream keeps billing per shard-hour after `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** An encrypted, TLS-only, private bucket whose objects expire, removed with its objects by `cdk destroy`. */
  private privateBucket(id: string, retention: Duration | undefined, writer: string): s3.Bucket {
    const bucket = new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: false,
      lifecycleRules: [{ expiration: retention ?? DEFAULTS.eventPipeline.bucketRetention }],
      // `cdk destroy` removes the bucket with the stack: nothing is left costing money.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      `This bucket is written only by ${writer} and is never public; server access logs would need a second bucket of their own. CloudTrail data events are the audit path if one is required.`,
    );
    return bucket;
  }

  /** Firehose copies every record of the stream to the archive bucket (gzip, under `events/`). */
  private archive(): firehose.DeliveryStream {
    const deliveryStream = new firehose.DeliveryStream(this, 'ArchiveDelivery', {
      source: new firehose.KinesisStreamSource(this.stream),
      destination: new firehose.S3Bucket(this.archiveBucket, {
        dataOutputPrefix: 'events/!{timestamp:yyyy/MM/dd}/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        bufferingInterval: DEFAULTS.eventPipeline.archiveBufferingInterval,
        compression: firehose.Compression.GZIP,
        loggingConfig: new firehose.EnableLogging(
          new logs.LogGroup(this, 'ArchiveDeliveryLogs', {
            retention: DEFAULTS.logRetention.standard,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        ),
      }),
    });
    this.acknowledgeArchive(deliveryStream);
    return deliveryStream;
  }

  /** What cdk-nag reports on the delivery stream and is deliberate, each with its reason. */
  private acknowledgeArchive(deliveryStream: firehose.DeliveryStream): void {
    acknowledge(
      deliveryStream,
      'AwsSolutions-KDF1',
      'Firehose cannot enable server-side encryption on a delivery stream whose source is a Kinesis stream; the data is encrypted in the stream (KMS) and in the archive bucket (SSE-S3).',
    );
    acknowledge(
      deliveryStream,
      'AwsSolutions-IAM5',
      "Firehose's S3 destination grant (aws-kinesisfirehose S3Bucket) writes and lists objects of the archive bucket only; the wildcards are object keys and S3 action families within that one bucket.",
      [
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        attributeFinding(this.archiveBucket, 'Arn', '/*'),
      ],
    );
    acknowledge(
      Stack.of(this),
      'CloudFormation-Validate::W7001',
      'aws-kinesisfirehose adds a mapping of Firehose CIDR blocks for destinations that need them; this S3 destination does not reference it.',
    );
  }

  /**
   * The consumer's event source mapping, with the failed-records bucket as its on-failure destination and
   * its EventCount metrics on; the consumer may also write its own dead letters under `consumer/`.
   */
  private connect(consumer: HandlerFunction, batchingWindow: Duration): KinesisEventSource {
    const settings = PUT_EVENTS_SOURCE_SETTINGS;
    const source = new KinesisEventSource(this.stream, {
      startingPosition: lambda.StartingPosition[settings.startingPosition],
      batchSize: settings.batchSize,
      maxBatchingWindow: batchingWindow,
      bisectBatchOnError: settings.bisectBatchOnError,
      retryAttempts: settings.retryAttempts,
      maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds),
      reportBatchItemFailures: settings.reportBatchItemFailures,
      parallelizationFactor: settings.parallelizationFactor,
      onFailure: new FailedRecordsDestination(this.failedRecordsBucket),
      // OnFailureDestinationDeliveredEventCount, which the failed-records alarm watches, is in this group.
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
    });
    consumer.function.addEventSource(source);

    // The consumer sets malformed records aside itself, with their error, under its own prefix only.
    consumer.function.addEnvironment(FAILED_RECORDS_BUCKET_ENV, this.failedRecordsBucket.bucketName);
    consumer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.failedRecordsBucket.arnForObjects(`${CONSUMER_FAILURES_PREFIX}*`)],
      }),
    );
    acknowledge(
      consumer.role,
      'AwsSolutions-IAM5',
      "Failed records are written under key prefixes of the failed-records bucket only: Lambda's on-failure records under aws/lambda/ (their documented key layout, aws/lambda/<mapping UUID>/<shard>/<date>/...), the consumer's own dead letters under consumer/; object keys are not known in advance.",
      [
        attributeFinding(this.failedRecordsBucket, 'Arn', `/${LAMBDA_FAILURES_PREFIX}*`),
        attributeFinding(this.failedRecordsBucket, 'Arn', `/${CONSUMER_FAILURES_PREFIX}*`),
      ],
    );
    return source;
  }

  /**
   * Fires as soon as one record is set aside: Lambda's count of records sent to the on-failure destination,
   * plus the consumer's own, its RecordsSetAside metric (metric-definitions.ts), one name for one figure:
   * the dashboard reads the same metric.
   */
  private alarmOnFailedRecords(source: KinesisEventSource): cloudwatch.Alarm {
    const period = Duration.minutes(5);
    const fromLambda = new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'OnFailureDestinationDeliveredEventCount',
      dimensionsMap: { EventSourceMappingUUID: source.eventSourceMappingId },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
    const fromConsumer = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRICS.recordsSetAside.name,
      dimensionsMap: { [DIMENSIONS.service]: Stack.of(this).stackName },
      statistic: cloudwatch.Stats.SUM,
      period,
    });

    const bucket = this.failedRecordsBucket.bucketName;
    return new cloudwatch.Alarm(this, 'FailedRecordsAlarm', {
      alarmDescription: Fn.join('', [
        'Interaction records could not be delivered to Personalize and were set aside in the S3 bucket ',
        bucket,
        `: each object holds the records themselves (Lambda's whole failed batch under ${LAMBDA_FAILURES_PREFIX}, the consumer's malformed records with their error under ${CONSUMER_FAILURES_PREFIX}). Replay them with: npm run replay-failures -- s3://`,
        bucket,
        " --dataset-group-arn <the stack's DatasetGroupArn output>",
      ]),
      metric: new cloudwatch.MathExpression({
        // Either source may have no data in a period; FILL counts it as zero instead of dropping the sum.
        expression: 'FILL(fromLambda, 0) + FILL(fromConsumer, 0)',
        usingMetrics: { fromLambda, fromConsumer },
        label: 'Records set aside',
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Fires when Lambda could not write a failed batch to the bucket: those records are lost. */
  private alarmOnLostRecords(consumer: HandlerFunction): cloudwatch.Alarm {
    return this.consumerAlarm('FailedRecordsLostAlarm', consumer, {
      description:
        "Lambda could not write a failed batch of the putEvents consumer to the failed-records bucket: those records are lost. Check the consumer role's s3:PutObject on the bucket.",
      metricName: 'DestinationDeliveryFailures',
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /** Fires when the consumer is more than a minute behind the stream for five minutes. */
  private alarmOnConsumerLag(consumer: HandlerFunction): cloudwatch.Alarm {
    return this.consumerAlarm('ConsumerLagAlarm', consumer, {
      description:
        'The putEvents consumer is more than a minute behind the stream: events reach Personalize late.',
      metricName: 'IteratorAge',
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
      threshold: Duration.minutes(1).toMilliseconds(),
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /** An alarm on one of the consumer function's metrics; no data (no traffic) is not breaching. */
  private consumerAlarm(id: string, consumer: HandlerFunction, alarm: ConsumerAlarm): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: alarm.description,
      metric: consumer.function.metric(alarm.metricName, {
        period: alarm.period,
        statistic: alarm.statistic,
      }),
      threshold: alarm.threshold,
      evaluationPeriods: alarm.evaluationPeriods,
      comparisonOperator: alarm.comparisonOperator,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/** What an alarm on one of the consumer function's metrics watches. */
interface ConsumerAlarm {
  readonly description: string;
  readonly metricName: string;
  readonly statistic: string;
  readonly period: Duration;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
}
