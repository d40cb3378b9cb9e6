/**
 * The functions' metrics, as CloudWatch embedded metric format (EMF) lines on stdout, written by Powertools
 * Metrics: CloudWatch Logs turns each line into metric data points, with no PutMetricData call and no
 * permission (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html).
 * Names, units and dimensions come from metric-definitions.ts only.
 *
 * One Metrics buffer per invocation, not one per module: local mode runs several invocations of the same
 * modules at once in one process, and a shared buffer would publish one request's figures with another's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DIMENSIONS,
  METRICS,
  METRICS_NAMESPACE,
  SERVICE_DIMENSION_ENV,
  type MetricKey,
} from '../../lib/contract/metric-definitions';

const invocation = new AsyncLocalStorage<Metrics>();

function newMetrics(): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    // Powertools' default dimension `service`: the stack's name.
    serviceName: process.env[SERVICE_DIMENSION_ENV] ?? 'unknown',
  });
}

/**
 * Runs `work` with a buffer of its own for the metrics it records (`countMetric`, `timeMetric`), and
 * publishes them as one EMF line when it settles, whether it succeeded or threw.
 */
export async function withMetrics<T>(work: () => Promise<T>): Promise<T> {
  const metrics = newMetrics();
  try {
    return await invocation.run(metrics, work);
  } finally {
    // Nothing recorded, nothing written (Powertools would warn on an empty flush).
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

/** Records `value` of a metric in the invocation's buffer; outside `withMetrics`, as a line of its own. */
export function recordMetric(key: MetricKey, value: number): void {
  const { name, unit } = METRICS[key];
  const metrics = invocation.getStore();
  if (metrics) {
    metrics.addMetric(name, unit, value);
    return;
  }
  const single = newMetrics();
  single.addMetric(name, unit, value);
  single.publishStoredMetrics();
}

/**
 * A GET /getRecommendations request, counted with its Filtered dimension. A line of its own: the dimension
 * set of one EMF line applies to all its metrics, and the latency and errors carry `service` only.
 */
export function countRecommendationRequest(filtered: boolean): void {
  const single = newMetrics();
  single.addDimension(DIMENSIONS.filtered, filtered ? 'yes' : 'no');
  single.addMetric(METRICS.recommendationRequests.name, METRICS.recommendationRequests.unit, 1);
  single.publishStoredMetrics();
}
