/**
 * Local mode's stand-in for CloudWatch metrics: the functions' EMF lines (what CloudWatch Logs would turn
 * into metrics) and the emulator's AWS/Personalize data points, kept for the last hour, and the summary the
 * metrics page shows: per minute, events received, delivered and set aside, and Personalize's
 * PutEventsRequests; recommendation latency p50/p99 over the last minutes.
 */
import { METRICS, METRICS_NAMESPACE } from '../../lib/contract/metric-definitions';
import type { ServiceDataPoint } from '../personalize';

/** One metric's values from one EMF line. */
export interface DataPoint {
  readonly metricName: string;
  readonly values: readonly number[];
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

interface EmfDirective {
  readonly Namespace?: string;
  readonly Dimensions?: ReadonlyArray<readonly string[]>;
  readonly Metrics?: ReadonlyArray<{ readonly Name?: string }>;
}

/**
 * The data points of an EMF line of the stack's namespace (one per metric it holds); none for any other
 * line. The format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
function emfDataPoints(line: string): DataPoint[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return [];
  }
  if (parsed === null || typeof parsed !== 'object') return [];
  const record = parsed as Record<string, unknown>;
  const aws = record._aws as { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] } | undefined;
  if (!aws || typeof aws.Timestamp !== 'number' || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const timestamp = aws.Timestamp;
  return aws.CloudWatchMetrics.filter((directive) => directive.Namespace === METRICS_NAMESPACE).flatMap(
    (directive) => {
      const names = (directive.Dimensions ?? []).flat();
      const dimensions = Object.fromEntries(names.map((name) => [name, String(record[name])]));
      return (directive.Metrics ?? []).flatMap(({ Name }) => {
        const value = Name === undefined ? undefined : record[Name];
        const values = (Array.isArray(value) ? value : [value]).filter(
          (v): v is number => typeof v === 'number',
        );
        return Name === undefined || values.length === 0
          ? []
          : [{ metricName: Name, values, dimensions, timestamp }];
      });
    },
  );
}

/** What the metrics page shows. */
export interface MetricsSummary {
  readonly generatedAt: string;
  /** The last `windowMinutes` whole minutes and the current one, oldest first. */
  readonly minutes: ReadonlyArray<{
    readonly start: string;
    readonly eventsReceived: number;
    readonly eventsDelivered: number;
    readonly eventsSetAside: number;
    /** AWS/Personalize PutEventsRequests: the events the emulator's event trackers received. */
    readonly personalizeEvents: number;
  }>;
  readonly recommendationLatency: {
    readonly windowMinutes: number;
    readonly requests: number;
    readonly p50: number | null;
    readonly p99: number | null;
  };
  /** AWS/Personalize PutEventsRequests per event tracker and event type over the window. */
  readonly personalizeByEventType: ReadonlyArray<{
    readonly eventTrackerArn: string;
    readonly eventType: string;
    readonly events: number;
  }>;
}

const MINUTE_MS = 60_000;
const RETENTION_MS = 60 * MINUTE_MS;

/** The value at percentile `p` (nearest rank) of `values`; null for none. */
function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

export class MetricStore {
  private points: DataPoint[] = [];

  constructor(
    /** The emulator's AWS/Personalize data points since a time. */
    private readonly personalizePoints: (since: number) => readonly ServiceDataPoint[] = () => [],
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the data points of one EMF line; answers how many it held. */
  addEmfLine(line: string): number {
    const points = emfDataPoints(line);
    this.points.push(...points);
    const oldest = this.now() - RETENTION_MS;
    if ((this.points[0]?.timestamp ?? Infinity) < oldest) {
      this.points = this.points.filter((point) => point.timestamp >= oldest);
    }
    return points.length;
  }

  summary(windowMinutes = 10, latencyMinutes = 5): MetricsSummary {
    const now = this.now();
    const firstMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS - windowMinutes * MINUTE_MS;
    const sumIn = (name: string, start: number) =>
      this.points
        .filter((p) => p.metricName === name && p.timestamp >= start && p.timestamp < start + MINUTE_MS)
        .reduce((sum, p) => sum + p.values.reduce((a, b) => a + b, 0), 0);
    const personalize = this.personalizePoints(firstMinute);
    const trackerTotals = personalize.filter((p) => p.dimensions.EventType === undefined);
    const minutes = Array.from({ length: windowMinutes + 1 }, (_, index) => {
      const start = firstMinute + index * MINUTE_MS;
      return {
        start: new Date(start).toISOString(),
        eventsReceived: sumIn(METRICS.eventsReceived.name, start),
        eventsDelivered: sumIn(METRICS.eventsDelivered.name, start),
        eventsSetAside: sumIn(METRICS.eventsSetAside.name, start),
        personalizeEvents: trackerTotals
          .filter((p) => p.timestamp >= start && p.timestamp < start + MINUTE_MS)
          .reduce((sum, p) => sum + p.value, 0),
      };
    });
    const latencies = this.points
      .filter(
        (p) =>
          p.metricName === METRICS.recommendationLatency.name &&
          p.timestamp >= now - latencyMinutes * MINUTE_MS,
      )
      .flatMap((p) => p.values);
    const byType = new Map<string, { eventTrackerArn: string; eventType: string; events: number }>();
    for (const point of personalize) {
      const { EventTrackerArn: eventTrackerArn, EventType: eventType } = point.dimensions;
      if (eventTrackerArn === undefined || eventType === undefined) continue;
      const key = `${eventTrackerArn}\n${eventType}`;
      const entry = byType.get(key) ?? { eventTrackerArn, eventType, events: 0 };
      entry.events += point.value;
      byType.set(key, entry);
    }
    return {
      generatedAt: new Date(now).toISOString(),
      minutes,
      recommendationLatency: {
        windowMinutes: latencyMinutes,
        requests: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
      },
      personalizeByEventType: [...byType.values()],
    };
  }
}
