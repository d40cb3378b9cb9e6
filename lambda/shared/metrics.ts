/**
 * The functions' metrics, as CloudWatch embedded metric format (EMF) lines on stdout, written by Powertools
 * Metrics: CloudWatch Logs turns each line into metric data points, with no PutMetricData call and no
 * permission (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html).
 * Names, units and dimensions come from metric-definitions.ts only.
 *
 * One Metrics buffer per invocation, not one per module: local mode runs several invocations of the same
 * modules at once in one process, and a shared buffer would publish one request's figures with another's.
 * Buffers are reused, each by one invocation at a time: building one (a Console, the environment read) costs
 * about 25 µs, paid twice a GET /getRecommendations before they were.
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

/** What Powertools Metrics reads from the environment when it is built, and the stack's name. */
const CONFIG_ENV = [
  SERVICE_DIMENSION_ENV,
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_METRICS_FUNCTION_NAME',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_DISABLED',
  'POWERTOOLS_DEV',
] as const;

/** Idle buffers, by the environment they were built with: a change of it (tests do) builds new ones. */
const idle = new Map<string, Metrics[]>();

/** A buffer with nothing in it, for one invocation's use until `release`. */
function acquire(): { metrics: Metrics; release: () => void } {
  const config = CONFIG_ENV.map((name) => process.env[name] ?? '').join('\0');
  const metrics =
    idle.get(config)?.pop() ??
    new Metrics({
      namespace: METRICS_NAMESPACE,
      // Powertools' default dimension `service`: the stack's name.
      serviceName: process.env[SERVICE_DIMENSION_ENV] ?? 'unknown',
    });
  const release = () => {
    // Publishing empties it; clearing again covers a buffer given back without a publish.
    metrics.clearMetrics();
    metrics.clearDimensions();
    metrics.clearMetadata();
    const free = idle.get(config) ?? [];
    free.push(metrics);
    idle.set(config, free);
  };
  return { metrics, release };
}

/**
 * Runs `work` with a buffer of its own for the metrics it records (`countMetric`, `timeMetric`), and
 * publishes them as one EMF line when it settles, whether it succeeded or threw.
 */
export async function withMetrics<T>(work: () => Promise<T>): Promise<T> {
  const { metrics, release } = acquire();
  try {
    return await invocation.run(metrics, work);
  } finally {
    // Nothing recorded, nothing written (Powertools would warn on an empty flush).
    try {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    } finally {
      release();
    }
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
  publishAlone((single) => single.addMetric(name, unit, value));
}

/** Publishes what `record` adds to a buffer of its own, as one line. */
function publishAlone(record: (metrics: Metrics) => void): void {
  const { metrics, release } = acquire();
  try {
    record(metrics);
    metrics.publishStoredMetrics();
  } finally {
    release();
  }
}

/**
 * A GET /getRecommendations request, counted with its Filtered dimension. A line of its own: the dimension
 * set of one EMF line applies to all its metrics, and the latency and errors carry `service` only.
 */
export function countRecommendationRequest(filtered: boolean): void {
  publishAlone((single) => {
    single.addDimension(DIMENSIONS.filtered, filtered ? 'yes' : 'no');
    single.addMetric(METRICS.recommendationRequests.name, METRICS.recommendationRequests.unit, 1);
  });
}
