import { Match } from 'aws-cdk-lib/assertions';
import { PUT_EVENTS_SOURCE_SETTINGS } from '../../lib/event-source-settings';
import {
  asArray,
  functionByDescription,
  roleOf,
  statementsOfRole,
  synthesize,
  type Resource,
  type Synthesized,
} from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const logicalId = (type: string): string => {
  const ids = Object.keys(synth.template.findResources(type));
  if (ids.length !== 1) throw new Error(`Expected one ${type}, found ${ids.length}`);
  return ids[0]!;
};

describe('event stream', () => {
  it('is encrypted with KMS and named by CloudFormation', () => {
    synth.template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      Name: Match.absent(),
    });
  });
});

describe('archive', () => {
  it('is a Firehose delivery stream from the Kinesis stream to the archive bucket (stable aws-kinesisfirehose)', () => {
    const streamId = logicalId('AWS::Kinesis::Stream');
    synth.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: { 'Fn::GetAtt': [streamId, 'Arn'] } },
      ExtendedS3DestinationConfiguration: {
        BucketARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('Archive'), 'Arn'] },
        CompressionFormat: 'GZIP',
      },
    });
  });

  it('is an encrypted bucket with all public access blocked', () => {
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('refuses requests that do not use TLS', () => {
    synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('is deleted with its objects by cdk destroy, so nothing is left costing money', () => {
    const buckets = synth.template.findResources('AWS::S3::Bucket') as Record<string, Resource>;
    for (const bucket of Object.values(buckets)) {
      expect(bucket.DeletionPolicy).toBe('Delete');
    }
    synth.template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });
});

describe('clean-up', () => {
  const retainedBy = (template: Synthesized['template']) =>
    Object.entries(template.toJSON().Resources as Record<string, Resource>)
      .filter(
        ([, r]) =>
          (r.DeletionPolicy ?? 'Delete') !== 'Delete' || (r.UpdateReplacePolicy ?? 'Delete') !== 'Delete',
      )
      .map(([, r]) => r.Type)
      .sort();

  it("retains, when the stack is deleted, only API Gateway's account-level CloudWatch role and setting (free, and shared by the account's APIs)", () => {
    expect(retainedBy(synth.template)).toEqual(['AWS::ApiGateway::Account', 'AWS::IAM::Role']);
  });

  it('retains nothing at all when the account already has its API Gateway CloudWatch role', () => {
    expect(retainedBy(synthesize({ context: { apiGatewayCloudWatchRole: 'false' } }).template)).toEqual([]);
  });

  it('deletes the event stream with the stack (a retained stream bills per shard-hour)', () => {
    const streams = synth.template.findResources('AWS::Kinesis::Stream') as Record<string, Resource>;
    expect(Object.values(streams).map((stream) => stream.DeletionPolicy)).toEqual(['Delete']);
  });
});

describe('putEvents consumer', () => {
  const consumer = () => functionByDescription(synth.template, 'Sends the interaction batches');

  it('reads the stream with the settings of lib/event-source-settings.ts', () => {
    const s = PUT_EVENTS_SOURCE_SETTINGS;
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId('AWS::Kinesis::Stream'), 'Arn'] },
      FunctionName: { Ref: consumer().id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: s.bisectBatchOnError,
      MaximumRetryAttempts: s.retryAttempts,
      MaximumRecordAgeInSeconds: s.maxRecordAgeSeconds,
      BatchSize: s.batchSize,
      MaximumBatchingWindowInSeconds: s.maxBatchingWindowSeconds,
      StartingPosition: s.startingPosition,
      ParallelizationFactor: s.parallelizationFactor,
    });
  });

  it('sends records that still fail after the retries to the dead-letter queue', () => {
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue'), 'Arn'] } },
      },
    });
  });

  it('knows the dead-letter queue and may send malformed records to it itself', () => {
    const queueId = logicalId('AWS::SQS::Queue');
    expect(consumer().resource.Properties?.Environment).toMatchObject({
      Variables: { DEAD_LETTER_QUEUE_URL: { Ref: queueId } },
    });
    const statements = statementsOfRole(synth.template, roleOf(consumer().resource));
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: expect.arrayContaining(['sqs:SendMessage']),
          Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        }),
      ]),
    );
  });

  it('may call PutEvents on "*" (it has no resource-level permission); its exact grants are in permissions.test.ts', () => {
    const statements = statementsOfRole(synth.template, roleOf(consumer().resource));
    const putEvents = statements.filter((s) => asArray(s.Action).includes('personalize:PutEvents'));
    expect(putEvents.map((s) => s.Resource)).toEqual(['*']);
  });
});

describe('dead-letter queue', () => {
  it('is encrypted at rest and refuses requests without TLS', () => {
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('alarms', () => {
  it('alarm as soon as one record waits in the dead-letter queue', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue'), 'QueueName'] } },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('alarm when the consumer stays more than a minute behind the stream', () => {
    const consumer = functionByDescription(synth.template, 'Sends the interaction batches');
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: consumer.id } }],
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Statistic: 'Maximum',
    });
  });
});
