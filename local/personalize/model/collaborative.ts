import {
  catalogueOf,
  interactionsByUser,
  maxOf,
  softmax,
  topScored,
  unseenNewItems,
  timeSlicedYield,
  yieldToEventLoop,
} from './shared';
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
  /** Weight of the user's latest items: the p-th latest weighs exp(-p / recentSpan). */
  recentSpan: 3,
  recentShare: 0.6,
  /** Logit weights of the co-occurrence, genre-affinity and popularity components (each scaled to [0, 1]). */
  cooccurrenceWeight: 2.2,
  genreWeight: 0.9,
  popularityWeight: 1.2,
  /**
   * Cold items (no training events: new or never interacted with) have no co-occurrence evidence; they borrow
   * this share of it from their genre affinity, and score as if this popular (0-1 log scale). Exploration.
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
  readonly itemGenres: readonly (readonly number[])[];
}

/**
 * aws-user-personalization, aws-personalized-ranking and aws-sims share one model: time-aware item-item
 * co-occurrence (cosine with shrinkage), genre affinity for cold items, and a recency-weighted popularity prior.
 * A user's profile is the training history plus the events accepted since (live.userEvents), the latest weighing
 * most: that is what makes the recommendations follow the user in near real time without retraining.
 */
export class CollaborativeModel implements TrainedModel {
  private readonly index: Map<string, number>;
  private readonly genreIndex: Map<string, number>;
  private readonly maxLogPopularity: number;

  constructor(
    readonly recipe: RecipeName,
    private readonly state: CollaborativeSnapshot,
  ) {
    this.index = new Map(state.itemIds.map((id, i) => [id, i]));
    this.genreIndex = new Map(state.genres.map((genre, i) => [genre, i]));
    this.maxLogPopularity = Math.log1p(maxOf(state.popularity, 1e-9));
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const catalogue = this.queryCatalogue(request.live.newItems);
    if (this.recipe === 'aws-sims') return this.relatedItems(catalogue, request);
    return topScored(
      catalogue.itemIds,
      this.userScores(catalogue, request.userId, request.live),
      request.numResults,
    );
  }

  /** Orders the given items for the user; scores are a softmax over the given items. */
  rank(request: RankRequest): ScoredItem[] {
    const catalogue = this.queryCatalogue(request.live.newItems);
    const scores = this.userScores(catalogue, request.userId, request.live);
    const wanted = [...new Set(request.itemIds)];
    // Items outside the catalogue rank last, with a share far below any known item's.
    const floor = Math.min(1e-12, maxOf(scores) * 1e-9);
    const wantedScores = wanted.map((id) => scores[catalogue.index.get(id) ?? -1] ?? floor);
    const total = wantedScores.reduce((sum, score) => sum + score, 0);
    return topScored(
      wanted,
      wantedScores.map((score) => score / total),
      wanted.length,
    );
  }

  serialize(): CollaborativeSnapshot {
    return { ...this.state, recipe: this.recipe };
  }

