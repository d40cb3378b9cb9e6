/**
 * Local mode's stand-in for CloudWatch metrics: the functions' EMF lines (what CloudWatch Logs would turn
 * into metrics) and the emulator's AWS/Personalize data points, kept for the last hour, and the summary the
 * metrics page shows: per minute, events received, delivered and set aside, and Personalize's
 * PutEventsRequests; recommendation latency p50/p99 over the last minutes.
 */
import { METRICS, METRICS_NAMESPACE } from '../../lib/contract/metric-definitions';
import type { ServiceDataPoint } from '../personalize';

interface EmfDirective {
  readonly Namespace?: string;
  readonly Metrics?: ReadonlyArray<{ readonly Name?: string }>;
}

/**
 * Calls `take` with each metric of an EMF line of the stack's namespace that has numeric values (its name, its
 * values, the line's timestamp); answers how many. Nothing for any other line. The format:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
function forEachEmfMetric(
  line: string,
  take: (metricName: string, values: readonly number[], timestamp: number) => void,
): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return 0;
  }
  if (parsed === null || typeof parsed !== 'object') return 0;
  const record = parsed as Record<string, unknown>;
  const aws = record._aws as { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] } | undefined;
  if (!aws || typeof aws.Timestamp !== 'number' || !Array.isArray(aws.CloudWatchMetrics)) return 0;
  let count = 0;
  for (const directive of aws.CloudWatchMetrics) {
    if (directive.Namespace !== METRICS_NAMESPACE) continue;
    for (const { Name } of directive.Metrics ?? []) {
      if (Name === undefined) continue;
      const value = record[Name];
      const values = (Array.isArray(value) ? value : [value]).filter(
        (v): v is number => typeof v === 'number',
      );
      if (values.length === 0) continue;
      take(Name, values, aws.Timestamp);
      count += 1;
    }
  }
  return count;
}

/**
 * One minute of the functions' metrics, as the page reads them: each metric's sum, and the recommendation
 * latencies with their times (the latency window is not whole minutes). Kept as totals and number arrays, not
 * an object per data point: under load that was thousands of objects a second kept for an hour, for the
 * serving thread's garbage collector to copy and mark.
 */
interface MinuteOfMetrics {
  readonly sums: Map<string, number>;
  readonly latencyTimes: number[];
  readonly latencies: number[];
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
  /** By the minute's start (epoch ms), oldest first. */
  private readonly minutes = new Map<number, MinuteOfMetrics>();

  constructor(
    /** The emulator's AWS/Personalize data points since a time. */
    private readonly personalizePoints: (since: number) => readonly ServiceDataPoint[] = () => [],
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the data points of one EMF line; answers how many it held. */
  addEmfLine(line: string): number {
    return forEachEmfMetric(line, (metricName, values, timestamp) => {
      const minute = this.minuteOf(timestamp);
      let sum = minute.sums.get(metricName) ?? 0;
      for (const value of values) sum += value;
      minute.sums.set(metricName, sum);
      if (metricName === METRICS.recommendationLatency.name) {
        for (const value of values) {
          minute.latencyTimes.push(timestamp);
          minute.latencies.push(value);
        }
      }
    });
  }

  /** The minute a timestamp falls in; a new one drops the minutes older than the retention. */
  private minuteOf(timestamp: number): MinuteOfMetrics {
    const start = Math.floor(timestamp / MINUTE_MS) * MINUTE_MS;
    let minute = this.minutes.get(start);
    if (!minute) {
      minute = { sums: new Map(), latencyTimes: [], latencies: [] };
      this.minutes.set(start, minute);
      const oldest = this.now() - RETENTION_MS;
      for (const kept of this.minutes.keys()) {
        if (kept + MINUTE_MS <= oldest) this.minutes.delete(kept);
      }
    }
    return minute;
  }

  summary(windowMinutes = 10, latencyMinutes = 5): MetricsSummary {
    const now = this.now();
    const firstMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS - windowMinutes * MINUTE_MS;
    const sumIn = (name: string, start: number) => this.minutes.get(start)?.sums.get(name) ?? 0;
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
    const latencySince = now - latencyMinutes * MINUTE_MS;
    const latencies: number[] = [];
    for (const [start, minute] of this.minutes) {
      if (start + MINUTE_MS <= latencySince) continue;
      minute.latencyTimes.forEach((time, index) => {
        if (time >= latencySince) latencies.push(minute.latencies[index] as number);
      });
    }
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
