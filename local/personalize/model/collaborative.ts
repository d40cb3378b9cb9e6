import {
  catalogueOf,
  interactionsByUser,
  maxOf,
  Pacer,
  tieOrders,
  topIndices,
  topScored,
  unseenNewItems,
} from './shared';
import { packLists, packListsNow, unpackLists, type PackedLists, type PackedSnapshot } from './packing';
import type {
  Interaction,
  Item,
  LiveContext,
  RankRequest,
  RecipeName,
  RecommendRequest,
  ScoredItem,
  TrainedModel,
  TrainingData,
} from './types';

/**
 * Settings of the collaborative model, chosen on the sample data with the held-out protocol and kept generic
 * (nothing here knows how the sample data was made).
 */
export const COLLABORATIVE_SETTINGS = {
  /** Neighbours kept per item: enough for ranking, small enough to serialise. */
  neighbours: 80,
  /**
   * Each interaction is paired with at most this many of the user's items before it and after it (in order of
   * first interaction): a user's co-occurrence work is linear in their history, and nearby items are the
   * stronger evidence anyway.
   */
  pairWindow: 100,
  /** Co-occurrences closer in time than about this count extra: sessions and binges are strong evidence. */
  sessionSeconds: 6 * 3600,
  sessionBoost: 2,
  /** Shrinks similarities that rest on few users towards 0. */
  shrinkage: 3,
  /**
   * Candidate half-lives of an event's weight in the popularity prior. Training keeps the one whose popularity
   * best predicts the newest tenth of the events from the rest: trends move within weeks for films, while some
   * catalogues barely drift at all.
   */
  popularityHalfLifeDays: [3, 7, 14, 30, 60, 120, 365, Infinity] as readonly number[],
  /**
   * The share of the newest events that cannot move the time popularity is measured at (at least 10 events): a
   * few events far past the rest do not decay all the others (see popularityReferenceTime).
   */
  referenceOutlierShare: 0.01,
  /** Weight of the user's latest items: the p-th latest weighs exp(-p / recentSpan). */
  recentSpan: 3,
  recentShare: 0.6,
  /** Logit weights of the co-occurrence, genre-affinity and popularity components (each scaled to [0, 1]). */
  cooccurrenceWeight: 2.2,
  genreWeight: 0.9,
  popularityWeight: 1.2,
  /**
   * Cold items (no training events: new or never interacted with) have no co-occurrence evidence; they borrow
   * this share of it from their genre affinity, and score as if this popular (0-1 log scale). Exploration, for
   * users with a profile only: for a user never seen, cold items rank below every item with events.
   */
  coldCooccurrenceShare: 0.35,
  /** Items added since training (live.newItems) have had no chance to be seen yet: explored more. */
  newItemCooccurrenceShare: 0.7,
  explorationPopularity: 0.55,
  /**
   * Items the user already interacted with share this part of the probability mass when training measured no
   * returns at all (see CollaborativeSnapshot.repeatShare): they sink, but stay in the softmax.
   */
  minimumRepeatShare: 1e-4,
  /** Softmax temperature over the catalogue: low enough that the top items carry visible mass. */
  temperature: 0.3,
};

export interface CollaborativeSnapshot {
  readonly recipe: RecipeName;
  readonly itemIds: readonly string[];
  readonly genres: readonly string[];
  /** Per item, the indices of its genres in `genres`. */
  readonly itemGenres: readonly (readonly number[])[];
  /** Per item, flat [neighbour index, similarity, ...] pairs, most similar first. */
  readonly neighbours: readonly (readonly number[])[];
  /** Recency-weighted event counts at the end of training. */
  readonly popularity: readonly number[];
  /** Per user, item indices by last interaction, oldest first. */
  readonly histories: Readonly<Record<string, readonly number[]>>;
  /**
   * How often users went back to an item they had left for other items, measured on the training data: the
   * probability mass that items already in the user's profile get. Near 0 for films (people rarely rewatch),
   * large for groceries or music. Absent in snapshots written before it existed: the minimum.
   */
  readonly repeatShare?: number;
}

