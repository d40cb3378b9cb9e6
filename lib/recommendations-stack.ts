import { CfnOutput, CfnParameter, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { OWNER_TAG_ENV } from '../lambda/shared/ownership';
import { PUT_EVENTS_CONSUMER } from './api-routes';
import { booleanContext, CONTEXT_KEYS, parseAutoTraining } from './context';
import { DemoPage } from './constructs/demo-page';
import { EventPipeline } from './constructs/event-pipeline';
import { HandlerFunction } from './constructs/handler-function';
import { PersonalizeModel } from './constructs/personalize-model';
import { RecommendationsApi } from './constructs/recommendations-api';
import { STACK_OUTPUTS } from './stack-outputs';

export interface RecommendationsStackProps extends StackProps {
  /**
   * Recipe of the Personalize solution.
   * @default USER_PERSONALIZATION_RECIPE_ARN (aws-user-personalization)
   */
  readonly recipeArn?: string;
  /**
   * Whether the stack sets API Gateway's account-level CloudWatch role, which the stage's access logs need
   * (a stage fails to create on an account that never set one). The role and the setting are retained when
   * the stack is deleted: the setting is account-wide and other APIs may rely on it.
   * @default - context `apiGatewayCloudWatchRole`, else true (`-c apiGatewayCloudWatchRole=false` for an
   * account that already has one)
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * The solution's automatic training: `false`, or a schedule `rate(N days)` (N from 1 to 30). A new
   * Personalize solution trains a version every 7 days unless told otherwise; each training is billed.
   * @default - context `autoTraining`, else false
   */
  readonly autoTraining?: string;
}

/**
 * Near-real-time recommendations on Amazon Personalize. The stack only composes: the deploy parameters,
 * the model, the event pipeline and its consumer, the API, and the outputs.
 */
export class RecommendationsStack extends Stack {
  public readonly model: PersonalizeModel;
  public readonly events: EventPipeline;
  public readonly api: RecommendationsApi;

  constructor(scope: Construct, id: string, props: RecommendationsStackProps = {}) {
    super(scope, id, props);

    const parameters = this.deployParameters();

    this.model = new PersonalizeModel(this, 'Model', {
      bucketArn: parameters.bucketArn,
      bucketObjectsArn: parameters.bucketObjectsArn,
      interactionDataLocation: parameters.interactionDataLocation,
      itemDataLocation: parameters.itemDataLocation,
      recipeArn: props.recipeArn,
      autoTraining: parseAutoTraining(
        props.autoTraining ?? this.node.tryGetContext(CONTEXT_KEYS.autoTraining),
      ),
    });

    const consumer = new HandlerFunction(this, 'PutEventsConsumer', {
      entry: PUT_EVENTS_CONSUMER.handler,
      description: 'Sends the interaction batches of the event stream to Personalize',
      // Room for a full batch (100 records, up to 1,000 events each, 10 per PutEvents call); the consumer
      // stops itself before the deadline and reports the rest as batch item failures.
      timeout: Duration.minutes(2),
      environment: {
        SOLUTION_REGION: parameters.solutionRegion,
        [OWNER_TAG_ENV]: this.stackName,
        ...this.model.environmentOf(PUT_EVENTS_CONSUMER.environment),
      },
    });
    this.model.grant(consumer.function, PUT_EVENTS_CONSUMER.permissions);
    this.events = new EventPipeline(this, 'Events', { consumer });

    this.api = new RecommendationsApi(this, 'Api', {
      model: this.model,
      events: this.events,
      accountCloudWatchRole:
        props.apiGatewayCloudWatchRole ?? booleanContext(this, CONTEXT_KEYS.apiGatewayCloudWatchRole, true),
    });

    if (booleanContext(this, CONTEXT_KEYS.demoPage, false)) {
      const demoPage = new DemoPage(this, 'DemoPage', {
        api: this.api.restApi,
        datasetGroupArn: this.model.datasetGroup.attrDatasetGroupArn,
      });
      new CfnOutput(this, 'DemoPageUrl', { value: `${demoPage.origin}/`, description: 'The demo page' });
    }

    this.addOutputs();
  }

  /** The seed's deploy parameters, kept so its `cdk deploy --parameters ...` command works unchanged. */
  private deployParameters() {
    const bucketArn = new CfnParameter(this, 'bucketARN', {
      type: 'String',
      description: 'ARN of the S3 bucket holding the dataset CSV files, e.g. arn:aws:s3:::my-bucket',
      allowedPattern: '^arn:aws[a-z-]*:s3:::[a-z0-9.\\-]+$',
    });
    const bucketObjectsArn = new CfnParameter(this, 'bucketObjectsARN', {
      type: 'String',
      description: "ARN of the bucket's objects, e.g. arn:aws:s3:::my-bucket/*",
      allowedPattern: '^arn:aws[a-z-]*:s3:::[a-z0-9.\\-]+/.*$',
    });
    const interactionDataLocation = new CfnParameter(this, 'interactionDataLocation', {
      type: 'String',
      description: 'S3 URI of the interactions CSV, e.g. s3://my-bucket/interactions.csv',
      allowedPattern: '^s3://.+$',
    });
    const itemDataLocation = new CfnParameter(this, 'itemDataLocation', {
      type: 'String',
      description: 'S3 URI of the items CSV, e.g. s3://my-bucket/items.csv',
      allowedPattern: '^s3://.+$',
    });
    const solutionRegion = new CfnParameter(this, 'solutionRegion', {
      type: 'String',
      description:
        'Region of the deployment (informational, as in the original sample: the stack deploys to the region of the CDK environment)',
      default: '',
    });
    return {
      bucketArn: bucketArn.valueAsString,
      bucketObjectsArn: bucketObjectsArn.valueAsString,
      interactionDataLocation: interactionDataLocation.valueAsString,
      itemDataLocation: itemDataLocation.valueAsString,
      solutionRegion: solutionRegion.valueAsString,
    };
  }

  /** The stack outputs, named as local mode writes them (lib/stack-outputs.ts). */
  private addOutputs(): void {
    const outputs: Record<keyof typeof STACK_OUTPUTS, { value: string; description: string }> = {
      apiUrl: { value: this.api.restApi.url, description: 'Base URL of the API (stage prod)' },
      apiKeyId: {
        value: this.api.apiKey.keyId,
        description: 'Id of the API key: aws apigateway get-api-key --api-key <id> --include-value',
      },
      datasetGroupArn: {
        value: this.model.datasetGroup.attrDatasetGroupArn,
        description: 'Personalize dataset group',
      },
      solutionArn: {
        value: this.model.solution.attrSolutionArn,
        description: 'Personalize solution to train',
      },
      streamName: { value: this.events.stream.streamName, description: 'Kinesis stream of POST /data' },
      archiveBucketName: {
        value: this.events.archiveBucket.bucketName,
        description: 'S3 archive of the events',
      },
      failedRecordsBucketName: {
        value: this.events.failedRecordsBucket.bucketName,
        description:
          'S3 bucket of the records that could not be delivered (npm run replay-failures -- s3://<bucket>)',
      },
    };
    for (const [key, output] of Object.entries(outputs)) {
      new CfnOutput(this, STACK_OUTPUTS[key as keyof typeof STACK_OUTPUTS], output);
    }
  }
}
