/** Local mode's metric store: what the metrics page sums per minute and the latency percentiles it reads. */
import { METRICS, METRICS_NAMESPACE } from '../../lib/contract/metric-definitions';
import { MetricStore } from '../../local/cloudwatch/metric-store';

const MINUTE = 60_000;
/** 10:00:00 UTC of a day, a whole minute. */
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);

/** An EMF line as Powertools writes it: one directive, the metrics' values as fields. */
function emf(
  timestamp: number,
  values: Record<string, number | number[]>,
  namespace = METRICS_NAMESPACE,
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['service']],
          Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    },
    service: 'recommendations-api',
    ...values,
  });
}

describe('MetricStore', () => {
  it("sums each minute's events from the lines of the stack's namespace only, and counts the data points of each line", () => {
    const now = T0 + 3 * MINUTE + 10_000;
    const store = new MetricStore(
      () => [],
      () => now,
    );
    const received = METRICS.eventsReceived.name;
    expect(store.addEmfLine(emf(T0 + 1_000, { [received]: 3, [METRICS.eventsDelivered.name]: 2 }))).toBe(2);
    expect(store.addEmfLine(emf(T0 + 59_999, { [received]: [1, 4] }))).toBe(1);
    expect(store.addEmfLine(emf(T0 + MINUTE, { [received]: 7 }))).toBe(1);
    expect(store.addEmfLine(emf(T0 + 2_000, { [received]: 100 }, 'Other'))).toBe(0);
    expect(store.addEmfLine('not json')).toBe(0);
    const minutes = store.summary(3).minutes;
    expect(minutes.map((minute) => [minute.start, minute.eventsReceived, minute.eventsDelivered])).toEqual([
      [new Date(T0).toISOString(), 8, 2],
      [new Date(T0 + MINUTE).toISOString(), 7, 0],
      [new Date(T0 + 2 * MINUTE).toISOString(), 0, 0],
      [new Date(T0 + 3 * MINUTE).toISOString(), 0, 0],
    ]);
  });

  it('reads the latency percentiles over the last minutes to the millisecond, not whole minutes', () => {
    const now = T0 + 5 * MINUTE + 30_000;
    const store = new MetricStore(
      () => [],
      () => now,
    );
    const latency = METRICS.recommendationLatency.name;
    // 30 s before the 5-minute window: left out, though its minute is partly inside.
    store.addEmfLine(emf(now - 5 * MINUTE - 1, { [latency]: 1_000 }));
    for (let index = 1; index <= 100; index += 1) {
      store.addEmfLine(emf(now - 5 * MINUTE + index * 1_000, { [latency]: index }));
    }
    const { recommendationLatency } = store.summary(10, 5);
    expect(recommendationLatency).toEqual({ windowMinutes: 5, requests: 100, p50: 50, p99: 99 });
  });

  it('keeps an hour: a minute older than that is dropped once a new minute begins', () => {
    let now = T0;
    const store = new MetricStore(
      () => [],
      () => now,
    );
    const received = METRICS.eventsReceived.name;
    store.addEmfLine(emf(T0, { [received]: 5 }));
    now = T0 + 61 * MINUTE;
    store.addEmfLine(emf(now, { [received]: 1 }));
    // The window reaching back over the dropped minute finds nothing there.
    const minutes = store.summary(61).minutes;
    expect(minutes[0]).toEqual(
      expect.objectContaining({ start: new Date(T0).toISOString(), eventsReceived: 0 }),
    );
    expect(minutes.at(-1)).toEqual(expect.objectContaining({ eventsReceived: 1 }));
  });
});