/** The catalogue at query time: training items plus items added since (live.newItems). */
interface QueryCatalogue {
  readonly itemIds: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Item j's genre indices are genreFlat[genreStart[j]] .. genreFlat[genreStart[j + 1] - 1]. */
  readonly genreStart: Int32Array;
  readonly genreFlat: Int32Array;
  /** Per item, its place among items tied in score and popularity (see tieOrder). */
  readonly order: Float64Array;
}

/**
 * A user's distribution over the catalogue, without a score array: per item its logit and its group (the items
 * new to the user, or those in the profile), and per group the log of its share over its softmax normaliser. An
 * item's score is exp(key), key = (logit - group max) / temperature + group offset.
 */
interface Distribution {
  readonly logits: Float64Array;
  /** 1 for items in the user's profile when the two groups are mixed, else 0. */
  readonly group: Float64Array;
  readonly max: readonly [number, number];
  readonly offset: readonly [number, number];
  /** Trained plus recent events per item: the tie-break of equal scores. */
  readonly events: Float64Array;
}

/**
 * Work arrays reused from request to request (a request runs synchronously, so one set per model serves them
 * all): serving allocates no catalogue-sized array.
 */
class Scratch {
  private readonly buffers = new Map<string, Float64Array>();

  /** The array kept under `name`, of length `size`, zeroed. */
  zeroed(name: string, size: number): Float64Array {
    let buffer = this.buffers.get(name);
    if (buffer?.length !== size) {
      buffer = new Float64Array(size);
      this.buffers.set(name, buffer);
    } else {
      buffer.fill(0);
    }
    return buffer;
  }
}

/** Genre lists flattened into two typed arrays (see QueryCatalogue). */
function flattenGenres(lists: readonly (readonly number[])[]): {
  genreStart: Int32Array;
  genreFlat: Int32Array;
} {
  const genreStart = new Int32Array(lists.length + 1);
  let total = 0;
  lists.forEach((list, j) => {
    genreStart[j] = total;
    total += list.length;
  });
  genreStart[lists.length] = total;
  const genreFlat = new Int32Array(total);
  lists.forEach((list, j) => genreFlat.set(list, genreStart[j] ?? 0));
  return { genreStart, genreFlat };
}

/**
 * aws-user-personalization, aws-personalized-ranking and aws-sims share one model: time-aware item-item
 * co-occurrence (cosine with shrinkage), genre affinity for cold items, and a recency-weighted popularity prior.
 * A user's profile is the training history plus the events accepted since (live.userEvents), the latest weighing
 * most: that is what makes the recommendations follow the user in near real time without retraining.
 *
 * Serving is linear in the catalogue with no sort: one pass for the logits, one for both softmax normalisers,
 * a bounded heap for the top k, and exp only for the k returned.
 */
export class CollaborativeModel implements TrainedModel {
  private readonly index: Map<string, number>;
  private readonly genreIndex: Map<string, number>;
  private readonly maxLogPopularity: number;
  private readonly trainedPopularity: Float64Array;
  /** The popularity component of each trained item with no events since training. */
  private readonly trainedPopularityTerm: Float64Array;
  private readonly catalogue: QueryCatalogue;
  private readonly scratch = new Scratch();

  private readonly state: CollaborativeSnapshot;
  /** The JSON form's packed lists, once computed (or as loaded). */
  private packed?: PackedLists;

  constructor(
    readonly recipe: RecipeName,
    snapshot: CollaborativeSnapshot | PackedSnapshot,
  ) {
    let state: CollaborativeSnapshot;
    if ('packed' in snapshot && snapshot.packed) {
      const { packed, ...rest } = snapshot;
      state = { ...rest, ...unpackLists(packed) };
      this.packed = packed;
    } else {
      state = snapshot as CollaborativeSnapshot;
    }
    this.state = state;
    this.index = new Map(state.itemIds.map((id, i) => [id, i]));
    this.genreIndex = new Map(state.genres.map((genre, i) => [genre, i]));
    this.maxLogPopularity = Math.log1p(maxOf(state.popularity, 1e-9));
    this.trainedPopularity = Float64Array.from(state.popularity);
    this.trainedPopularityTerm = this.trainedPopularity.map((events) =>
      Math.min(1, Math.log1p(events) / this.maxLogPopularity),
    );
    this.catalogue = {
      itemIds: state.itemIds,
      index: this.index,
      ...flattenGenres(state.itemGenres),
      order: tieOrders(state.itemIds),
    };
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const catalogue = this.queryCatalogue(request.live.newItems);
    if (this.recipe === 'aws-sims') return this.relatedItems(catalogue, request);
    const distribution = this.distribution(catalogue, request.userId, request.live);
    const keys = keysOf(distribution, this.scratch);
    const { events } = distribution;
    return topIndices(keys, request.numResults, events, undefined, catalogue.order).map((j) => ({
      itemId: catalogue.itemIds[j] ?? '',
      score: Math.exp(keys[j] ?? -Infinity),
    }));
  }

