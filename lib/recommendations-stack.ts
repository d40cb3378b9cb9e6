import {
  CfnCondition,
  CfnOutput,
  CfnParameter,
  CfnRule,
  Duration,
  Fn,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { OWNER_TAG_ENV } from './contract/ownership';
import { PUT_EVENTS_CONSUMER } from './contract/api-routes';
import { parseBatchingWindowSeconds } from './contract/event-source-settings';
import { booleanContext, CONTEXT_KEYS, parseAutoTraining, stringContext } from './context';
import { acknowledge } from './constructs/acknowledge';
import { DemoPage } from './constructs/demo-page';
import { EventPipeline } from './constructs/event-pipeline';
import { HandlerFunction } from './constructs/handler-function';
import { Observability } from './constructs/observability';
import { PersonalizeModel } from './constructs/personalize-model';
import { PersonalizeProvisioning } from './constructs/personalize-provisioning';
import { RecommendationsApi } from './constructs/recommendations-api';
import { SampleDataBucket } from './constructs/sample-data-bucket';
import { filterOutputName } from './contract/personalize-filters';
import { PROVISIONING_OUTPUTS, STACK_OUTPUTS } from './contract/stack-outputs';

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
  /**
   * The consumer's batching window in seconds (0 to 300): 0 gives lower latency for more invocations.
   * @default - context `batchingWindowSeconds`, else 1
   */
  readonly batchingWindowSeconds?: number;
  /**
   * An e-mail address the alarms notify (through the stack's alarm topic; SNS asks it to confirm first).
   * @default - context `alarmEmail`, else none (the topic has no subscription)
   */
  readonly alarmEmail?: string;
  /**
   * A Users dataset, filled by POST /users (PutUsers).
   * @default - context `usersDataset`, else false
   */
  readonly usersDataset?: boolean;
  /**
   * Items can be retired (an AVAILABILITY field and the `available` filter). Turning it on for a deployed
   * stack replaces its dataset group (docs/catalogue.md).
   * @default - context `retirableItems`, else false
   */
  readonly retirableItems?: boolean;
}

/** The deploy parameters' values: the data bucket and locations (the user's, else the stack's own). */
interface DeployParameters {
  readonly bucketArn: string;
  readonly bucketObjectsArn: string;
  readonly interactionDataLocation: string;
  readonly itemDataLocation: string;
  readonly solutionRegion: string;
}

/**
 * Near-real-time recommendations on Amazon Personalize. The stack only composes: the deploy parameters,
 * the model, the event pipeline and its consumer, the API, and the outputs.
 */
export class RecommendationsStack extends Stack {
  public readonly model: PersonalizeModel;
  public readonly events: EventPipeline;
  public readonly api: RecommendationsApi;
  /** The alarm topic, the alarms' actions and the dashboard. */
  public readonly observability: Observability;
  /** The one-shot provisioning, with context `provision=true` only. */
  public readonly provisioning?: PersonalizeProvisioning;

  constructor(scope: Construct, id: string, props: RecommendationsStackProps = {}) {
    super(scope, id, props);

    const parameters = this.deployParameters();
    this.model = this.personalizeModel(props, parameters);
    const consumer = this.putEventsConsumer(parameters.solutionRegion);
    this.events = new EventPipeline(this, 'Events', {
      consumer,
      batchingWindow: Duration.seconds(
        parseBatchingWindowSeconds(
          props.batchingWindowSeconds ?? this.node.tryGetContext(CONTEXT_KEYS.batchingWindowSeconds),
        ),
      ),
    });
    this.api = new RecommendationsApi(this, 'Api', {
      model: this.model,
      events: this.events,
      accountCloudWatchRole:
        props.apiGatewayCloudWatchRole ?? booleanContext(this, CONTEXT_KEYS.apiGatewayCloudWatchRole, true),
    });
    this.observability = new Observability(this, 'Observability', {
      api: this.api,
      events: this.events,
      consumer,
      alarmEmail: props.alarmEmail ?? stringContext(this, CONTEXT_KEYS.alarmEmail),
    });

    if (booleanContext(this, CONTEXT_KEYS.demoPage, false)) this.addDemoPage();
    if (booleanContext(this, CONTEXT_KEYS.provision, false)) {
      this.provisioning = new PersonalizeProvisioning(this, 'Provisioning', { model: this.model });
      this.addProvisioningOutputs(this.provisioning);
    }
    this.addOutputs();
  }

