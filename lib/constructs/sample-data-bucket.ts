import * as path from 'node:path';
import { CfnResource, RemovalPolicy, Stack, type CfnCondition } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge } from './acknowledge';
import { acknowledgeBucketDeployment, deploymentFunctionOf } from './bucket-deployment';
import { DEFAULTS } from './defaults';
import { PRIVATE_BUCKET_PROPS } from './private-bucket';

/** The sample CSVs the stack uploads when no bucket is given, and their keys in the bucket. */
const SAMPLE_DATA_DIR = path.join(__dirname, '..', '..', 'data');
const SAMPLE_DATA_FILES = { interactions: 'interactions.csv', items: 'items.csv' } as const;

export interface SampleDataBucketProps {
  /**
   * Every CloudFormation resource of the construct (and of its deployment function) is created only when
   * this condition holds: the stack's "no bucket given" condition.
   */
  readonly condition: CfnCondition;
  /** @default SAMPLE_DATA_DIR */
  readonly dataDir?: string;
}

/**
 * The stack's own data bucket, for a deploy without parameters: private, encrypted, SSL only, readable by
 * Personalize for this account only, holding data/interactions.csv and data/items.csv (BucketDeployment).
 * Every resource carries `condition`, so the same template deploys with the user's bucket and creates none
 * of this. The data locations read the bucket's name through the deployment's own attribute, so an import
 * job that reads them starts only once the upload is complete (an implicit dependency, valid inside Fn::If,
 * where a DependsOn on a conditional resource would not be).
 */
export class SampleDataBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly deployment: s3deploy.BucketDeployment;
  /** `arn:aws:s3:::bucket`, read from the deployment. */
  public readonly bucketArn: string;
  /** `arn:aws:s3:::bucket/*`, read from the deployment. */
  public readonly objectsArn: string;
  /** `s3://bucket/interactions.csv`, read from the deployment. */
  public readonly interactionDataLocation: string;
  /** `s3://bucket/items.csv`, read from the deployment. */
  public readonly itemDataLocation: string;

  constructor(scope: Construct, id: string, props: SampleDataBucketProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Emptied by the deployment's own delete (retainOnDelete: false), then deleted with the stack.
    this.bucket = new s3.Bucket(this, 'Bucket', PRIVATE_BUCKET_PROPS);
    // What Personalize needs on the bucket itself (besides the import role's grant), for this account only.
    const personalizeRead = (actions: string[], resource: string) =>
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('personalize.amazonaws.com')],
        actions,
        resources: [resource],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      });
    this.bucket.addToResourcePolicy(personalizeRead(['s3:GetObject'], this.bucket.arnForObjects('*')));
    this.bucket.addToResourcePolicy(personalizeRead(['s3:ListBucket'], this.bucket.bucketArn));
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'The bucket holds the sample CSV files only, written by the stack deployment and read by the Personalize import jobs; server access logs would need a second bucket of their own.',
    );

    const dataDir = props.dataDir ?? SAMPLE_DATA_DIR;
    const files = Object.values(SAMPLE_DATA_FILES);
    this.deployment = new s3deploy.BucketDeployment(this, 'Upload', {
      destinationBucket: this.bucket,
      // The two CSV files, nothing else of the directory.
      sources: [s3deploy.Source.asset(dataDir, { exclude: ['*', ...files.map((file) => `!${file}`)] })],
      retainOnDelete: false,
      // Its own deployment function (another BucketDeployment of the stack uses 256 MiB): this one carries
      // the condition, the other must not.
      memoryLimit: 512,
      // Its logs go with the stack (the function's default log group would be retained on delete).
      logGroup: new logs.LogGroup(this, 'UploadLogs', {
        retention: DEFAULTS.logRetention.customResource,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });

    const deployed = this.deployment.deployedBucket;
    this.bucketArn = deployed.bucketArn;
    this.objectsArn = deployed.arnForObjects('*');
    this.interactionDataLocation = `s3://${deployed.bucketName}/${SAMPLE_DATA_FILES.interactions}`;
    this.itemDataLocation = `s3://${deployed.bucketName}/${SAMPLE_DATA_FILES.items}`;

    for (const root of [this, deploymentFunctionOf(this.deployment)]) applyCondition(root, props.condition);
    acknowledgeBucketDeployment(this.deployment, this.bucket, {
      functionName: 'upload function',
      reads: 'the CSV asset',
      bucketName: 'sample data bucket',
    });
  }
}

/** Sets `condition` on every CloudFormation resource under `root`. */
function applyCondition(root: IConstruct, condition: CfnCondition): void {
  for (const construct of root.node.findAll()) {
    if (CfnResource.isCfnResource(construct)) construct.cfnOptions.condition = condition;
  }
}
