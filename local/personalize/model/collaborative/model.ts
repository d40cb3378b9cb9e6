import { maxOf, tieOrders, topIndices, topScored, unseenNewItems, type Pacer } from '../shared';
import type {
  Interaction,
  Item,
  ItemExploration,
  LiveContext,
  RankedItem,
  RankRequest,
  RecentPopularity,
  RecipeName,
  RecommendRequest,
  ScoredItem,
  TrainedModel,
} from '../types';
import {
  flattenGenres,
  keysOf,
  normalise,
  scoreOf,
  Scratch,
  type Distribution,
  type QueryCatalogue,
} from './distribution';
import { FollowedPopularity } from '../live-popularity';
import { COLLABORATIVE_SETTINGS } from './settings';
import {
  packLists,
  packListsNow,
  unpackLists,
  type CollaborativeSnapshot,
  type PackedLists,
  type PackedSnapshot,
} from './snapshot';

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
  /** Every item's neighbours as flat typed arrays: item i's are at neighbourStart[i] .. neighbourStart[i + 1]. */
  private readonly neighbourStart: Int32Array;
  private readonly neighbourItem: Int32Array;
  private readonly neighbourSimilarity: Float64Array;
  /** Trained plus recent events per trained item, and their popularity component (0-1 log scale). */
  private readonly popularity: FollowedPopularity;
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
    ({
      start: this.neighbourStart,
      item: this.neighbourItem,
      similarity: this.neighbourSimilarity,
    } = flatNeighbours(state.neighbours));
    this.popularity = new FollowedPopularity(this.trainedPopularity, this.index, (events) =>
      this.popularityTerm(events),
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
    if (this.recipe === 'aws-sims' || this.recipe === 'aws-similar-items')
      return this.relatedItems(catalogue, request);
    const { exploration } = request;
    let distribution = this.distribution(catalogue, request.userId, request.live, exploration);
    let keys = keysOf(distribution, this.scratch);
    const { events } = distribution;
    const { accept } = request;
    const acceptIndex = accept && ((j: number) => accept(catalogue.itemIds[j] ?? ''));
    const top = (count: number): number[] =>
      topIndices(keys, count, events, undefined, catalogue.order, acceptIndex);
    let picked: number[];
    if (exploration && request.userId !== undefined && exploration.weight > 0) {
      // Exploration places items among the first `explorationDepth` whatever numResults is: the first k of a
      // longer list are the list of k.
      const ranked = top(Math.max(request.numResults, COLLABORATIVE_SETTINGS.explorationDepth));
      const explored = this.explore(catalogue, distribution, keys, ranked, request, exploration);
      if (explored) {
        distribution = explored;
        keys = keysOf(distribution, this.scratch);
      }
      picked = explored ? top(request.numResults) : ranked.slice(0, request.numResults);
    } else {
      picked = top(request.numResults);
    }
    return picked.map((j) => ({
      itemId: catalogue.itemIds[j] ?? '',
      score: Math.exp(keys[j] ?? -Infinity),
    }));
  }

  /**
   * Item exploration as a campaign configures it: each item with less interactions data (fewer than
   * `explorationMaxEvents` training events, or added since training), no older than the age cut-off, not in the
   * user's profile and not ignored by them already, is tried on this user with probability weight x its genre
   * affinity to them (0 to 1): so it reaches users of its genre in proportion to explorationWeight, and with weight
   * 0 never. The tried items (at most `explorationDepth`, those with the lowest draws) take places drawn among the
   * first `explorationDepth - tried + 1` of the ranking: each one's logit is raised to just above the item there, so
   * every tried item stays within the first `explorationDepth` and the scores stay one softmax over the catalogue. The draws are seeded by user, item
   * and automatic update: the same request gives the same list until the next update. Returns the distribution with
   * the tried items raised, or undefined when none is tried.
   */
  private explore(
    catalogue: QueryCatalogue,
    distribution: Distribution & { affinity: Float64Array },
    keys: Float64Array,
    picked: readonly number[],
    request: RecommendRequest,
    exploration: ItemExploration,
  ): (Distribution & { affinity: Float64Array }) | undefined {
    const settings = COLLABORATIVE_SETTINGS;
    const { logits, group, affinity, max, offset } = distribution;
    if (exploration.weight <= 0 || picked.length === 0) return undefined;
    const trainedSize = this.state.itemIds.length;
    const { itemEvents, itemAgeDays } = this.state;
    const ignored = request.live.impressions;
    const maxAffinity = maxOf(affinity, 1e-9);
    const userId = request.userId ?? '';
    const { round } = exploration;
    let tried: { j: number; itemId: string; draw: number }[] = [];
    for (let j = 0; j < catalogue.itemIds.length; j++) {
      if (group[j] === 1) continue;
      const trained = j < trainedSize;
      const events = trained ? (itemEvents?.[j] ?? this.trainedPopularity[j] ?? 0) : 0;
      if (events >= settings.explorationMaxEvents) continue;
      if (trained && (itemAgeDays?.[j] ?? 0) > exploration.itemAgeCutOffDays) continue;
      const itemId = catalogue.itemIds[j] ?? '';
      if ((ignored?.get(itemId) ?? 0) >= settings.impressionsEndingExploration) continue;
      const chance = exploration.weight * Math.min(1, (affinity[j] ?? 0) / maxAffinity);
      const tryDraw = chance > 0 ? draw(userId, itemId, round, 'try') : 1;
      if (tryDraw >= chance || (request.accept && !request.accept(itemId))) continue;
      tried.push({ j, itemId, draw: tryDraw });
    }
    if (tried.length === 0) return undefined;
    const depth = Math.min(picked.length, settings.explorationDepth);
    if (tried.length > depth) tried = tried.sort((a, b) => a.draw - b.draw).slice(0, depth);
    const places = Math.max(1, depth - tried.length + 1);
    for (const { j, itemId } of tried) {
      const place = Math.min(places - 1, Math.floor(draw(userId, itemId, round, 'place') * places));
      // The key of the item at that place, as a logit of the group of items new to the user (the tried item's).
      const key = keys[picked[place] ?? 0] ?? -Infinity;
      logits[j] = Math.max(logits[j] ?? 0, (key - offset[0]) * settings.temperature + max[0] + 1e-9);
    }
    return { ...distribution, ...normalise(logits, group, distribution.shares) };
  }

  /**
   * Orders the given items for the user; scores are a softmax over the given items that had interactions in
   * training. The others (new since training, never interacted with, or unknown) come last, in the order given and
   * without a score: "If you provide items without interactions data for ranking, Amazon Personalize will return
   * these items without a recommendation score" (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-search.html;
   * the service model: "the item is appended to the end of the reranked list").
   */
  rank(request: RankRequest): RankedItem[] {
    const catalogue = this.queryCatalogue(request.live.newItems);
    const distribution = this.distribution(catalogue, request.userId, request.live);
    const wanted = [...new Set(request.itemIds)].filter((id) => !request.accept || request.accept(id));
    const trained = this.state.itemIds.length;
    const scoredIds: string[] = [];
    const scores: number[] = [];
    const tieBreak: number[] = [];
    const unscored: RankedItem[] = [];
    for (const itemId of wanted) {
      const j = catalogue.index.get(itemId) ?? -1;
      if (j < 0 || j >= trained || (this.trainedPopularity[j] ?? 0) <= 0) {
        unscored.push({ itemId });
        continue;
      }
      scoredIds.push(itemId);
      scores.push(scoreOf(distribution, j));
      tieBreak.push(distribution.events[j] ?? 0);
    }
    const total = scores.reduce((sum, score) => sum + score, 0);
    const ranked = topScored(
      scoredIds,
      scores.map((score) => score / total),
      scoredIds.length,
      { tieBreak },
    );
    return [...ranked, ...unscored];
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
    exploration?: ItemExploration,
  ): Distribution & { affinity: Float64Array } {
    const settings = COLLABORATIVE_SETTINGS;
    const size = catalogue.itemIds.length;
    const profile = this.profileOf(catalogue, userId, live.userEvents);
    const weights = this.profileWeights(profile, size);
    const { logits, events, affinity } = this.userLogits(catalogue, profile, weights, live, exploration);
    const group = this.scratch.zeroed('group', size);
    const mixed = profile.length > 0 && profile.length < size;
    if (!mixed) {
      const shares: [number, number] = [1, 0];
      return { logits, group, events, affinity, shares, ...normalise(logits, group, shares) };
    }
    const repeatShare = Math.min(0.95, Math.max(settings.minimumRepeatShare, this.state.repeatShare ?? 0));
    let maxWeight = 0;
    for (const item of profile) maxWeight = Math.max(maxWeight, weights[item] ?? 0);
    // Among the user's own items, the ones they engage with most and latest come back first.
    for (const item of profile) {
      group[item] = 1;
      logits[item] = (logits[item] ?? 0) + settings.cooccurrenceWeight * ((weights[item] ?? 0) / maxWeight);
    }
    const shares: [number, number] = [1 - repeatShare, repeatShare];
    return { logits, group, events, affinity, shares, ...normalise(logits, group, shares) };
  }

  private peerEvidence(
    catalogue: QueryCatalogue,
    peerPopularity: ReadonlyMap<string, number>,
    size: number,
  ): Float64Array {
    const evidence = this.scratch.zeroed('cooccurrence', size);
    for (const [itemId, share] of peerPopularity) {
      const j = catalogue.index.get(itemId);
      if (j !== undefined) evidence[j] = share;
    }
    return evidence;
  }

  private userLogits(
    catalogue: QueryCatalogue,
    profile: readonly number[],
    weights: Float64Array,
    live: LiveContext,
    exploration: ItemExploration | undefined,
  ): { logits: Float64Array; events: Float64Array; affinity: Float64Array } {
    const settings = COLLABORATIVE_SETTINGS;
    const size = catalogue.itemIds.length;
    const trainedSize = this.state.itemIds.length;
    // A user without history whom the Users dataset describes: the items of users sharing their metadata stand in
    // for the co-occurrence evidence they lack (LiveContext.peerPopularity).
    const cooccurrence =
      profile.length === 0 && live.peerPopularity
        ? this.peerEvidence(catalogue, live.peerPopularity, size)
        : this.cooccurrenceOf(profile, weights, size);
    const affinity = this.genreAffinity(catalogue, profile, weights);
    const { events, popularity } = this.popularityNow(catalogue, live.recentPopularity);
    const maxCooccurrence = maxOf(cooccurrence, 1e-9);
    const maxAffinity = maxOf(affinity, 1e-9);
    const logits = this.scratch.zeroed('logits', size);
    // Exploration is a bet on the user's taste: a user with no profile gets none, so for them an item nobody
    // interacted with never outranks one with real history (only events since training lift it). A campaign's
    // configured exploration replaces the model's own (see explore()): an item without any event then ranks below
    // every item with one, and only exploration brings it up.
    const exploring = profile.length > 0 && exploration === undefined;
    const withoutEvidence = settings.cooccurrenceWeight + settings.genreWeight + settings.popularityWeight;
    for (let j = 0; j < size; j++) {
      const itemAffinity = (affinity[j] ?? 0) / maxAffinity;
      let evidence = (cooccurrence[j] ?? 0) / maxCooccurrence;
      let itemPopularity = popularity[j] ?? 0;
      const cold = j >= trainedSize || this.trainedPopularity[j] === 0;
      if (exploring && cold) {
        const share = j >= trainedSize ? settings.newItemCooccurrenceShare : settings.coldCooccurrenceShare;
        evidence = Math.max(evidence, share * itemAffinity);
        itemPopularity = Math.max(itemPopularity, settings.explorationPopularity);
      }
      logits[j] =
        settings.cooccurrenceWeight * evidence +
        settings.genreWeight * itemAffinity +
        settings.popularityWeight * itemPopularity;
      if (exploration && cold && (events[j] ?? 0) === 0) logits[j] = (logits[j] ?? 0) - withoutEvidence;
    }
    if (live.impressions) this.lowerIgnored(catalogue, live.impressions, logits);
    return { logits, events, affinity };
  }

  /**
   * Items shown to the user and not interacted with since (impressions) are less likely: each impression lowers
   * the item's logit, up to a cap. "Impression data, which the user did not interact with, included in PutEvents
   * will decrease the chance of those products appearing in the recommendations again"
   * (https://repost.aws/questions/QUAST8eVsOTx2YX9AtvGz7gQ); see docs/emulator.md for what is modelled.
   */
  private lowerIgnored(
    catalogue: QueryCatalogue,
    impressions: ReadonlyMap<string, number>,
    logits: Float64Array,
  ): void {
    const { impressionPenalty, impressionCap } = COLLABORATIVE_SETTINGS;
    for (const [itemId, count] of impressions) {
      const j = catalogue.index.get(itemId);
      if (j === undefined || count <= 0) continue;
      logits[j] = (logits[j] ?? 0) - impressionPenalty * Math.min(count, impressionCap);
    }
  }

  /**
   * Per item, its events (trained, plus those since training) and its popularity component (0-1 log scale). The
   * trained items' are kept current from the events that arrived since the previous request; only items added
   * since training are looked up per request.
   */
  private popularityNow(
    catalogue: QueryCatalogue,
    recent: RecentPopularity | undefined,
  ): { events: Float64Array; popularity: Float64Array } {
    const size = catalogue.itemIds.length;
    const trainedSize = Math.min(size, this.state.itemIds.length);
    const followed = this.popularity.follow(recent);
    const events = this.scratch.zeroed('events', size);
    events.set(followed.events.subarray(0, trainedSize));
    const popularity = this.scratch.zeroed('popularity', size);
    popularity.set(followed.terms.subarray(0, trainedSize));
    for (let j = trainedSize; j < size && recent; j++) {
      events[j] = recent.get(catalogue.itemIds[j] ?? '') ?? 0;
      popularity[j] = this.popularityTerm(events[j] ?? 0);
    }
    return { events, popularity };
  }

  private popularityTerm(events: number): number {
    return Math.min(1, Math.log1p(events) / this.maxLogPopularity);
  }

  /**
   * Per item, the profile's weighted similarity to it: the hottest loop of a request for a long profile (80
   * neighbours per profile item), so it reads typed arrays.
   */
  private cooccurrenceOf(profile: readonly number[], weights: Float64Array, size: number): Float64Array {
    const cooccurrence = this.scratch.zeroed('cooccurrence', size);
    const { neighbourStart: start, neighbourItem: item, neighbourSimilarity: similarity } = this;
    for (const i of profile) {
      const weight = weights[i] ?? 0;
      const end = start[i + 1] ?? 0;
      for (let k = start[i] ?? 0; k < end; k++) {
        const j = item[k] ?? 0;
        cooccurrence[j] = (cooccurrence[j] ?? 0) + weight * (similarity[k] ?? 0);
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

  /**
   * aws-sims and aws-similar-items: the item's related list (trained by related.ts), genre overlap, and popularity
   * for items the list does not reach (and for items added live).
   */
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
    const related = COLLABORATIVE_SETTINGS.related;
    const weights = this.recipe === 'aws-similar-items' ? related.similarItems : related.sims;
    const neighbours = query === undefined ? [] : (this.state.neighbours[query] ?? []);
    const genreWeight =
      neighbours.length === 0 ? Math.max(weights.genre, related.coldQueryGenre) : weights.genre;
    // The list's estimates scaled to [0, 1] (related.ts).
    let maxEvidence = 1e-9;
    for (let k = 1; k < neighbours.length; k += 2) maxEvidence = Math.max(maxEvidence, neighbours[k] ?? 0);
    for (let k = 0; k + 1 < neighbours.length; k += 2) {
      const j = neighbours[k] ?? 0;
      scores[j] = weights.cooccurrence * ((neighbours[k + 1] ?? 0) / maxEvidence);
    }
    for (let j = 0; j < size; j++) {
      const from = genreStart[j] ?? 0;
      const to = genreStart[j + 1] ?? 0;
      let shared = 0;
      for (let k = from; k < to; k++) shared += queryGenres[genreFlat[k] ?? 0] ?? 0;
      const union = to - from + queryGenreCount - shared;
      const popularity = Math.log1p(this.trainedPopularity[j] ?? 0) / this.maxLogPopularity;
      scores[j] =
        (scores[j] ?? 0) +
        genreWeight * (union === 0 ? 0 : shared / union) +
        weights.popularity * Math.min(1, popularity);
    }
    return topScored(catalogue.itemIds, scores, request.numResults, {
      tieBreak: this.trainedPopularity,
      exclude: query,
      order: catalogue.order,
      accept: request.accept,
    });
  }
}

/**
 * A seeded draw in [0, 1) for a user, an item and an automatic update (FNV-1a over the three, then a
 * mulberry32-style mix): the same arguments give the same draw, in any process.
 */
function draw(userId: string, itemId: string, round: number, purpose: string): number {
  let hash = 0x811c9dc5;
  const text = `${userId}\u0000${itemId}\u0000${round}\u0000${purpose}`;
  for (let k = 0; k < text.length; k++) {
    hash ^= text.charCodeAt(k);
    hash = Math.imul(hash, 0x01000193);
  }
  hash = Math.imul(hash ^ (hash >>> 15), hash | 1);
  hash ^= hash + Math.imul(hash ^ (hash >>> 7), hash | 61);
  return ((hash ^ (hash >>> 14)) >>> 0) / 4294967296;
}

/** Neighbour lists ([index, similarity, ...] per item) as three typed arrays. */
function flatNeighbours(lists: readonly (readonly number[])[]): {
  start: Int32Array;
  item: Int32Array;
  similarity: Float64Array;
} {
  const start = new Int32Array(lists.length + 1);
  lists.forEach((list, i) => (start[i + 1] = (start[i] ?? 0) + (list.length >> 1)));
  const item = new Int32Array(start[lists.length] ?? 0);
  const similarity = new Float64Array(item.length);
  lists.forEach((list, i) => {
    for (let k = 0, at = start[i] ?? 0; k + 1 < list.length; k += 2, at++) {
      item[at] = list[k] ?? 0;
      similarity[at] = list[k + 1] ?? 0;
    }
  });
  return { start, item, similarity };
}
