/**
 * Every metric of the stack's own, defined once: its namespace, names, units and dimensions. The functions
 * emit them (lambda/shared/metrics.ts, as CloudWatch embedded metric format lines), the stack's dashboard and alarms read
 * them (lib/constructs/observability.ts), and local mode shows them (local/cloudwatch/). Pure data: the CDK
 * app and local mode import it without the metrics library.
 */

/** The one namespace of the stack's metrics. */
export const METRICS_NAMESPACE = 'NrtRecommendations';

/** The units used here, spelled as CloudWatch (and the embedded metric format) spells them. */
type MetricUnitName = 'Count' | 'Milliseconds';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnitName;
  readonly description: string;
}

/**
 * The dimensions. Every metric carries `service` (the stack's name, Powertools' default dimension), so two
 * stacks in one account keep their figures apart; GET_RECOMMENDATIONS_REQUESTS also carries `Filtered`.
 */
export const DIMENSIONS = {
  service: 'service',
  filtered: 'Filtered',
} as const;

/** The environment variable holding the `service` dimension's value: the stack name (ownership.ts). */
export const SERVICE_DIMENSION_ENV = 'OWNER_TAG_VALUE';

export const METRICS = {
  eventsReceived: {
    name: 'EventsReceived',
    unit: 'Count',
    description:
      'Events in the interaction batches the consumer read from the stream (a batch Lambda retries is counted again)',
  },
  eventsDelivered: {
    name: 'EventsDelivered',
    unit: 'Count',
    description: 'Events Personalize accepted (PutEvents), from the stream and from POST /putEvents',
  },
  eventsSetAside: {
    name: 'EventsSetAside',
    unit: 'Count',
    description:
      'Events of the records the consumer set aside in the failed-records bucket (a malformed record counts none)',
  },
  recordsSetAside: {
    name: 'RecordsSetAside',
    unit: 'Count',
    description: 'Records the consumer set aside in the failed-records bucket, with their error',
  },
  putEventsCalls: { name: 'PutEventsCalls', unit: 'Count', description: 'PutEvents calls made' },
  putEventsErrors: {
    name: 'PutEventsErrors',
    unit: 'Count',
    description: 'PutEvents calls that failed (after the SDK’s own retries)',
  },
  putEventsLatency: {
    name: 'PutEventsLatency',
    unit: 'Milliseconds',
    description: 'Time of one PutEvents call, the SDK’s retries included',
  },
  recommendationRequests: {
    name: 'GetRecommendationsRequests',
    unit: 'Count',
    description: 'GET /getRecommendations requests, by dimension Filtered (yes: with a filterArn)',
  },
  recommendationLatency: {
    name: 'GetRecommendationsLatency',
    unit: 'Milliseconds',
    description: 'Time of a GET /getRecommendations request in its function, the Personalize call included',
  },
  recommendationErrors: {
    name: 'GetRecommendationsErrors',
    unit: 'Count',
    description:
      'GET /getRecommendations requests answered 429 or 5xx: throttled or failed, through no fault of the caller',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;
