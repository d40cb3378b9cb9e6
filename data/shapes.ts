/**
 * Datasets of other shapes than the sample data, for checking that the models hold up on data not made to suit
 * them (no network here, so no MovieLens: these reproduce the shapes that matter). Not written to disk: the
 * model tests and `npx tsx scripts/metrics.ts --shapes` build them in memory, reproducibly (seeded PRNG).
 *
 * - movieLensLike: ratings as in MovieLens: one event type, most users with few events and a few with very many,
 *   long-tail items, tastes over latent communities that no item field reveals (GENRE null for most items, a
 *   coarse and noisy genre for the rest), rating sessions whose events share one timestamp (ties), no order
 *   inside a user's history.
 * - popularityOnly: every user draws from the same skewed popularity, with random genres: nothing to personalise.
 *   A recommender can at best match popularity here; it should not fall far below it.
 * - sequential: items in ordered series (courses, seasons), users go through a series in order: the next item is
 *   the strongest evidence. GENRE null throughout.
 * - large: the scale check (users, items and interactions as asked), shaped like movieLensLike.
 */
import type { Interaction, Item, TrainingData } from '../local/personalize/model/types';
import { seededRandom } from './random';

/** Index drawn in proportion to the cumulative weights `cumulative` (ascending, last is the total). */
function drawCumulative(cumulative: Float64Array, random: () => number): number {
  const target = random() * (cumulative[cumulative.length - 1] ?? 0);
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((cumulative[middle] ?? 0) > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

function cumulativeOf(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => {
    total += w;
    out[i] = total;
  });
  return out;
}

/** Log-normal count with the given median, at least `min`, at most `max`. */
function logNormalCount(
  random: () => number,
  median: number,
  sigma: number,
  min: number,
  max: number,
): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(min, Math.min(max, Math.round(median * Math.exp(sigma * normal))));
}

/** Zipf weights 1/rank^s over `n` items, in a random order so that item ids say nothing. */
function zipfWeights(n: number, s: number, random: () => number): number[] {
  const weights = Array.from({ length: n }, (_, rank) => 1 / Math.pow(rank + 1, s));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [weights[i], weights[j]] = [weights[j] ?? 0, weights[i] ?? 0];
  }
  return weights;
}

const START = 1_600_000_000;
const DAY = 86_400;

export interface MovieLensLikeOptions {
  readonly seed?: number;
  readonly users?: number;
  readonly items?: number;
  readonly communities?: number;
  /** Median events per user (log-normal, at least 2). */
  readonly medianEvents?: number;
  /** Share of items with a (coarse, noisy) genre; the rest have GENRE null. */
  readonly genreShare?: number;
}

export function movieLensLike(options: MovieLensLikeOptions = {}): TrainingData {
  const {
    seed = 1,
    users = 2000,
    items = 2500,
    communities = 20,
    medianEvents = 12,
    genreShare = 0.3,
  } = options;
  const random = seededRandom(seed);
  const appeal = zipfWeights(items, 1.1, random);
  const communityOf = Array.from({ length: items }, () => Math.floor(random() * communities));
  const members: number[][] = Array.from({ length: communities }, () => []);
  communityOf.forEach((c, i) => members[c]?.push(i));
  const communityCumulative = members.map((list) => cumulativeOf(list.map((i) => appeal[i] ?? 0)));
  const globalCumulative = cumulativeOf(appeal);
  const coarseGenres = ['A', 'B', 'C', 'D', 'E'];

  const itemList: Item[] = Array.from({ length: items }, (_, i) => {
    if (random() >= genreShare) return { itemId: `m${i}`, genres: [] };
    // A coarse genre: right community group 60% of the time, random otherwise.
    const genre =
      random() < 0.6
        ? coarseGenres[(communityOf[i] ?? 0) % coarseGenres.length]
        : coarseGenres[Math.floor(random() * coarseGenres.length)];
    return { itemId: `m${i}`, genres: [genre ?? 'A'] };
  });

  const interactions: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    const tastes = [Math.floor(random() * communities), Math.floor(random() * communities)];
    const count = Math.min(items / 4, logNormalCount(random, medianEvents, 1.1, 2, 800));
    const chosen = new Set<number>();
    let time = START + Math.floor(random() * 300 * DAY);
    let attempts = 0;
    while (chosen.size < count && attempts++ < count * 20) {
      const fromTaste = random() < 0.75;
      const community = tastes[random() < 0.7 ? 0 : 1] ?? 0;
      const list = members[community] ?? [];
      const i =
        fromTaste && list.length > 0
          ? (list[drawCumulative(communityCumulative[community] ?? globalCumulative, random)] ?? 0)
          : drawCumulative(globalCumulative, random);
      if (chosen.has(i)) continue;
      chosen.add(i);
      // Rating sessions: several ratings in the same second, then a gap.
      if (random() < 0.3) time += Math.floor(random() * 5 * DAY);
      interactions.push({ userId: `u${u}`, itemId: `m${i}`, eventType: 'rating', timestamp: time });
    }
  }
  interactions.sort((a, b) => a.timestamp - b.timestamp);
  return { interactions, items: itemList };
}