  private queryCatalogue(newItems: readonly Item[]): QueryCatalogue {
    const added = unseenNewItems(newItems, this.index);
    if (added.length === 0)
      return { itemIds: this.state.itemIds, index: this.index, itemGenres: this.state.itemGenres };
    const itemIds = [...this.state.itemIds, ...added.map((item) => item.itemId)];
    const itemGenres = [
      ...this.state.itemGenres,
      ...added.map((item) =>
        item.genres.map((g) => this.genreIndex.get(g)).filter((g): g is number => g !== undefined),
      ),
    ];
    return { itemIds, index: new Map(itemIds.map((id, i) => [id, i])), itemGenres };
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

  /** Per-item weights of the profile: a recent part (latest items) and a long-term part (all items equally). */
  private profileWeights(profile: readonly number[]): Map<number, number> {
    const { recentSpan, recentShare } = COLLABORATIVE_SETTINGS;
    const weights = new Map<number, number>();
    const n = profile.length;
    if (n === 0) return weights;
    let recentTotal = 0;
    for (let p = 0; p < n; p++) recentTotal += Math.exp(-p / recentSpan);
    profile.forEach((item, k) => {
      const fromEnd = n - 1 - k;
      weights.set(
        item,
        (recentShare * Math.exp(-fromEnd / recentSpan)) / recentTotal + (1 - recentShare) / n,
      );
    });
    return weights;
  }

  /**
   * The user's distribution over the whole catalogue: a mixture of a softmax over the items new to the user and a
   * softmax over the items in the profile, the latter weighing the repeat share measured in training.
   */
  private userScores(catalogue: QueryCatalogue, userId: string | undefined, live: LiveContext): Float64Array {
    const profile = this.profileOf(catalogue, userId, live.userEvents);
    const weights = this.profileWeights(profile);
    const logits = this.userLogits(catalogue, weights, live.recentPopularity);
    const size = logits.length;
    if (weights.size === 0 || weights.size === size)
      return softmax(logits, COLLABORATIVE_SETTINGS.temperature);
    const repeatShare = Math.min(
      0.95,
      Math.max(COLLABORATIVE_SETTINGS.minimumRepeatShare, this.state.repeatShare ?? 0),
    );
    const unseenLogits = new Float64Array(size);
    const seenLogits = new Float64Array(size);
    let maxWeight = 0;
    for (const weight of weights.values()) maxWeight = Math.max(maxWeight, weight);
    for (let j = 0; j < size; j++) {
      const weight = weights.get(j);
      unseenLogits[j] = weight === undefined ? (logits[j] ?? 0) : -Infinity;
      // Among the user's own items, the ones they engage with most and latest come back first.
      seenLogits[j] =
        weight === undefined
          ? -Infinity
          : (logits[j] ?? 0) + COLLABORATIVE_SETTINGS.cooccurrenceWeight * (weight / maxWeight);
    }
    const unseen = softmax(unseenLogits, COLLABORATIVE_SETTINGS.temperature);
    const seen = softmax(seenLogits, COLLABORATIVE_SETTINGS.temperature);
    const scores = new Float64Array(size);
    for (let j = 0; j < size; j++)
      scores[j] = (1 - repeatShare) * (unseen[j] ?? 0) + repeatShare * (seen[j] ?? 0);
    return scores;
  }

  private userLogits(
    catalogue: QueryCatalogue,
    weights: ReadonlyMap<number, number>,
    recent: ReadonlyMap<string, number> | undefined,
  ): Float64Array {
    const settings = COLLABORATIVE_SETTINGS;
    const size = catalogue.itemIds.length;

    const cooccurrence = new Float64Array(size);
    const genreTaste = new Float64Array(this.state.genres.length);
    for (const [item, weight] of weights) {
      const neighbours = this.state.neighbours[item] ?? [];
      for (let k = 0; k + 1 < neighbours.length; k += 2) {
        const j = neighbours[k] ?? 0;
        cooccurrence[j] = (cooccurrence[j] ?? 0) + weight * (neighbours[k + 1] ?? 0);
      }
      const genres = catalogue.itemGenres[item] ?? [];
      for (const g of genres) genreTaste[g] = (genreTaste[g] ?? 0) + weight / genres.length;
    }
    const genreAffinity = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      const genres = catalogue.itemGenres[j] ?? [];
      let affinity = 0;
      for (const g of genres) affinity += genreTaste[g] ?? 0;
      genreAffinity[j] = genres.length === 0 ? 0 : affinity / Math.sqrt(genres.length);
    }
    const maxCooccurrence = maxOf(cooccurrence, 1e-9);
    const maxAffinity = maxOf(genreAffinity, 1e-9);

    const logits = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      const trained = this.state.popularity[j] ?? 0;
      const events = trained + (recent?.get(catalogue.itemIds[j] ?? '') ?? 0);
      const affinity = (genreAffinity[j] ?? 0) / maxAffinity;
      let evidence = (cooccurrence[j] ?? 0) / maxCooccurrence;
      let popularity = Math.min(1, Math.log1p(events) / this.maxLogPopularity);
      if (trained === 0) {
        const share =
          j >= this.state.itemIds.length ? settings.newItemCooccurrenceShare : settings.coldCooccurrenceShare;
        evidence = Math.max(evidence, share * affinity);
        popularity = Math.max(popularity, settings.explorationPopularity);
      }
      logits[j] =
        settings.cooccurrenceWeight * evidence +
        settings.genreWeight * affinity +
        settings.popularityWeight * popularity;
    }
    return logits;
  }

  /** aws-sims: co-occurrence neighbours of the item, genre overlap for the rest (and for items added live). */
  private relatedItems(catalogue: QueryCatalogue, request: RecommendRequest): ScoredItem[] {
    const query = request.itemId === undefined ? undefined : catalogue.index.get(request.itemId);
    const size = catalogue.itemIds.length;
    const scores = new Float64Array(size);
    const queryGenres = new Set(query === undefined ? [] : (catalogue.itemGenres[query] ?? []));
    const neighbours = query === undefined ? [] : (this.state.neighbours[query] ?? []);
    const maxSimilarity = Math.max(1e-9, neighbours[1] ?? 0);
    for (let k = 0; k + 1 < neighbours.length; k += 2) {
      const j = neighbours[k] ?? 0;
      scores[j] = 0.7 * ((neighbours[k + 1] ?? 0) / maxSimilarity);
    }
    for (let j = 0; j < size; j++) {
      const genres = catalogue.itemGenres[j] ?? [];
      const shared = genres.filter((g) => queryGenres.has(g)).length;
      const union = genres.length + queryGenres.size - shared;
      const popularity = Math.log1p(this.state.popularity[j] ?? 0) / this.maxLogPopularity;
      scores[j] = (scores[j] ?? 0) + 0.2 * (union === 0 ? 0 : shared / union) + 0.1 * Math.min(1, popularity);
    }
    return topScored(
      catalogue.itemIds,
      scores,
      request.numResults,
      query === undefined ? undefined : new Set([query]),
    );
  }
}