  /**
   * The dataset group, its datasets, solution and filters, importing from the data bucket the parameters
   * chose; the props, else the context, decide the recipe, the optional datasets and automatic training.
   */
  private personalizeModel(props: RecommendationsStackProps, parameters: DeployParameters): PersonalizeModel {
    const model = new PersonalizeModel(this, 'Model', {
      bucketArn: parameters.bucketArn,
      bucketObjectsArn: parameters.bucketObjectsArn,
      interactionDataLocation: parameters.interactionDataLocation,
      itemDataLocation: parameters.itemDataLocation,
      recipeArn: props.recipeArn,
      usersDataset: props.usersDataset ?? booleanContext(this, CONTEXT_KEYS.usersDataset, false),
      retirableItems: props.retirableItems ?? booleanContext(this, CONTEXT_KEYS.retirableItems, false),
      autoTraining: parseAutoTraining(
        props.autoTraining ?? this.node.tryGetContext(CONTEXT_KEYS.autoTraining),
      ),
    });

    acknowledge(
      model.importRole,
      'AwsSolutions-IAM5',
      "s3:GetObject on the data bucket's objects: the objects of the stack's own sample data bucket (its ARN followed by /*) or the bucketObjectsARN given, one bucket either way.",
      [`Resource::${JSON.stringify(this.resolve(parameters.bucketObjectsArn))}`],
    );
    for (const dataset of [model.interactionsDataset, model.itemsDataset]) {
      acknowledge(
        dataset,
        'CloudFormation-Validate::W1032',
        "The data location's parameter defaults to '' and is read only when given: the stack's rule BucketParametersTogether refuses a deploy with some of the bucket parameters empty, and with all four empty the condition DataBucketNotGiven reads the stack's own bucket instead.",
      );
    }
    return model;
  }

  /** The event stream's consumer, which sends the interactions to Personalize (PutEvents). */
  private putEventsConsumer(solutionRegion: string): HandlerFunction {
    const consumer = new HandlerFunction(this, 'PutEventsConsumer', {
      entry: PUT_EVENTS_CONSUMER.handler,
      description: 'Sends the interaction batches of the event stream to Personalize',
      // Room for a full batch (100 records, up to 1,000 events each, 10 per PutEvents call); the consumer
      // stops itself before the deadline and reports the rest as batch item failures.
      timeout: Duration.minutes(2),
      environment: {
        SOLUTION_REGION: solutionRegion,
        [OWNER_TAG_ENV]: this.stackName,
        ...this.model.environmentOf(PUT_EVENTS_CONSUMER.environment),
      },
    });
    this.model.grant(consumer.function, PUT_EVENTS_CONSUMER.permissions);
    return consumer;
  }

  /** The demo page (context `demoPage=true`) on the API's stage, and its URL as an output. */
  private addDemoPage(): void {
    const demoPage = new DemoPage(this, 'DemoPage', {
      api: this.api.restApi,
      datasetGroupArn: this.model.datasetGroup.attrDatasetGroupArn,
    });
    new CfnOutput(this, 'DemoPageUrl', { value: `${demoPage.origin}/`, description: 'The demo page' });
  }

  /** What the one-shot provisioning made, named as local mode writes them (PROVISIONING_OUTPUTS). */
  private addProvisioningOutputs(provisioning: PersonalizeProvisioning): void {
    const descriptions: Record<keyof typeof PROVISIONING_OUTPUTS, string> = {
      solutionVersionArn: 'Solution version trained by the deploy',
      campaignArn: 'Campaign serving it: GET /getRecommendations?campaignArn=...',
      eventTrackerArn: 'Event tracker of the dataset group',
      trackingId: 'Tracking id of the event tracker (POST /data, POST /putEvents)',
    };
    for (const [key, name] of Object.entries(PROVISIONING_OUTPUTS)) {
      new CfnOutput(this, name, {
        value: provisioning.resource.getAttString(name),
        description: descriptions[key as keyof typeof PROVISIONING_OUTPUTS],
      });
    }
  }

