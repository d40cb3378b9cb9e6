import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS, METRICS_NAMESPACE, type MetricKey } from '../contract/metric-definitions';
import { MAX_MIN_PROVISIONED_TPS } from '../contract/requests';
import { ROUTES } from '../contract/api-routes';
import { API_STAGE_NAME } from '../contract/stack-outputs';
import type { EventPipeline } from './event-pipeline';
import type { HandlerFunction } from './handler-function';
import type { RecommendationsApi } from './recommendations-api';

export interface ObservabilityProps {
  readonly api: RecommendationsApi;
  readonly events: EventPipeline;
  /** The putEvents consumer (its iterator age). */
  readonly consumer: HandlerFunction;
  /**
   * An e-mail address subscribed to the alarm topic (SNS asks it to confirm before it sends anything).
   * @default - none: the topic has no subscription
   */
  readonly alarmEmail?: string;
  /**
   * GET /getRecommendations errors (429 or 5xx) in five minutes that raise the alarm.
   * @default 5
   */
  readonly recommendationErrorsThreshold?: number;
}

/**
 * What an operator watches: an SNS topic every alarm of the stack notifies (encrypted with a key of its own,
 * the only kind CloudWatch can publish with: the AWS managed key of SNS does not let CloudWatch use it,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services), with an
 * optional e-mail subscription; an alarm on GET /getRecommendations errors; and a dashboard of the path end
 * to end: requests per route, the stream and the consumer, events delivered and set aside, Personalize's
 * event-tracker metrics and the campaigns' requests against their provisioned TPS.
 */
