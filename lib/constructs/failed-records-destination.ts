import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { S3OnFailureDestination } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The key prefix under which Lambda writes on-failure records of a stream event source mapping:
 * `aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>` (Lambda developer
 * guide, "Retain discarded batch records for a Kinesis Data Streams event source").
 */
export const LAMBDA_FAILURES_PREFIX = 'aws/lambda/';

/**
 * An S3 on-failure destination for a Kinesis event source mapping: Lambda writes the whole invocation
 * record to the bucket, with the function's execution role. aws-cdk-lib's S3OnFailureDestination grants
 * that role read and write on the whole bucket (`grantReadWrite`); the AWS docs ask for s3:PutObject and
 * s3:ListBucket, so this grants s3:PutObject under Lambda's own key prefix and s3:ListBucket, nothing more.
 */
export class FailedRecordsDestination extends S3OnFailureDestination {
  constructor(private readonly failedRecords: s3.IBucket) {
    super(failedRecords);
  }

  public override bind(
    _target: lambda.IEventSourceMapping,
    targetHandler: lambda.IFunction,
  ): lambda.DlqDestinationConfig {
    targetHandler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.failedRecords.arnForObjects(`${LAMBDA_FAILURES_PREFIX}*`)],
      }),
    );
    targetHandler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.failedRecords.bucketArn] }),
    );
    return { destination: this.failedRecords.bucketArn };
  }
}