  /**
   * The seed's deploy parameters, kept so its `cdk deploy --parameters ...` command works unchanged, and
   * optional: with none (all four bucket parameters ''), the stack creates its own bucket holding the sample
   * CSVs (SampleDataBucket, under the condition DataBucketNotGiven) and imports from it. One template
   * serves both: the values below choose with Fn::If.
   */
  private deployParameters(): DeployParameters {
    const optional = (id: string, description: string, pattern: string) =>
      new CfnParameter(this, id, {
        type: 'String',
        description: `${description} (leave empty, with the other bucket parameters, to import the sample data from a bucket the stack creates)`,
        // Empty, or a well-formed value.
        allowedPattern: `^(${pattern})?$`,
        constraintDescription: `${id} must be empty or match ${pattern}`,
        default: '',
      });
    const bucketArn = optional(
      'bucketARN',
      'ARN of the S3 bucket holding the dataset CSV files, e.g. arn:aws:s3:::my-bucket',
      'arn:aws[a-z-]*:s3:::[a-z0-9.\\-]+',
    );
    const bucketObjectsArn = optional(
      'bucketObjectsARN',
      "ARN of the bucket's objects, e.g. arn:aws:s3:::my-bucket/*",
      'arn:aws[a-z-]*:s3:::[a-z0-9.\\-]+/.*',
    );
    const interactionDataLocation = optional(
      'interactionDataLocation',
      'S3 URI of the interactions CSV, e.g. s3://my-bucket/interactions.csv',
      's3://.+',
    );
    const itemDataLocation = optional(
      'itemDataLocation',
      'S3 URI of the items CSV, e.g. s3://my-bucket/items.csv',
      's3://.+',
    );
    const solutionRegion = new CfnParameter(this, 'solutionRegion', {
      type: 'String',
      description:
        'Region of the deployment (informational, as in the original sample: the stack deploys to the region of the CDK environment)',
      default: '',
    });

    const bucketParameters = [bucketArn, bucketObjectsArn, interactionDataLocation, itemDataLocation];
    const empty = (parameter: CfnParameter) => Fn.conditionEquals(parameter.valueAsString, '');
    // Any of the four empty (the rule below lets it be all four or none): a template checker then knows
    // that the user's branch of every Fn::If below has all four values.
    const noBucket = new CfnCondition(this, 'DataBucketNotGiven', {
      expression: Fn.conditionOr(...bucketParameters.map(empty)),
    });
    // All four bucket parameters, or none: a half-given bucket is refused before anything is created.
    new CfnRule(this, 'BucketParametersTogether', {
      assertions: [
        {
          assert: Fn.conditionOr(
            Fn.conditionAnd(...bucketParameters.map(empty)),
            Fn.conditionAnd(...bucketParameters.map((parameter) => Fn.conditionNot(empty(parameter)))),
          ),
          assertDescription:
            'Give all four of bucketARN, bucketObjectsARN, interactionDataLocation and itemDataLocation, or none (the stack then imports the sample data from a bucket of its own)',
        },
      ],
    });

    const sample = new SampleDataBucket(this, 'SampleData', { condition: noBucket });
    const choose = (stackValue: string, userValue: string) =>
      Fn.conditionIf(noBucket.logicalId, stackValue, userValue).toString();
    // The locations' parameters through Fn::Join: the template checker then reports the empty default on
    // the datasets (W1032, acknowledged there) rather than on the whole stack.
    const location = (parameter: CfnParameter) => Fn.join('', [parameter.valueAsString, '']);
    return {
      bucketArn: choose(sample.bucketArn, bucketArn.valueAsString),
      bucketObjectsArn: choose(sample.objectsArn, bucketObjectsArn.valueAsString),
      interactionDataLocation: choose(sample.interactionDataLocation, location(interactionDataLocation)),
      itemDataLocation: choose(sample.itemDataLocation, location(itemDataLocation)),
      solutionRegion: solutionRegion.valueAsString,
    };
  }

  /** The stack outputs, named as local mode writes them (lib/contract/stack-outputs.ts). */
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
          'S3 bucket of the records that could not be delivered (npm run replay-failures -- s3://<bucket> --dataset-group-arn <DatasetGroupArn>)',
      },
    };
    for (const [key, output] of Object.entries(outputs)) {
      new CfnOutput(this, STACK_OUTPUTS[key as keyof typeof STACK_OUTPUTS], output);
    }
    for (const filter of this.model.filters.filters) {
      new CfnOutput(this, filterOutputName(filter.definition), {
        value: filter.resource.getAttString('FilterArn'),
        description: `Personalize filter "${filter.definition.name}": ${filter.definition.description}`,
      });
    }
  }
}
