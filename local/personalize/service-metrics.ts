/**
 * The CloudWatch metrics Personalize itself publishes (namespace AWS/Personalize), counted by the emulator so
 * local mode can show them: `PutEventsRequests`, the events an event tracker received, by EventTrackerArn and
 * by EventTrackerArn and EventType (https://docs.aws.amazon.com/personalize/latest/dg/personalize-monitoring.html:
 * "the events received for the given event tracker ARN"). Data points of the last hour, in memory.
 */

/** The namespace and metric names, as Personalize publishes them. */
const PERSONALIZE_NAMESPACE = 'AWS/Personalize';
export const PUT_EVENTS_REQUESTS = 'PutEventsRequests';

export interface ServiceDataPoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  /** Epoch milliseconds, from the emulator's clock. */
  readonly timestamp: number;
}

/** How long data points are kept. */
const RETENTION_MS = 60 * 60 * 1000;

export class ServiceMetrics {
  private points: ServiceDataPoint[] = [];
  /** Data points dropped as older than the retention: `points[0]` is the data point of this number. */
  private dropped = 0;

  constructor(private readonly now: () => number) {}

  /** Counts the events of one accepted PutEvents call: per tracker, and per tracker and event type. */
  countPutEvents(eventTrackerArn: string, eventTypes: readonly string[]): void {
    const timestamp = this.now();
    this.add({ EventTrackerArn: eventTrackerArn }, eventTypes.length, timestamp);
    const perType = new Map<string, number>();
    for (const eventType of eventTypes) perType.set(eventType, (perType.get(eventType) ?? 0) + 1);
    for (const [eventType, count] of perType) {
      this.add({ EventTrackerArn: eventTrackerArn, EventType: eventType }, count, timestamp);
    }
  }

  /** The data points since `since` (epoch milliseconds), oldest first. */
  since(since: number): ServiceDataPoint[] {
    return this.points.filter((point) => point.timestamp >= since);
  }

  /**
   * The data points from the `n`-th ever counted (0-based), and the number to ask from next time: how the
   * emulator in a process of its own sends local mode's metrics page what it counted since it last sent.
   */
  pointsAfter(n: number): { points: ServiceDataPoint[]; next: number } {
    return {
      points: this.points.slice(Math.max(0, n - this.dropped)),
      next: this.dropped + this.points.length,
    };
  }

  /** Data points counted elsewhere (the emulator in a process of its own), kept as if counted here. */
  addPoints(points: readonly ServiceDataPoint[]): void {
    for (const point of points) this.keep(point);
  }

  private add(dimensions: Record<string, string>, value: number, timestamp: number): void {
    this.keep({
      namespace: PERSONALIZE_NAMESPACE,
      metricName: PUT_EVENTS_REQUESTS,
      dimensions,
      value,
      timestamp,
    });
  }

  private keep(point: ServiceDataPoint): void {
    this.points.push(point);
    const oldest = point.timestamp - RETENTION_MS;
    if ((this.points[0]?.timestamp ?? point.timestamp) < oldest) {
      const kept = this.points.filter((p) => p.timestamp >= oldest);
      this.dropped += this.points.length - kept.length;
      this.points = kept;
    }
  }
}