  /** Orders the given items for the user; scores are a softmax over the given items. */
  rank(request: RankRequest): ScoredItem[] {
    const catalogue = this.queryCatalogue(request.live.newItems);
    const distribution = this.distribution(catalogue, request.userId, request.live);
    const wanted = [...new Set(request.itemIds)];
    // Items outside the catalogue rank last, with a share far below any known item's.
    const maxScore = Math.exp(Math.max(...distribution.offset));
    const floor = Math.min(1e-12, maxScore * 1e-9);
    const positions = wanted.map((id) => catalogue.index.get(id) ?? -1);
    const wantedScores = positions.map((j) => (j < 0 ? floor : scoreOf(distribution, j)));
    const total = wantedScores.reduce((sum, score) => sum + score, 0);
    const tieBreak = positions.map((j) => (j < 0 ? -1 : (distribution.events[j] ?? 0)));
    return topScored(
      wanted,
      wantedScores.map((score) => score / total),
      wanted.length,
      { tieBreak },
    );
  }

  /** The snapshot; as JSON (its toJSON), the large lists are packed (see packing.ts). */
  serialize(): CollaborativeSnapshot {
    const snapshot = { ...this.state, recipe: this.recipe };
    Object.defineProperty(snapshot, 'toJSON', { enumerable: false, value: () => this.jsonForm() });
    return snapshot;
  }

  /** Packs the lists for the JSON form ahead of time, paced: then writing the snapshot is quick. */
  async prepareSnapshot(pacer: Pacer): Promise<void> {
    this.packed ??= await packLists(this.state, pacer);
  }

  private jsonForm(): PackedSnapshot {
    this.packed ??= packListsNow(this.state);
    const { neighbours: _neighbours, histories: _histories, ...rest } = this.state;
    return { ...rest, recipe: this.recipe, packed: this.packed };
  }

  private queryCatalogue(newItems: readonly Item[]): QueryCatalogue {
    const added = unseenNewItems(newItems, this.index);
    if (added.length === 0) return this.catalogue;
    const itemIds = [...this.state.itemIds, ...added.map((item) => item.itemId)];
    const itemGenres = [
      ...this.state.itemGenres,
      ...added.map((item) =>
        item.genres.map((g) => this.genreIndex.get(g)).filter((g): g is number => g !== undefined),
      ),
    ];
    const order = new Float64Array(itemIds.length);
    order.set(this.catalogue.order);
    order.set(tieOrders(added.map((item) => item.itemId)), this.catalogue.order.length);
    return {
      itemIds,
      index: new Map(itemIds.map((id, i) => [id, i])),
      ...flattenGenres(itemGenres),
      order,
    };
  }

  /** The user's items, oldest first, each once (at its latest interaction). */
  private profileOf(
    catalogue: QueryCatalogue,
    userId: string | undefined,
    userEvents: readonly Interaction[],
  ): number[] {
    const history = userId === undefined ? [] : [...(this.state.histories[userId] ?? [])];
    for (const event of userEvents) {
      const i = catalogue.index.get(event.itemId);
      if (i !== undefined) history.push(i);
    }
    const latest: number[] = [];
    const placed = new Set<number>();
    for (let k = history.length - 1; k >= 0; k--) {
      const i = history[k] ?? -1;
      if (i < 0 || placed.has(i)) continue;
      placed.add(i);
      latest.push(i);
    }
    return latest.reverse();
  }

