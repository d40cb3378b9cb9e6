import type { RecentPopularity } from './types';

/**
 * A trained model's event counts per catalogue item plus the events received since training, kept current by
 * reading only the events that arrived since the previous request (RecentPopularity's log): a request's cost
 * does not grow with the events, nor with the distinct item ids, received since training. Requests run one at
 * a time, so one instance per model serves them all.
 */
export class FollowedPopularity {
  /** Per trained item: trained plus recent events. */
  readonly events: Float64Array;
  /** Per trained item: `term` of its events. */
  readonly terms: Float64Array;
  /** The sum of `events`. */
  total: number;
  /** Recent events per trained item, counted apart so the sums match trained + count exactly. */
  private readonly recentCounts: Float64Array;
  private readonly trainedTotal: number;
  private source?: RecentPopularity;
  private applied = 0;

  constructor(
    private readonly trained: Float64Array,
    private readonly index: ReadonlyMap<string, number>,
    private readonly term: (events: number) => number,
  ) {
    this.events = trained.slice();
    this.terms = trained.map(term);
    this.recentCounts = new Float64Array(trained.length);
    this.trainedTotal = trained.reduce((sum, events) => sum + events, 0);
    this.total = this.trainedTotal;
  }

  /** Brings the counts up to `recent` (none: the trained counts). */
  follow(recent: RecentPopularity | undefined): this {
    if (recent !== this.source) this.reset(recent);
    if (!recent) return this;
    const end = recent.eventCount;
    for (let n = this.applied; n < end; n++) {
      const j = this.index.get(recent.itemOfEvent(n));
      if (j === undefined || j >= this.trained.length) continue;
      const count = (this.recentCounts[j] ?? 0) + 1;
      this.recentCounts[j] = count;
      const events = (this.trained[j] ?? 0) + count;
      this.events[j] = events;
      this.terms[j] = this.term(events);
      this.total += 1;
    }
    this.applied = end;
    return this;
  }

  private reset(recent: RecentPopularity | undefined): void {
    this.source = recent;
    this.applied = 0;
    this.total = this.trainedTotal;
    this.events.set(this.trained);
    this.recentCounts.fill(0);
    for (let j = 0; j < this.trained.length; j++) this.terms[j] = this.term(this.trained[j] ?? 0);
  }
}

/** Events since training held in memory, in arrival order: for tests and callers without the live store. */
export class RecentPopularityLog extends Map<string, number> implements RecentPopularity {
  private readonly log: string[] = [];

  get eventCount(): number {
    return this.log.length;
  }

  itemOfEvent(n: number): string {
    return this.log[n] ?? '';
  }

  /** `events` events on the item arrived. */
  add(itemId: string, events = 1): this {
    this.set(itemId, (this.get(itemId) ?? 0) + events);
    for (let k = 0; k < events; k++) this.log.push(itemId);
    return this;
  }
}

/** Counts as events since training, each item's in a row, in the order given. */
export function recentPopularityOf(counts: Iterable<readonly [string, number]>): RecentPopularityLog {
  const recent = new RecentPopularityLog();
  for (const [itemId, events] of counts) recent.add(itemId, events);
  return recent;
}