/** Each item's events, each weighing 0.5^(age / half-life) at `referenceTime`. */
function decayedCounts(
  events: readonly Interaction[],
  index: ReadonlyMap<string, number>,
  referenceTime: number,
  halfLifeDays: number,
): number[] {
  const counts = new Array<number>(index.size).fill(0);
  const halfLife = halfLifeDays * 86_400;
  for (const event of events) {
    const i = index.get(event.itemId);
    if (i !== undefined)
      counts[i] = (counts[i] ?? 0) + Math.pow(0.5, Math.max(0, referenceTime - event.timestamp) / halfLife);
  }
  return counts;
}

/**
 * The candidate half-life whose popularity, computed on the events before the newest tenth (by time), gives that
 * tenth the highest likelihood (counts smoothed by half an event per item). Ties go to the longer half-life.
 */
export async function popularityHalfLifeFor(
  events: readonly Interaction[],
  index: ReadonlyMap<string, number>,
): Promise<number> {
  const candidates = COLLABORATIVE_SETTINGS.popularityHalfLifeDays;
  const fallback = candidates[candidates.length - 1] ?? Infinity;
  const times = Float64Array.from(events, (event) => event.timestamp);
  const items = Int32Array.from(events, (event) => index.get(event.itemId) ?? -1);
  const cutTime = times.slice().sort()[Math.floor(times.length * 0.9)] ?? 0;
  let earliestNewest = Infinity;
  let latestEarlier = -Infinity;
  for (const time of times) {
    if (time < cutTime) latestEarlier = Math.max(latestEarlier, time);
    else earliestNewest = Math.min(earliestNewest, time);
  }
  if (latestEarlier === -Infinity || earliestNewest === Infinity) return fallback;
  let best = fallback;
  let bestLikelihood = -Infinity;
  for (const halfLifeDays of [...candidates].reverse()) {
    await yieldToEventLoop();
    const halfLife = halfLifeDays * 86_400;
    const counts = new Float64Array(index.size);
    for (let e = 0; e < times.length; e++) {
      const i = items[e] ?? -1;
      const time = times[e] ?? 0;
      if (i >= 0 && time < cutTime)
        counts[i] = (counts[i] ?? 0) + Math.pow(0.5, (latestEarlier - time) / halfLife);
    }
    let total = 0.5 * counts.length;
    for (const count of counts) total += count;
    let likelihood = 0;
    for (let e = 0; e < times.length; e++) {
      if ((times[e] ?? 0) >= cutTime) likelihood += Math.log(((counts[items[e] ?? -1] ?? 0) + 0.5) / total);
    }
    if (likelihood > bestLikelihood + 1e-9) {
      best = halfLifeDays;
      bestLikelihood = likelihood;
    }
  }
  return best;
}