  /**
   * Per-item weights of the profile, indexed by item (0: not in the profile): a recent part (latest items) and a
   * long-term part (all items equally).
   */
  private profileWeights(profile: readonly number[], size: number): Float64Array {
    const { recentSpan, recentShare } = COLLABORATIVE_SETTINGS;
    const weights = this.scratch.zeroed('weights', size);
    const n = profile.length;
    let recentTotal = 0;
    for (let p = 0; p < n; p++) recentTotal += Math.exp(-p / recentSpan);
    profile.forEach((item, k) => {
      const fromEnd = n - 1 - k;
      weights[item] = (recentShare * Math.exp(-fromEnd / recentSpan)) / recentTotal + (1 - recentShare) / n;
    });
    return weights;
  }

  /**
   * The user's distribution over the whole catalogue: a mixture of a softmax over the items new to the user and a
   * softmax over the items in the profile, the latter weighing the repeat share measured in training. Both
   * normalisers come from one pass over the logits (a running maximum rescales the running sum).
   */
  private distribution(
    catalogue: QueryCatalogue,
    userId: string | undefined,
    live: LiveContext,
  ): Distribution {
    const settings = COLLABORATIVE_SETTINGS;
    const size = catalogue.itemIds.length;
    const profile = this.profileOf(catalogue, userId, live.userEvents);
    const weights = this.profileWeights(profile, size);
    const { logits, events } = this.userLogits(catalogue, profile, weights, live.recentPopularity);
    const group = this.scratch.zeroed('group', size);
    const mixed = profile.length > 0 && profile.length < size;
    if (!mixed) return { logits, group, events, ...normalise(logits, group, [1, 0]) };
    const repeatShare = Math.min(0.95, Math.max(settings.minimumRepeatShare, this.state.repeatShare ?? 0));
    let maxWeight = 0;
    for (const item of profile) maxWeight = Math.max(maxWeight, weights[item] ?? 0);
    // Among the user's own items, the ones they engage with most and latest come back first.
    for (const item of profile) {
      group[item] = 1;
      logits[item] = (logits[item] ?? 0) + settings.cooccurrenceWeight * ((weights[item] ?? 0) / maxWeight);
    }
    return { logits, group, events, ...normalise(logits, group, [1 - repeatShare, repeatShare]) };
  }

  private userLogits(
    catalogue: QueryCatalogue,
    profile: readonly number[],
    weights: Float64Array,
    recent: ReadonlyMap<string, number> | undefined,
  ): { logits: Float64Array; events: Float64Array } {
    const settings = COLLABORATIVE_SETTINGS;
    const size = catalogue.itemIds.length;
    const trainedSize = this.state.itemIds.length;
    const cooccurrence = this.cooccurrenceOf(profile, weights, size);
    const affinity = this.genreAffinity(catalogue, profile, weights);
    const { events, popularity } = this.popularityNow(catalogue, recent);
    const maxCooccurrence = maxOf(cooccurrence, 1e-9);
    const maxAffinity = maxOf(affinity, 1e-9);
    const logits = this.scratch.zeroed('logits', size);
    // Exploration is a bet on the user's taste: a user with no profile gets none, so for them an item nobody
    // interacted with never outranks one with real history (only events since training lift it).
    const exploring = profile.length > 0;
    for (let j = 0; j < size; j++) {
      const itemAffinity = (affinity[j] ?? 0) / maxAffinity;
      let evidence = (cooccurrence[j] ?? 0) / maxCooccurrence;
      let itemPopularity = popularity[j] ?? 0;
      if (exploring && (j >= trainedSize || this.trainedPopularity[j] === 0)) {
        const share = j >= trainedSize ? settings.newItemCooccurrenceShare : settings.coldCooccurrenceShare;
        evidence = Math.max(evidence, share * itemAffinity);
        itemPopularity = Math.max(itemPopularity, settings.explorationPopularity);
      }
      logits[j] =
        settings.cooccurrenceWeight * evidence +
        settings.genreWeight * itemAffinity +
        settings.popularityWeight * itemPopularity;
    }
    return { logits, events };
  }

