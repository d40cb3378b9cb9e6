import { Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PUT_EVENTS_SOURCE_SETTINGS } from '../event-source-settings';
import { acknowledge, attributeFinding } from './acknowledge';

export interface EventPipelineProps {
  /** The putEvents consumer: reads the stream, dead-letters what it cannot deliver. */
  readonly consumer: lambda.Function;
  /**
   * Shards of the stream (provisioned mode: one shard is the cheapest stream that is always on).
   * @default 1
   */
  readonly shardCount?: number;
  /**
   * How long the archive keeps the raw events.
   * @default Duration.days(90)
   */
  readonly archiveRetention?: Duration;
}

/**
 * The event path of `POST /data`: an encrypted Kinesis stream, archived by Firehose to S3, read by the
 * putEvents consumer through an event source mapping that reports batch item failures, bisects, bounds
 * retries and record age, and dead-letters what still fails to an encrypted SQS queue.
 */
export class EventPipeline extends Construct {
  public readonly stream: kinesis.Stream;
  public readonly archiveBucket: s3.Bucket;
  public readonly deliveryStream: firehose.DeliveryStream;
  public readonly deadLetterQueue: sqs.Queue;
  /** Fires when an event could not be delivered: a record is waiting in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Fires when the consumer falls behind the stream, so recommendations stop reacting within seconds. */
  public readonly consumerLagAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: EventPipelineProps) {
    super(scope, id);
    const shardCount = props.shardCount ?? 1;
    if (!Number.isInteger(shardCount) || shardCount < 1) {
      throw new Error(`EventPipeline shardCount must be a positive integer, got ${shardCount}`);
    }

    this.stream = new kinesis.Stream(this, 'Stream', {
      shardCount,
      streamMode: kinesis.StreamMode.PROVISIONED,
      // The AWS managed key (aws/kinesis): encrypted at rest with no key to pay for or to delete.
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      // A retained stream keeps billing per shard-hour after `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.archiveBucket = new s3.Bucket(this, 'Archive', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: false,
      lifecycleRules: [{ expiration: props.archiveRetention ?? Duration.days(90) }],
      // `cdk destroy` removes the archive with the stack: nothing is left costing money.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(
      this.archiveBucket,
      'AwsSolutions-S1',
      'The archive is written only by the Firehose delivery stream and is never public; server access logs would need a second bucket of their own. CloudTrail data events are the audit path if one is required.',
    );

    this.deliveryStream = new firehose.DeliveryStream(this, 'ArchiveDelivery', {
      source: new firehose.KinesisStreamSource(this.stream),
      destination: new firehose.S3Bucket(this.archiveBucket, {
        dataOutputPrefix: 'events/!{timestamp:yyyy/MM/dd}/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        bufferingInterval: Duration.seconds(60),
        compression: firehose.Compression.GZIP,
        loggingConfig: new firehose.EnableLogging(
          new logs.LogGroup(this, 'ArchiveDeliveryLogs', {
            retention: logs.RetentionDays.ONE_MONTH,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        ),
      }),
    });
    acknowledge(
      this.deliveryStream,
      'AwsSolutions-KDF1',
      'Firehose cannot enable server-side encryption on a delivery stream whose source is a Kinesis stream; the data is encrypted in the stream (KMS) and in the archive bucket (SSE-S3).',
    );
    acknowledge(
      this.deliveryStream,
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

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      Stack.of(this),
      'CloudFormation-Validate::W7001',
      'aws-kinesisfirehose adds a mapping of Firehose CIDR blocks for destinations that need them; this S3 destination does not reference it.',
    );
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the putEvents consumer.',
    );

    const settings = PUT_EVENTS_SOURCE_SETTINGS;
    props.consumer.addEventSource(
      new KinesisEventSource(this.stream, {
        startingPosition: lambda.StartingPosition[settings.startingPosition],
        batchSize: settings.batchSize,
        maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
        bisectBatchOnError: settings.bisectBatchOnError,
        retryAttempts: settings.retryAttempts,
        maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds),
        reportBatchItemFailures: settings.reportBatchItemFailures,
        parallelizationFactor: settings.parallelizationFactor,
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    );
    // The consumer dead-letters malformed records itself, with their error; Lambda's on-failure
    // destination covers records that exhaust their retries.
    props.consumer.addEnvironment('DEAD_LETTER_QUEUE_URL', this.deadLetterQueue.queueUrl);
    this.deadLetterQueue.grantSendMessages(props.consumer);

    // Nothing is lost, but a dead-lettered event is one Personalize never saw: someone should look.
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'Interaction records could not be delivered to Personalize; they wait in the dead-letter queue with their error.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.consumerLagAlarm = new cloudwatch.Alarm(this, 'ConsumerLagAlarm', {
      alarmDescription:
        'The putEvents consumer is more than a minute behind the stream: events reach Personalize late.',
      metric: props.consumer.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: Duration.minutes(1).toMilliseconds(),
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Everything here is data in flight or its copy: `cdk destroy` removes it all (the log stream that
    // aws-kinesisfirehose creates defaults to RETAIN otherwise).
    RemovalPolicies.of(this).destroy();
  }

  /** Allows `grantee` to put records on the stream: kinesis:PutRecord only. */
  public grantPutRecord(grantee: iam.IGrantable): iam.Grant {
    return this.stream.grant(grantee, 'kinesis:PutRecord');
  }
}
