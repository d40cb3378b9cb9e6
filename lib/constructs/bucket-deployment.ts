import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import type * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { IConstruct } from 'constructs';
import { acknowledge, attributeFinding } from './acknowledge';

/** The words the acknowledgements of a BucketDeployment use for it. */
export interface BucketDeploymentWords {
  /** What its function is called, e.g. `upload function`. */
  readonly functionName: string;
  /** What it reads from the CDK assets bucket, e.g. `the CSV asset`. */
  readonly reads: string;
  /** The bucket whose objects it replaces, e.g. `sample data bucket`. */
  readonly bucketName: string;
}

/**
 * The function behind `deployment` (aws-cdk-lib's own, a stack-level singleton per memory size), found through
 * its role rather than as the stack's first BucketDeployment function.
 */
export function deploymentFunctionOf(deployment: s3deploy.BucketDeployment): IConstruct {
  const handler = deployment.handlerRole.node.scope;
  if (!handler) throw new Error(`The BucketDeployment function of ${deployment.node.path} was not found`);
  return handler;
}

/**
 * Acknowledges, finding by finding, what cdk-nag reports on a BucketDeployment's function: the managed policy
 * that lets it log, its grant on the CDK assets bucket and on `bucket`'s objects, and the runtime aws-cdk-lib
 * chooses for it.
 */
export function acknowledgeBucketDeployment(
  deployment: s3deploy.BucketDeployment,
  bucket: IConstruct,
  words: BucketDeploymentWords,
): void {
  const qualifier =
    (deployment.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  acknowledge(
    deployment.handlerRole,
    'AwsSolutions-IAM4',
    `The ${words.functionName} is aws-cdk-lib's BucketDeployment; AWSLambdaBasicExecutionRole lets it write its own logs only.`,
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  );
  acknowledge(
    deployment.handlerRole,
    'AwsSolutions-IAM5',
    `aws-cdk-lib's BucketDeployment grant: read ${words.reads} from the CDK assets bucket and replace the objects of the ${words.bucketName}; the wildcards are object keys and S3 action families within those two buckets.`,
    [
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`,
      attributeFinding(bucket, 'Arn', '/*'),
    ],
  );
  acknowledge(
    deploymentFunctionOf(deployment),
    'AwsSolutions-L1',
    `The ${words.functionName}'s runtime is chosen by aws-cdk-lib's BucketDeployment and moves with aws-cdk-lib upgrades; it runs only while the stack deploys.`,
  );
}