  /**
   * Per item, its events (trained, plus those since training) and its popularity component (0-1 log scale). The
   * trained part is computed once per model; only items with events since training are computed per request.
   */
  private popularityNow(
    catalogue: QueryCatalogue,
    recent: ReadonlyMap<string, number> | undefined,
  ): { events: Float64Array; popularity: Float64Array } {
    const size = catalogue.itemIds.length;
    const trainedSize = Math.min(size, this.state.itemIds.length);
    const events = this.scratch.zeroed('events', size);
    events.set(this.trainedPopularity.subarray(0, trainedSize));
    const popularity = this.scratch.zeroed('popularity', size);
    popularity.set(this.trainedPopularityTerm.subarray(0, trainedSize));
    for (const [itemId, count] of recent ?? []) {
      const j = catalogue.index.get(itemId);
      if (j === undefined) continue;
      events[j] = (events[j] ?? 0) + count;
      popularity[j] = Math.min(1, Math.log1p(events[j] ?? 0) / this.maxLogPopularity);
    }
    return { events, popularity };
  }

  /** Per item, the profile's weighted similarity to it. */
  private cooccurrenceOf(profile: readonly number[], weights: Float64Array, size: number): Float64Array {
    const cooccurrence = this.scratch.zeroed('cooccurrence', size);
    for (const item of profile) {
      const weight = weights[item] ?? 0;
      const neighbours = this.state.neighbours[item] ?? [];
      for (let k = 0; k + 1 < neighbours.length; k += 2) {
        const j = neighbours[k] ?? 0;
        cooccurrence[j] = (cooccurrence[j] ?? 0) + weight * (neighbours[k + 1] ?? 0);
      }
    }
    return cooccurrence;
  }

  /** Per item, how much its genres match the genres of the profile (weighted by the profile's weights). */
  private genreAffinity(
    catalogue: QueryCatalogue,
    profile: readonly number[],
    weights: Float64Array,
  ): Float64Array {
    const { genreStart, genreFlat } = catalogue;
    const size = catalogue.itemIds.length;
    const genreTaste = this.scratch.zeroed('genreTaste', this.state.genres.length);
    for (const item of profile) {
      const from = genreStart[item] ?? 0;
      const to = genreStart[item + 1] ?? 0;
      for (let k = from; k < to; k++) {
        const g = genreFlat[k] ?? 0;
        genreTaste[g] = (genreTaste[g] ?? 0) + (weights[item] ?? 0) / (to - from);
      }
    }
    const affinity = this.scratch.zeroed('affinity', size);
    for (let j = 0; j < size; j++) {
      const from = genreStart[j] ?? 0;
      const to = genreStart[j + 1] ?? 0;
      if (to === from) continue;
      let sum = 0;
      for (let k = from; k < to; k++) sum += genreTaste[genreFlat[k] ?? 0] ?? 0;
      affinity[j] = sum / Math.sqrt(to - from);
    }
    return affinity;
  }

  /** aws-sims: co-occurrence neighbours of the item, genre overlap for the rest (and for items added live). */
  private relatedItems(catalogue: QueryCatalogue, request: RecommendRequest): ScoredItem[] {
    const query = request.itemId === undefined ? undefined : catalogue.index.get(request.itemId);
    const { genreStart, genreFlat } = catalogue;
    const size = catalogue.itemIds.length;
    const scores = new Float64Array(size);
    const queryGenres = new Uint8Array(this.state.genres.length);
    let queryGenreCount = 0;
    if (query !== undefined) {
      for (let k = genreStart[query] ?? 0; k < (genreStart[query + 1] ?? 0); k++) {
        if (queryGenres[genreFlat[k] ?? 0] === 0) queryGenreCount++;
        queryGenres[genreFlat[k] ?? 0] = 1;
      }
    }
    const neighbours = query === undefined ? [] : (this.state.neighbours[query] ?? []);
    const maxSimilarity = Math.max(1e-9, neighbours[1] ?? 0);
    for (let k = 0; k + 1 < neighbours.length; k += 2) {
      scores[neighbours[k] ?? 0] = 0.7 * ((neighbours[k + 1] ?? 0) / maxSimilarity);
    }
    for (let j = 0; j < size; j++) {
      const from = genreStart[j] ?? 0;
      const to = genreStart[j + 1] ?? 0;
      let shared = 0;
      for (let k = from; k < to; k++) shared += queryGenres[genreFlat[k] ?? 0] ?? 0;
      const union = to - from + queryGenreCount - shared;
      const popularity = Math.log1p(this.trainedPopularity[j] ?? 0) / this.maxLogPopularity;
      scores[j] = (scores[j] ?? 0) + 0.2 * (union === 0 ? 0 : shared / union) + 0.1 * Math.min(1, popularity);
    }
    return topScored(catalogue.itemIds, scores, request.numResults, {
      tieBreak: this.trainedPopularity,
      exclude: query,
      order: catalogue.order,
    });
  }
}

