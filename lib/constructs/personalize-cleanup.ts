import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { accountPatternFinding, acknowledge, attributeFinding } from './acknowledge';
import { HandlerFunction } from './handler-function';

export interface PersonalizeCleanupProps {
  readonly datasetGroupArn: string;
  readonly solutionArn: string;
  /** How cdk-nag names `solutionArn` in findings (e.g. `<ModelSolutionA44C59A3.SolutionArn>`). */
  readonly solutionFindingName: string;
  /**
   * How long a delete may wait for campaigns and event trackers to go (a campaign still being created
   * cannot be deleted until it is ACTIVE).
   * @default Duration.hours(1)
   */
  readonly totalTimeout?: Duration;
  /** @default Duration.seconds(30) */
  readonly queryInterval?: Duration;
}

/**
 * Removes, when the stack is deleted, what the API created at run time under the dataset group and the
 * solution (campaigns, event trackers, solution versions still training): CloudFormation does not know them,
 * and they would block deleting the solution and the dataset group.
 */
export class PersonalizeCleanup extends Construct {
  public readonly resource: CustomResource;
  public readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: PersonalizeCleanupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const inAccount = (resourceType: string) =>
      `arn:${stack.partition}:personalize:${stack.region}:${stack.account}:${resourceType}/*`;

    const onEvent = new HandlerFunction(this, 'OnEvent', {
      entry: 'cleanupResources',
      exportName: 'onEvent',
      description: 'Deletes the campaigns and event trackers the API created, when the stack is deleted',
      timeout: Duration.minutes(1),
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    const isComplete = new HandlerFunction(this, 'IsComplete', {
      entry: 'cleanupResources',
      exportName: 'isComplete',
      description: 'Reports whether the campaigns and event trackers the API created are gone',
      timeout: Duration.minutes(1),
      logRetention: logs.RetentionDays.ONE_WEEK,
    });

    for (const fn of [onEvent, isComplete]) {
      // Personalize's List* actions do not support resource-level permissions; the handler filters the
      // listings by this stack's solution and dataset group ARNs.
      fn.role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'personalize:ListCampaigns',
            'personalize:ListEventTrackers',
            'personalize:ListSolutionVersions',
          ],
          resources: ['*'],
        }),
      );
      fn.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['personalize:DeleteCampaign'],
          resources: [inAccount('campaign')],
        }),
      );
      fn.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['personalize:DeleteEventTracker'],
          resources: [inAccount('event-tracker')],
        }),
      );
      fn.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['personalize:StopSolutionVersionCreation'],
          // Authorized against the `solution` resource type: the solution's ARN and its versions' ARNs.
          resources: [props.solutionArn, `${props.solutionArn}/*`],
        }),
      );
      acknowledge(
        fn.role,
        'AwsSolutions-IAM5',
        "Personalize's List* actions (ListCampaigns, ListEventTrackers, ListSolutionVersions) have no resource-level permissions; every write is scoped to this account's campaign/event-tracker ARNs and this solution's versions.",
        ['Resource::*'],
      );
      acknowledge(
        fn.role,
        'AwsSolutions-IAM5',
        'Campaigns, event trackers and solution versions are created at run time with caller-chosen names, so only a type-scoped ARN pattern (campaign/*, event-tracker/*, <solution>/*) can be written.',
        [
          accountPatternFinding(this, 'personalize', 'campaign/*'),
          accountPatternFinding(this, 'personalize', 'event-tracker/*'),
          `Resource::${props.solutionFindingName}/*`,
        ],
      );
    }

    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent.function,
      isCompleteHandler: isComplete.function,
      queryInterval: props.queryInterval ?? Duration.seconds(30),
      totalTimeout: props.totalTimeout ?? Duration.hours(1),
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });

    // The Provider framework's own functions, roles and waiter state machine are built by aws-cdk-lib and
    // cannot be configured further; what cdk-nag reports on them is acknowledged here, finding by finding.
    const frameworkFunctions = ['framework-isComplete', 'framework-onTimeout'].map((childId) =>
      this.provider.node.findChild(childId),
    );
    acknowledge(
      this.provider,
      'AwsSolutions-IAM4',
      'The custom-resources Provider framework functions use AWSLambdaBasicExecutionRole (logs only); their roles are not configurable.',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    );
    acknowledge(
      this.provider,
      'AwsSolutions-IAM5',
      'The Provider framework may invoke any version of the cleanup handlers (function ARN followed by :*), and nothing else.',
      [onEvent.function, isComplete.function, ...frameworkFunctions].map((fn) =>
        attributeFinding(fn, 'Arn', ':*'),
      ),
    );
    acknowledge(
      this.provider,
      'AwsSolutions-SF1',
      'The Provider framework\'s waiter state machine only polls isComplete during a stack delete; each poll is logged by the isComplete function (its own log group), so state machine logging (which needs logs:* on "*") would add nothing.',
    );
    acknowledge(
      this.provider,
      'AwsSolutions-SF2',
      "The Provider framework's waiter state machine does not expose X-Ray tracing; it only polls isComplete during a stack delete.",
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::PersonalizeCleanup',
      properties: {
        DatasetGroupArn: props.datasetGroupArn,
        SolutionArn: props.solutionArn,
      },
    });
  }
}
