import { expect } from '@jest/globals';
import { Match } from 'aws-cdk-lib/assertions';
import { PUT_EVENTS_SOURCE_SETTINGS } from '../../lib/contract/event-source-settings';
import { CONSUMER_FAILURES_PREFIX, FAILED_RECORDS_BUCKET_ENV } from '../../lib/contract/ownership';
import {
  resourcesOf,
  asArray,
  functionByDescription,
  grantLine,
  grantsOfRole,
  roleOf,
  statementsOfRole,
  onlyLogicalIdOf,
  synthesize,
  type Resource,
  type Synthesized,
} from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const logicalId = (type: string): string => onlyLogicalIdOf(synth.template, type);

describe('event stream', () => {
  it('is encrypted with KMS and named by CloudFormation', () => {
    synth.template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      Name: Match.absent(),
    });
  });

  it('uses the AWS managed key: the stack’s one KMS key is the alarm topic’s (docs/deploy.md bills it)', () => {
    const keys = Object.keys(synth.template.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    synth.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keys[0], 'Arn'] },
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
    // The archive and the failed-records bucket.
    synth.template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
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

  it('reads the stream with the settings of lib/contract/event-source-settings.ts', () => {
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

  it('takes a shorter batching window as a setting: 0 seconds with -c batchingWindowSeconds=0, 1 by default', () => {
    // 1 s is the default written out: a change to it is a change of the event path's latency and cost.
    expect(PUT_EVENTS_SOURCE_SETTINGS.maxBatchingWindowSeconds).toBe(1);
    const zero = synthesize({ context: { batchingWindowSeconds: '0' } });
    zero.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumBatchingWindowInSeconds: 0,
    });
    expect(() => synthesize({ context: { batchingWindowSeconds: '301' } })).toThrow(
      /batchingWindowSeconds must be a whole number of seconds from 0 to 300, got "301"/,
    );
    expect(() => synthesize({ context: { batchingWindowSeconds: 'soon' } })).toThrow(/got "soon"/);
  });

  it('may call PutEvents on "*" (it has no resource-level permission); its exact grants are in permissions.test.ts', () => {
    const statements = statementsOfRole(synth.template, roleOf(consumer().resource));
    const putEvents = statements.filter((s) => asArray(s.Action).includes('personalize:PutEvents'));
    expect(putEvents.map((s) => s.Resource)).toEqual(['*']);
  });
});

const failedRecordsBucketId = () => {
  const ids = Object.keys(synth.template.findResources('AWS::S3::Bucket')).filter((id) =>
    id.includes('FailedRecords'),
  );
  if (ids.length !== 1) throw new Error(`Expected one failed-records bucket, found ${ids.length}`);
  return ids[0]!;
};
const consumerOf = () => functionByDescription(synth.template, 'Sends the interaction batches');
const bucketObjects = (prefix: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [failedRecordsBucketId(), 'Arn'] }, `/${prefix}`]],
});