/**
 * Both groups' softmax normalisers in one pass: a running maximum per group, the running sum rescaled when it
 * rises. Returns each group's maximum and offset log(share) - log(normaliser).
 */
function normalise(
  logits: Float64Array,
  group: Float64Array,
  shares: readonly [number, number],
): { max: [number, number]; offset: [number, number] } {
  const temperature = COLLABORATIVE_SETTINGS.temperature;
  const max: [number, number] = [-Infinity, -Infinity];
  const sum: [number, number] = [0, 0];
  for (let j = 0; j < logits.length; j++) {
    const g = group[j] === 1 ? 1 : 0;
    const logit = logits[j] ?? 0;
    if (logit > max[g]) {
      sum[g] = sum[g] * Math.exp((max[g] - logit) / temperature) + 1;
      max[g] = logit;
    } else {
      sum[g] += Math.exp((logit - max[g]) / temperature);
    }
  }
  const offset = (g: 0 | 1): number => (sum[g] === 0 ? -Infinity : Math.log(shares[g]) - Math.log(sum[g]));
  return { max, offset: [offset(0), offset(1)] };
}

/** Each item's log score: monotone in its score, so the top k by key is the top k by score. */
function keysOf(distribution: Distribution, scratch: Scratch): Float64Array {
  const { logits, group, max, offset } = distribution;
  const temperature = COLLABORATIVE_SETTINGS.temperature;
  const keys = scratch.zeroed('keys', logits.length);
  for (let j = 0; j < logits.length; j++) {
    const g = group[j] === 1 ? 1 : 0;
    keys[j] = ((logits[j] ?? 0) - max[g]) / temperature + offset[g];
  }
  return keys;
}