/** Trains the shared collaborative model. Yields to the event loop between chunks of items. */
export async function trainCollaborative(
  recipe: RecipeName,
  data: TrainingData,
): Promise<CollaborativeModel> {
  const settings = COLLABORATIVE_SETTINGS;
  const { itemIds, genres: genreLists } = catalogueOf(data);
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const genres = [...new Set(genreLists.flat())].sort();
  const genreIndex = new Map(genres.map((g, i) => [g, i]));
  const itemGenres = genreLists.map((list) => list.map((g) => genreIndex.get(g) ?? 0));
  const size = itemIds.length;

  const referenceTime = data.interactions.reduce((max, e) => Math.max(max, e.timestamp), -Infinity);
  const pause = timeSlicedYield();
  const halfLifeDays = await popularityHalfLifeFor(data.interactions, index);
  const popularity = decayedCounts(data.interactions, index, referenceTime, halfLifeDays);

  // Per user: distinct items with their first interaction time (co-occurrence) and, by last interaction, the history.
  const histories: Record<string, number[]> = {};
  const userItems: { items: number[]; times: number[]; weight: number }[] = [];
  // Returns: engagements (runs of events on one item, so a click then a watch is one) on an item the user had
  // engaged with before, among all engagements but each user's first.
  let returns = 0;
  let laterEngagements = 0;
  const byUser = interactionsByUser(data.interactions);
  await yieldToEventLoop();
  for (const [userId, events] of byUser) {
    await pause();
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
    userItems.push({
      items: [...first.keys()],
      times: [...first.values()],
      weight: 1 / Math.log2(2 + first.size),
    });
  }
  await yieldToEventLoop();

  const usersOfItem: { user: number; position: number }[][] = Array.from({ length: size }, () => []);
  userItems.forEach((user, u) =>
    user.items.forEach((i, position) => usersOfItem[i]?.push({ user: u, position })),
  );
  const support = usersOfItem.map((users) =>
    users.reduce((sum, { user }) => sum + (userItems[user]?.weight ?? 0), 0),
  );

  const neighbours: number[][] = [];
  const accumulator = new Float64Array(size);
  const touched: number[] = [];
  for (let i = 0; i < size; i++) {
    await pause();
    for (const { user, position } of usersOfItem[i] ?? []) {
      const { items, times, weight } = userItems[user] ?? { items: [], times: [], weight: 0 };
      const at = times[position] ?? 0;
      for (let k = 0; k < items.length; k++) {
        const j = items[k] ?? 0;
        if (j === i) continue;
        if (accumulator[j] === 0) touched.push(j);
        const gap = Math.abs((times[k] ?? 0) - at);
        accumulator[j] =
          (accumulator[j] ?? 0) +
          weight * (1 + settings.sessionBoost * Math.exp(-gap / settings.sessionSeconds));
      }
    }
    const similar = touched.map((j) => ({
      j,
      similarity:
        (accumulator[j] ?? 0) / (Math.sqrt((support[i] ?? 0) * (support[j] ?? 0)) + settings.shrinkage),
    }));
    similar.sort((a, b) => b.similarity - a.similarity || a.j - b.j);
    neighbours.push(
      similar
        .slice(0, settings.neighbours)
        .flatMap(({ j, similarity }) => [j, Number(similarity.toPrecision(4))]),
    );
    for (const j of touched) accumulator[j] = 0;
    touched.length = 0;
  }

  return new CollaborativeModel(recipe, {
    recipe,
    itemIds,
    genres,
    itemGenres,
    neighbours,
    popularity: popularity.map((p) => Number(p.toPrecision(6))),
    histories,
    // Laplace-smoothed: no evidence either way is a small share, not none.
    repeatShare: Number(((returns + 1) / (laterEngagements + 2)).toPrecision(4)),
  });
}
