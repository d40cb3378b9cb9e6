import { Pacer } from '../shared';
import type { Interaction } from '../types';
import { COLLABORATIVE_SETTINGS } from './settings';

/** Each item's events, each weighing 0.5^(age / half-life) at `referenceTime`. */
async function decayedCounts(
  events: readonly Interaction[],
  index: ReadonlyMap<string, number>,
  referenceTime: number,
  halfLifeDays: number,
  pacer: Pacer,
): Promise<number[]> {
  const counts = new Array<number>(index.size).fill(0);
  const halfLife = halfLifeDays * 86_400;
  await pacer.chunks(events.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      const event = events[e];
      const i = event && index.get(event.itemId);
      if (event && i !== undefined)
        counts[i] = (counts[i] ?? 0) + Math.pow(0.5, Math.max(0, referenceTime - event.timestamp) / halfLife);
    }
  });
  return counts;
}

/** The k-th smallest value (0-based) by quickselect on a copy, one partition pass at a time. */
async function kthSmallest(values: Float64Array, k: number, pacer: Pacer): Promise<number> {
  const a = values.slice();
  let low = 0;
  let high = a.length - 1;
  while (low < high) {
    const pivot = a[(low + high) >> 1] ?? 0;
    let i = low;
    let j = high;
    while (i <= j) {
      while ((a[i] ?? 0) < pivot) i++;
      while ((a[j] ?? 0) > pivot) j--;
      if (i <= j) {
        const t = a[i] ?? 0;
        a[i++] = a[j] ?? 0;
        a[j--] = t;
      }
    }
    // A partition step (a comparison, sometimes a swap) costs about a tenth of a co-occurrence pair.
    await pacer.step(Math.ceil((high - low) / 10), 'popularity');
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else break;
  }
  return a[k] ?? 0;
}

/** The log-likelihood of the newest events (time >= cutTime) under the popularity of the others. */
async function halfLifeLikelihood(
  times: Float64Array,
  items: Int32Array,
  size: number,
  cut: { cutTime: number; latestEarlier: number; halfLifeDays: number },
  pacer: Pacer,
): Promise<number> {
  const halfLife = cut.halfLifeDays * 86_400;
  const counts = new Float64Array(size);
  await pacer.chunks(times.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      const i = items[e] ?? -1;
      const time = times[e] ?? 0;
      if (i >= 0 && time < cut.cutTime)
        counts[i] = (counts[i] ?? 0) + Math.pow(0.5, (cut.latestEarlier - time) / halfLife);
    }
  });
  let total = 0.5 * counts.length;
  for (const count of counts) total += count;
  let likelihood = 0;
  await pacer.chunks(times.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      if ((times[e] ?? 0) >= cut.cutTime)
        likelihood += Math.log(((counts[items[e] ?? -1] ?? 0) + 0.5) / total);
    }
  });
  return likelihood;
}

/**
 * The candidate half-life whose popularity, computed on the events before the newest tenth (by time), gives that
 * tenth the highest likelihood (counts smoothed by half an event per item). Ties go to the longer half-life.
 */
async function popularityHalfLifeFor(
  events: readonly Interaction[],
  index: ReadonlyMap<string, number>,
  pacer = new Pacer(),
): Promise<number> {
  const candidates = COLLABORATIVE_SETTINGS.popularityHalfLifeDays;
  const fallback = candidates[candidates.length - 1] ?? Infinity;
  const times = new Float64Array(events.length);
  const items = new Int32Array(events.length);
  await pacer.chunks(events.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      times[e] = events[e]?.timestamp ?? 0;
      items[e] = index.get(events[e]?.itemId ?? '') ?? -1;
    }
  });
  if (times.length === 0) return fallback;
  const cutTime = await kthSmallest(times, Math.floor(times.length * 0.9), pacer);
  let earliestNewest = Infinity;
  let latestEarlier = -Infinity;
  await pacer.chunks(times.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      const time = times[e] ?? 0;
      if (time < cutTime) latestEarlier = Math.max(latestEarlier, time);
      else earliestNewest = Math.min(earliestNewest, time);
    }
  });
  if (latestEarlier === -Infinity || earliestNewest === Infinity) return fallback;
  let best = fallback;
  let bestLikelihood = -Infinity;
  for (const halfLifeDays of [...candidates].reverse()) {
    const cut = { cutTime, latestEarlier, halfLifeDays };
    const likelihood = await halfLifeLikelihood(times, items, index.size, cut, pacer);
    if (likelihood > bestLikelihood + 1e-9) {
      best = halfLifeDays;
      bestLikelihood = likelihood;
    }
  }
  return best;
}

/**
 * The time popularity is measured at: the newest event, unless the newest few lie far past the bulk of the data
 * (events sent live long after the imported history was recorded, a device's clock set ahead). Measured at such
 * an outlier, every other event would decay to nothing and those few would make popularity alone.
 *
 * The newest `outliers` events (1% of them, at least 10) cannot move it far: it is at most the timestamp with that
 * many events newer (`high`) plus the time the as many events before it took (`high - low`), the bulk's own pace.
 * On data without outliers that bound lies about at the newest event, which stays the reference; events after the
 * reference weigh as much as one at it. Events far older than the rest do not move it either: a high quantile.
 */
async function popularityReferenceTime(
  interactions: readonly Interaction[],
  pacer = new Pacer(),
): Promise<number> {
  const times = new Float64Array(interactions.length);
  let newest = -Infinity;
  await pacer.chunks(interactions.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      const time = interactions[e]?.timestamp ?? 0;
      times[e] = time;
      newest = Math.max(newest, time);
    }
  });
  const n = times.length;
  if (n === 0) return 0;
  const outliers = Math.max(10, Math.ceil(n * COLLABORATIVE_SETTINGS.referenceOutlierShare));
  const high = await kthSmallest(times, Math.max(0, n - 1 - outliers), pacer);
  const low = await kthSmallest(times, Math.max(0, n - 1 - 2 * outliers), pacer);
  return Math.min(newest, high + (high - low));
}

/** The recency-weighted popularity prior, with the half-life that best predicts the newest events. */
export async function popularityPrior(
  interactions: readonly Interaction[],
  index: ReadonlyMap<string, number>,
  pacer: Pacer,
): Promise<number[]> {
  const referenceTime = await popularityReferenceTime(interactions, pacer);
  const halfLifeDays = await popularityHalfLifeFor(interactions, index, pacer);
  const popularity = await decayedCounts(interactions, index, referenceTime, halfLifeDays, pacer);
  return popularity.map((p) => Number(p.toPrecision(6)));
}