function scoreOf(distribution: Distribution, j: number): number {
  const g = distribution.group[j] === 1 ? 1 : 0;
  const key =
    ((distribution.logits[j] ?? 0) - distribution.max[g]) / COLLABORATIVE_SETTINGS.temperature +
    distribution.offset[g];
  return Math.exp(key);
}

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
export async function popularityHalfLifeFor(
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

/** The catalogue training works on, with genres as indices. */
interface TrainingCatalogue {
  readonly itemIds: string[];
  readonly index: Map<string, number>;
  readonly genres: string[];
  readonly itemGenres: number[][];
}

async function trainingCatalogue(data: TrainingData, pacer: Pacer): Promise<TrainingCatalogue> {
  const { itemIds, genres: genreLists } = await catalogueOf(data, pacer);
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const genres = [...new Set(genreLists.flat())].sort();
  const genreIndex = new Map(genres.map((g, i) => [g, i]));
  const itemGenres = genreLists.map((list) => list.map((g) => genreIndex.get(g) ?? 0));
  return { itemIds, index, genres, itemGenres };
}

/** A user's distinct items in order of first interaction, with those times, and the user's weight. */
interface UserItems {
  readonly items: Int32Array;
  readonly times: Float64Array;
  readonly weight: number;
}

interface UserProfiles {
  /** Per user, item indices by last interaction, oldest first. */
  readonly histories: Record<string, number[]>;
  readonly users: UserItems[];
  readonly repeatShare: number;
}

/**
 * Per user: distinct items with their first interaction time (co-occurrence) and, by last interaction, the
 * history; and the share of returns: engagements (runs of events on one item, so a click then a watch is one) on
 * an item the user had engaged with before, among all engagements but each user's first.
 */
async function userProfiles(
  data: TrainingData,
  index: ReadonlyMap<string, number>,
  pacer: Pacer,
): Promise<UserProfiles> {
  const histories: Record<string, number[]> = {};
  const users: UserItems[] = [];
  let returns = 0;
  let laterEngagements = 0;
  for (const [userId, events] of await interactionsByUser(data.interactions, pacer)) {
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    let previous = -1;
    for (const event of events) {
      const i = index.get(event.itemId);
      if (i === undefined) continue;
      if (i !== previous && previous !== -1) {
        laterEngagements++;
        if (first.has(i)) returns++;
      }
      previous = i;
      if (!first.has(i)) first.set(i, event.timestamp);
      last.delete(i);
      last.set(i, event.timestamp);
    }
    histories[userId] = [...last.keys()];
    // Heavy users would otherwise dominate the co-occurrence counts.
    users.push({
      items: Int32Array.from(first.keys()),
      times: Float64Array.from(first.values()),
      weight: 1 / Math.log2(2 + first.size),
    });
    // A step here (Map operations on the user's items) costs about four of a co-occurrence pair.
    await pacer.step(4 * events.length, 'profiles');
  }
  // Laplace-smoothed: no evidence either way is a small share, not none.
  const repeatShare = Number(((returns + 1) / (laterEngagements + 2)).toPrecision(4));
  return { histories, users, repeatShare };
}

/** For each item, the (user, position) pairs that hold it, as flat arrays: item i's are offsets[i] .. offsets[i + 1]. */
async function holdersOf(
  users: readonly UserItems[],
  size: number,
  pacer: Pacer,
): Promise<{ offsets: Int32Array; user: Int32Array; position: Int32Array; support: Float64Array }> {
  const offsets = new Int32Array(size + 1);
  for (const { items } of users) {
    for (const i of items) offsets[i + 1] = (offsets[i + 1] ?? 0) + 1;
    await pacer.step(items.length, 'neighbours');
  }
  for (let i = 0; i < size; i++) offsets[i + 1] = (offsets[i + 1] ?? 0) + (offsets[i] ?? 0);
  const total = offsets[size] ?? 0;
  const user = new Int32Array(total);
  const position = new Int32Array(total);
  const support = new Float64Array(size);
  const fill = offsets.slice(0, size);
  for (let u = 0; u < users.length; u++) {
    const { items, weight } = users[u] ?? { items: new Int32Array(0), weight: 0 };
    for (let p = 0; p < items.length; p++) {
      const i = items[p] ?? 0;
      const at = fill[i] ?? 0;
      fill[i] = at + 1;
      user[at] = u;
      position[at] = p;
      support[i] = (support[i] ?? 0) + weight;
    }
    await pacer.step(items.length, 'neighbours');
  }
  return { offsets, user, position, support };
}

/**
 * Each item's most similar items: time-aware co-occurrence over the users who hold it, each pairing the item only
 * with the `pairWindow` items before and after it in their history (so a user's cost is linear in the length of
 * their history, not quadratic), cosine-normalised with shrinkage; the best `neighbours` by a bounded heap.
 */
async function neighboursOf(users: readonly UserItems[], size: number, pacer: Pacer): Promise<number[][]> {
  const settings = COLLABORATIVE_SETTINGS;
  const holders = await holdersOf(users, size, pacer);
  const neighbours: number[][] = [];
  const accumulator = new Float64Array(size);
  const touched: number[] = [];
  for (let i = 0; i < size; i++) {
    for (let h = holders.offsets[i] ?? 0; h < (holders.offsets[i + 1] ?? 0); h++) {
      const user = users[holders.user[h] ?? 0];
      if (!user) continue;
      const { items, times, weight } = user;
      const position = holders.position[h] ?? 0;
      const at = times[position] ?? 0;
      const from = Math.max(0, position - settings.pairWindow);
      const to = Math.min(items.length, position + settings.pairWindow + 1);
      for (let k = from; k < to; k++) {
        const j = items[k] ?? 0;
        if (j === i) continue;
        if (accumulator[j] === 0) touched.push(j);
        const gap = Math.abs((times[k] ?? 0) - at);
        accumulator[j] =
          (accumulator[j] ?? 0) +
          weight * (1 + settings.sessionBoost * Math.exp(-gap / settings.sessionSeconds));
      }
      if (pacer.count(to - from + 1, 'neighbours')) await pacer.yield();
    }
    neighbours.push(bestNeighbours(i, touched, accumulator, holders.support));
    if (pacer.count(touched.length + 1, 'neighbours')) await pacer.yield();
    for (const j of touched) accumulator[j] = 0;
    touched.length = 0;
  }
  return neighbours;
}

/** Item i's best neighbours as flat [index, similarity, ...], most similar first (ties: lower index first). */
function bestNeighbours(
  i: number,
  touched: readonly number[],
  accumulator: Float64Array,
  support: Float64Array,
): number[] {
  const { neighbours: count, shrinkage } = COLLABORATIVE_SETTINGS;
  const similarity = new Float64Array(touched.length);
  const lowerIndexFirst = new Float64Array(touched.length);
  touched.forEach((j, k) => {
    similarity[k] = (accumulator[j] ?? 0) / (Math.sqrt((support[i] ?? 0) * (support[j] ?? 0)) + shrinkage);
    lowerIndexFirst[k] = -j;
  });
  return topIndices(similarity, count, lowerIndexFirst).flatMap((k) => [
    touched[k] ?? 0,
    Number((similarity[k] ?? 0).toPrecision(4)),
  ]);
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
export async function popularityReferenceTime(
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
async function popularityPrior(
  interactions: readonly Interaction[],
  index: ReadonlyMap<string, number>,
  pacer: Pacer,
): Promise<number[]> {
  const referenceTime = await popularityReferenceTime(interactions, pacer);
  const halfLifeDays = await popularityHalfLifeFor(interactions, index, pacer);
  const popularity = await decayedCounts(interactions, index, referenceTime, halfLifeDays, pacer);
  return popularity.map((p) => Number(p.toPrecision(6)));
}

/**
 * Trains the shared collaborative model. Every phase counts its work on `pacer`, which hands the event loop a
 * turn at least every `pacer.unitsPerYield` units: training runs inside the emulator's server process.
 */
export async function trainCollaborative(
  recipe: RecipeName,
  data: TrainingData,
  pacer = new Pacer(),
): Promise<CollaborativeModel> {
  const catalogue = await trainingCatalogue(data, pacer);
  const profiles = await userProfiles(data, catalogue.index, pacer);
  const neighbours = await neighboursOf(profiles.users, catalogue.itemIds.length, pacer);
  return assemble(
    recipe,
    catalogue,
    profiles,
    await popularityPrior(data.interactions, catalogue.index, pacer),
    neighbours,
  );
}

/**
 * The model of `trained` (trained on part of `data`: the evaluation split) brought up to all of `data` without
 * training again: the catalogue, histories, repeat share and popularity are recomputed on all of it (linear),
 * the co-occurrence neighbours (the costly part) are kept. What they miss is the co-occurrence of the events the
 * evaluation held out: the newest tenth of a tenth of the users' events.
 */
export async function completeCollaborative(
  trained: CollaborativeModel,
  data: TrainingData,
  pacer = new Pacer(),
): Promise<CollaborativeModel> {
  const catalogue = await trainingCatalogue(data, pacer);
  const profiles = await userProfiles(data, catalogue.index, pacer);
  const popularity = await popularityPrior(data.interactions, catalogue.index, pacer);
  const before = trained.serialize();
  // Every item of the split is in the whole catalogue; its index may differ.
  const moved = Int32Array.from(before.itemIds, (itemId) => catalogue.index.get(itemId) ?? 0);
  const neighbours = catalogue.itemIds.map((): number[] => []);
  for (let s = 0; s < moved.length; s++) {
    const list = before.neighbours[s] ?? [];
    const mapped = new Array<number>(list.length);
    for (let k = 0; k + 1 < list.length; k += 2) {
      mapped[k] = moved[list[k] ?? 0] ?? 0;
      mapped[k + 1] = list[k + 1] ?? 0;
    }
    neighbours[moved[s] ?? 0] = mapped;
    await pacer.step(list.length + 1, 'complete');
  }
  return assemble(trained.recipe, catalogue, profiles, popularity, neighbours);
}

function assemble(
  recipe: RecipeName,
  catalogue: TrainingCatalogue,
  profiles: UserProfiles,
  popularity: number[],
  neighbours: number[][],
): CollaborativeModel {
  return new CollaborativeModel(recipe, {
    recipe,
    itemIds: catalogue.itemIds,
    genres: catalogue.genres,
    itemGenres: catalogue.itemGenres,
    neighbours,
    popularity,
    histories: profiles.histories,
    repeatShare: profiles.repeatShare,
  });
}