export function popularityOnly(
  options: { seed?: number; users?: number; items?: number } = {},
): TrainingData {
  const { seed = 2, users = 2000, items = 2000 } = options;
  const random = seededRandom(seed);
  const cumulative = cumulativeOf(zipfWeights(items, 1.0, random));
  const genres = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8'];
  const itemList: Item[] = Array.from({ length: items }, (_, i) => ({
    itemId: `p${i}`,
    genres: [genres[Math.floor(random() * genres.length)] ?? 'g1'],
  }));
  const interactions: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    const count = logNormalCount(random, 15, 0.9, 2, 300);
    const chosen = new Set<number>();
    let attempts = 0;
    while (chosen.size < count && attempts++ < count * 20) {
      const i = drawCumulative(cumulative, random);
      if (chosen.has(i)) continue;
      chosen.add(i);
      interactions.push({
        userId: `u${u}`,
        itemId: `p${i}`,
        eventType: 'purchase',
        timestamp: START + Math.floor(random() * 365 * DAY),
      });
    }
  }
  interactions.sort((a, b) => a.timestamp - b.timestamp);
  return { interactions, items: itemList };
}

export function sequential(
  options: { seed?: number; users?: number; series?: number; seriesLength?: number } = {},
): TrainingData {
  const { seed = 3, users = 1500, series = 150, seriesLength = 10 } = options;
  const random = seededRandom(seed);
  const seriesCumulative = cumulativeOf(zipfWeights(series, 0.8, random));
  const itemList: Item[] = [];
  for (let s = 0; s < series; s++)
    for (let k = 0; k < seriesLength; k++) itemList.push({ itemId: `s${s}e${k}`, genres: [] });
  const interactions: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    let time = START + Math.floor(random() * 300 * DAY);
    const runs = 1 + Math.floor(random() * 4);
    const started = new Set<number>();
    for (let r = 0; r < runs; r++) {
      const s = drawCumulative(seriesCumulative, random);
      if (started.has(s)) continue;
      started.add(s);
      // Starts at the beginning (mostly) and goes on in order for a while.
      const from = random() < 0.7 ? 0 : Math.floor(random() * seriesLength);
      const length = 2 + Math.floor(random() * (seriesLength - 1));
      for (let k = from; k < Math.min(seriesLength, from + length); k++) {
        time += 600 + Math.floor(random() * DAY);
        interactions.push({ userId: `u${u}`, itemId: `s${s}e${k}`, eventType: 'view', timestamp: time });
      }
      time += Math.floor(random() * 20 * DAY);
    }
  }
  interactions.sort((a, b) => a.timestamp - b.timestamp);
  return { interactions, items: itemList };
}

/** For the scale check: `interactions` events over `users` users and `items` items, MovieLens-shaped. */
export function large(options: { users?: number; items?: number; interactions?: number } = {}): TrainingData {
  const { users = 5000, items = 10_000, interactions = 500_000 } = options;
  return movieLensLike({
    seed: 4,
    users,
    items,
    communities: 50,
    medianEvents: Math.round((interactions / users) * 0.55),
    genreShare: 0.5,
  });
}

/** popularityOnly with repeats: users come back to the same items (groceries, music), as often as to new ones. */
export function repeatConsumption(
  options: { seed?: number; users?: number; items?: number } = {},
): TrainingData {
  const { seed = 5, users = 2000, items = 2000 } = options;
  const random = seededRandom(seed);
  const cumulative = cumulativeOf(zipfWeights(items, 1.0, random));
  const itemList: Item[] = Array.from({ length: items }, (_, i) => ({ itemId: `r${i}`, genres: [] }));
  const interactions: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    const count = logNormalCount(random, 20, 0.8, 2, 300);
    const mine: number[] = [];
    let time = START + Math.floor(random() * 30 * DAY);
    for (let k = 0; k < count; k++) {
      const i =
        mine.length > 0 && random() < 0.5
          ? (mine[Math.floor(random() * mine.length)] ?? 0)
          : drawCumulative(cumulative, random);
      mine.push(i);
      time += Math.floor(random() * 3 * DAY);
      interactions.push({ userId: `u${u}`, itemId: `r${i}`, eventType: 'purchase', timestamp: time });
    }
  }
  interactions.sort((a, b) => a.timestamp - b.timestamp);
  return { interactions, items: itemList };
}