describe('failed records', () => {
  it('are kept in an encrypted bucket with public access blocked, expiring after 90 days', () => {
    const bucket = resourcesOf(synth.template)[failedRecordsBucketId()]!;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: 90, Status: 'Enabled' })],
      },
    });
    expect(bucket.DeletionPolicy).toBe('Delete');
  });

  it('refuses requests that do not use TLS', () => {
    synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: failedRecordsBucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it("are written by Lambda with the full invocation record: the event source mapping's on-failure destination is the bucket", () => {
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [failedRecordsBucketId(), 'Arn'] } },
      },
      MetricsConfig: { Metrics: ['EventCount'] },
    });
  });

  it('no longer go to an SQS queue, which would receive only metadata about the batch', () => {
    synth.template.resourceCountIs('AWS::SQS::Queue', 0);
    const variables = (consumerOf().resource.Properties?.Environment as { Variables: object }).Variables;
    expect(variables).not.toHaveProperty('DEAD_LETTER_QUEUE_URL');
    expect(grantsOfRole(synth.template, roleOf(consumerOf().resource), 'sqs')).toEqual([]);
  });

  it('may be written by Lambda under aws/lambda/ and by the consumer under consumer/ only, and the bucket listed', () => {
    expect(grantsOfRole(synth.template, roleOf(consumerOf().resource), 's3')).toEqual(
      [
        grantLine('s3:PutObject', bucketObjects('aws/lambda/*')),
        grantLine('s3:PutObject', bucketObjects(`${CONSUMER_FAILURES_PREFIX}*`)),
        grantLine('s3:ListBucket', { 'Fn::GetAtt': [failedRecordsBucketId(), 'Arn'] }),
      ].sort(),
    );
  });

  it('are named to the consumer, which sets malformed records aside itself', () => {
    expect(consumerOf().resource.Properties?.Environment).toMatchObject({
      Variables: { [FAILED_RECORDS_BUCKET_ENV]: { Ref: failedRecordsBucketId() } },
    });
  });

  it('are in a bucket named in the stack outputs', () => {
    synth.template.hasOutput('FailedRecordsBucketName', { Value: { Ref: failedRecordsBucketId() } });
  });
});

describe('putEvents consumer limits', () => {
  it('has two minutes, so a full batch can finish (it stops itself before the deadline)', () => {
    expect(consumerOf().resource.Properties?.Timeout).toBe(120);
  });
});

describe('alarms', () => {
  const alarmOnFailedRecords = () => {
    const alarms = synth.template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { Metrics: Match.anyValue() },
    }) as Record<string, Resource>;
    const found = Object.values(alarms).filter((alarm) =>
      JSON.stringify(alarm.Properties?.Metrics).includes('OnFailureDestinationDeliveredEventCount'),
    );
    expect(found).toHaveLength(1);
    return found[0]!.Properties!;
  };

  it("fire when Lambda sends a record to the on-failure destination (the mapping's EventCount metrics)", () => {
    const [mappingId] = Object.keys(synth.template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(alarmOnFailedRecords().Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'OnFailureDestinationDeliveredEventCount',
              Dimensions: [{ Name: 'EventSourceMappingUUID', Value: { Ref: mappingId } }],
            },
            Stat: 'Sum',
          }),
          ReturnData: false,
        }),
      ]),
    );
  });

  it('fire when the consumer sets records aside itself, counted by its own RecordsSetAside metric (one name for one figure, no log metric filter)', () => {
    expect(synth.template.findResources('AWS::Logs::MetricFilter')).toEqual({});
    expect(alarmOnFailedRecords().Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'NrtRecommendations',
              MetricName: 'RecordsSetAside',
              Dimensions: [{ Name: 'service', Value: 'NearRealTimeRecommendations' }],
            },
            Stat: 'Sum',
          }),
        }),
      ]),
    );
  });

  it('fire as soon as one record is set aside, by either path', () => {
    const alarm = alarmOnFailedRecords();
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const expression = (alarm.Metrics as Array<{ Expression?: string; ReturnData?: boolean }>).find(
      (m) => m.Expression,
    );
    expect(expression?.Expression).toMatch(/^FILL\(\w+, ?0\) \+ FILL\(\w+, ?0\)$/);
  });

  it('say where the records are, that objects hold the records themselves, and how to replay them', () => {
    const description = JSON.stringify(alarmOnFailedRecords().AlarmDescription);
    expect(description).toContain(JSON.stringify({ Ref: failedRecordsBucketId() }));
    expect(description).toMatch(/records themselves/);
    expect(description).toContain('npm run replay-failures -- s3://');
    expect(description).toContain("--dataset-group-arn <the stack's DatasetGroupArn output>");
  });

  it('fire when Lambda could not even write a failed batch to the bucket (the records are then lost)', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'DestinationDeliveryFailures',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: consumerOf().id } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
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