export class Observability extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly alarmTopicKey: kms.Key;
  public readonly recommendationErrorsAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
      throw new Error(`Observability alarmEmail must be an e-mail address, got "${props.alarmEmail}"`);
    }
    this.alarmTopicKey = this.topicKey();
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${Stack.of(this).stackName} alarms`,
      masterKey: this.alarmTopicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    this.recommendationErrorsAlarm = new cloudwatch.Alarm(this, 'RecommendationErrorsAlarm', {
      alarmDescription:
        'GET /getRecommendations answered 429 (throttled: the campaign or the API is at its limit) or 5xx several times in five minutes. The function logs each as "Request failed" or "Request rejected" with its cause.',
      metric: this.ownMetric('recommendationErrors', cloudwatch.Stats.SUM, Duration.minutes(5)),
      threshold: props.recommendationErrorsThreshold ?? 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const action = new SnsAction(this.alarmTopic);
    for (const alarm of [
      props.events.consumerLagAlarm,
      props.events.failedRecordsAlarm,
      props.events.failedRecordsLostAlarm,
      this.recommendationErrorsAlarm,
    ]) {
      alarm.addAlarmAction(action);
      // Also told when it is over.
      alarm.addOkAction(action);
    }

    this.dashboard = this.createDashboard(props);
  }

  /** A key for the topic, with rotation, that CloudWatch (this account's alarms) may use to publish. */
  private topicKey(): kms.Key {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the alarm topic of ${Stack.of(this).stackName}`,
      enableKeyRotation: true,
      // Deleted with the stack, after KMS's shortest waiting period: nothing is left to bill.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // In a key policy, "*" is the key the policy is attached to, not every key (KMS key policies page).
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    return key;
  }

  private createDashboard(props: ObservabilityProps): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(...this.apiWidgets(props.api));
    dashboard.addWidgets(...this.streamWidgets(props));
    dashboard.addWidgets(...this.personalizeWidgets());
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        width: 24,
        alarms: [
          props.events.consumerLagAlarm,
          props.events.failedRecordsAlarm,
          props.events.failedRecordsLostAlarm,
          this.recommendationErrorsAlarm,
        ],
      }),
    );
    return dashboard;
  }

  /** Requests per route and their latency (API Gateway's per-method metrics: the stage has them on). */
  private apiWidgets(api: RecommendationsApi): cloudwatch.IWidget[] {
    const perRoute = (metricName: string, statistic: string) =>
      ROUTES.map(
        (route) =>
          new cloudwatch.Metric({
            namespace: 'AWS/ApiGateway',
            metricName,
            dimensionsMap: {
              ApiName: api.restApi.restApiName,
              Method: route.method,
              Resource: route.path,
              Stage: API_STAGE_NAME,
            },
            statistic,
            period: Duration.minutes(1),
            label: `${route.method} ${route.path}`,
          }),
      );
    return [
      new cloudwatch.GraphWidget({
        title: 'Requests per route',
        width: 8,
        left: perRoute('Count', cloudwatch.Stats.SUM),
      }),
      new cloudwatch.GraphWidget({
        title: 'Latency per route (p99, ms)',
        width: 8,
        left: perRoute('Latency', cloudwatch.Stats.p(99)),
      }),
      new cloudwatch.GraphWidget({
        title: 'GET /getRecommendations in its function',
        width: 8,
        left: [
          this.ownMetric(
            'recommendationLatency',
            cloudwatch.Stats.p(50),
            Duration.minutes(1),
            'latency p50 (ms)',
          ),
          this.ownMetric(
            'recommendationLatency',
            cloudwatch.Stats.p(99),
            Duration.minutes(1),
            'latency p99 (ms)',
          ),
        ],
        right: [this.ownMetric('recommendationErrors', cloudwatch.Stats.SUM, Duration.minutes(1), 'errors')],
      }),
    ];
  }

  /** The stream's incoming records, the consumer's iterator age, and what became of the events. */
  private streamWidgets(props: ObservabilityProps): cloudwatch.IWidget[] {
    const minute = Duration.minutes(1);
    return [
      new cloudwatch.GraphWidget({
        title: 'Stream: incoming records',
        width: 8,
        left: [
          props.events.stream.metricIncomingRecords({ statistic: cloudwatch.Stats.SUM, period: minute }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Consumer: iterator age (ms)',
        width: 8,
        left: [
          props.consumer.function.metric('IteratorAge', {
            statistic: cloudwatch.Stats.MAXIMUM,
            period: minute,
          }),
        ],
        leftAnnotations: [{ value: Duration.minutes(1).toMilliseconds(), label: 'lag alarm' }],
      }),
      new cloudwatch.GraphWidget({
        title: 'Events received, delivered, set aside',
        width: 8,
        left: (['eventsReceived', 'eventsDelivered', 'eventsSetAside'] as const).map((key) =>
          this.ownMetric(key, cloudwatch.Stats.SUM, minute),
        ),
        right: [this.ownMetric('recordsSetAside', cloudwatch.Stats.SUM, minute)],
      }),
    ];
  }

  /**
   * Personalize's own metrics (AWS/Personalize): the event tracker's PutEventsRequests, by EventTrackerArn
   * and by EventType (https://docs.aws.amazon.com/personalize/latest/dg/personalize-monitoring.html), and the
   * campaigns' GetRecommendations per second against their provisioned TPS. Trackers and campaigns are
   * created at run time, so the widgets find them with SEARCH.
   */
  private personalizeWidgets(): cloudwatch.IWidget[] {
    const search = (query: string, statistic: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('${query}', '${statistic}', 60)`,
        label,
        period: Duration.minutes(1),
      });
    return [
      new cloudwatch.GraphWidget({
        title: 'Personalize: events per event tracker (PutEventsRequests)',
        width: 8,
        left: [search('{AWS/Personalize,EventTrackerArn} MetricName="PutEventsRequests"', 'Sum', '')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Personalize: events per event type (PutEventsRequests)',
        width: 8,
        left: [
          search('{AWS/Personalize,EventTrackerArn,EventType} MetricName="PutEventsRequests"', 'Sum', ''),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Campaigns: requests per second vs provisioned TPS',
        width: 8,
        left: [
          new cloudwatch.MathExpression({
            expression:
              "SEARCH('{AWS/Personalize,CampaignArn} MetricName=\"GetRecommendations\"', 'Sum', 60) / 60",
            label: 'GetRecommendations per second',
            period: Duration.minutes(1),
          }),
        ],
        leftAnnotations: [
          { value: 1, label: 'minProvisionedTPS by default (POST /campaign)' },
          { value: MAX_MIN_PROVISIONED_TPS, label: 'most minProvisionedTPS POST /campaign allows' },
        ],
      }),
    ];
  }

  /** One of the stack's own metrics (metric-definitions.ts), this stack's (dimension `service`). */
  private ownMetric(key: MetricKey, statistic: string, period: Duration, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRICS[key].name,
      dimensionsMap: { [DIMENSIONS.service]: Stack.of(this).stackName },
      statistic,
      period,
      label,
    });
  }
}
