import type { Pacer } from './shared';

/**
 * The contract between the Personalize emulator (resources, wire protocols, persistence) and its
 * recommendation models (training, scoring, metrics). The emulator owns data and lifecycles; a model is a
 * pure function of the data it was trained on plus the live events and items it is handed at query time.
 */

/** Recipes the emulator implements, by their Personalize recipe ARN suffix. */
export type RecipeName =
  | 'aws-user-personalization'
  | 'aws-popularity-count'
  | 'aws-trending-now'
  | 'aws-sims'
  | 'aws-similar-items'
  | 'aws-personalized-ranking';

export interface Interaction {
  readonly userId: string;
  readonly itemId: string;
  readonly eventType: string;
  /** Seconds since the epoch, as Personalize's TIMESTAMP field. */
  readonly timestamp: number;
}

export interface Item {
  readonly itemId: string;
  /** Categorical values (the GENRE field split on `|`); empty when null. */
  readonly genres: readonly string[];
  readonly year?: string;
  /**
   * The item's other schema fields that have a value, by upper-case field name, as filters read them (a
   * categorical field's values split on `|`): e.g. AVAILABILITY, which retires an item.
   */
  readonly fields?: Readonly<Record<string, readonly string[]>>;
}

/**
 * A user's metadata as a Users dataset holds it: the schema's fields with a value, by upper-case field name, a
 * categorical field's values split on `|` (e.g. `{ MEMBERSHIP: ['gold'] }`).
 */
export type UserFields = Readonly<Record<string, readonly string[]>>;

export interface TrainingData {
  readonly interactions: readonly Interaction[];
  readonly items: readonly Item[];
}

/** Training data read piece by piece: no array of every interaction is ever held by the serving thread. */
export interface TrainingSource {
  /** The interactions, oldest first, in chunks of any size (each one is sent on and dropped). */
  readonly chunks: Iterable<readonly Interaction[]> | AsyncIterable<readonly Interaction[]>;
  /** The items, once the interactions are read. */
  readonly items: () => readonly Item[] | Promise<readonly Item[]>;
  /** Called with the number of interactions read, before training: throws to train nothing. */
  readonly beforeTraining?: (interactions: number) => void;
}

export interface ScoredItem {
  readonly itemId: string;
  readonly score: number;
}

/** An item of a personalized ranking: items without training interactions have no score. */
export interface RankedItem {
  readonly itemId: string;
  readonly score?: number;
}

/**
 * Item popularity from events since training (itemId -> count), kept current as events arrive, with the items of
 * those events in arrival order: a model follows it from where it last read instead of walking every entry on
 * each request (the entries grow with every distinct item id received).
 */
export interface RecentPopularity extends ReadonlyMap<string, number> {
  /** Events since training so far. */
  readonly eventCount: number;
  /** The item of the n-th event since training (0-based, oldest first). */
  itemOfEvent(n: number): string;
}

/** What a model is handed at query time besides what it was trained on. */
export interface LiveContext {
  /**
   * The user's events accepted by PutEvents since training, oldest first: the emulator hands the newest 200,
   * each item once, at its latest event (a profile needs no more).
   */
  readonly userEvents: readonly Interaction[];
  /** Items added by PutItems since training. */
  readonly newItems: readonly Item[];
  /** Item popularity from events since training, for new users and trends. */
  readonly recentPopularity?: RecentPopularity;
  /**
   * The user's impressions: per item, how many times it was shown to them (a recommendationId's list or an
   * explicit `impression`) without their interacting with it since. User-Personalization lowers those items.
   */
  readonly impressions?: ReadonlyMap<string, number>;
  /**
   * For a user the version trained with metadata in the Users dataset: each item's share of the training events of
   * the users who share a metadata value with them (user-metadata.ts). A user without history gets these items
   * before what is popular with everyone (User-Personalization and Personalized-Ranking use user metadata).
   */
  readonly peerPopularity?: ReadonlyMap<string, number>;
}

/**
 * A campaign's item exploration (CreateCampaign's itemExplorationConfig) as the model applies it: User-Personalization
 * only (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html).
 */
export interface ItemExploration {
  /** explorationWeight, 0 to 1: the chance an item with little interactions data is tried on a user of its taste. */
  readonly weight: number;
  /** explorationItemAgeCutOff: the oldest an item may be, in days before the latest interaction, to be explored. */
  readonly itemAgeCutOffDays: number;
  /** The automatic update the serving model is at: exploration draws again at each one. */
  readonly round: number;
}

export interface RecommendRequest {
  /** For user recipes. */
  readonly userId?: string;
  /** For RELATED_ITEMS recipes (aws-sims, aws-similar-items): items related to this one. */
  readonly itemId?: string;
  readonly numResults: number;
  readonly live: LiveContext;
  /**
   * A request's filter: only items it accepts may be returned. Models honour it while selecting their top
   * N (not after), so numResults is still met while enough accepted items remain.
   */
  readonly accept?: (itemId: string) => boolean;
  /**
   * The campaign's item exploration (User-Personalization). Without it the model explores cold items by a fixed
   * share of their genre evidence (the model's own default); with it, items with little interactions data are
   * tried on users of their taste with the configured weight, and with weight 0 never.
   */
  readonly exploration?: ItemExploration;
}

export interface RankRequest {
  readonly userId: string;
  readonly itemIds: readonly string[];
  readonly live: LiveContext;
  /** A request's filter: items it refuses are left out of the ranking. */
  readonly accept?: (itemId: string) => boolean;
}

export interface TrainedModel {
  readonly recipe: RecipeName;
  /**
   * Recommendations, best first. For aws-user-personalization the scores are a softmax over the whole
   * catalogue: each in [0, 1], descending, summing to 1 over all items.
   */
  recommend(request: RecommendRequest): ScoredItem[];
  /**
   * Personalized ranking of the given items, best first (aws-personalized-ranking). An item the model has no
   * training interactions for comes after every scored item, without a score (`score` undefined).
   */
  rank(request: RankRequest): RankedItem[];
  /** A JSON-serialisable snapshot; `loadModel` restores it. */
  serialize(): unknown;
}

/** Personalize's offline metrics, by the service's names. */
export type SolutionMetrics = Record<
  | 'coverage'
  | 'mean_reciprocal_rank_at_25'
  | 'normalized_discounted_cumulative_gain_at_5'
  | 'normalized_discounted_cumulative_gain_at_10'
  | 'normalized_discounted_cumulative_gain_at_25'
  | 'precision_at_5'
  | 'precision_at_10'
  | 'precision_at_25',
  number
>;

export interface TrainingResult {
  readonly model: TrainedModel;
  readonly metrics: SolutionMetrics;
}

/**
 * The model module (`local/personalize/model/index.ts`) exports:
 *   train(recipe: RecipeName, data: TrainingData): Promise<TrainingResult>
 *   loadModel(snapshot: unknown): TrainedModel
 *   RECIPES: readonly RecipeName[]
 * `train` runs inside the emulator's server process: it counts its work on a `Pacer` (the one given, or its own)
 * and yields to the event loop at least every `pacer.unitsPerYield` units, so no stretch blocks the server long.
 */
export type Train = (recipe: RecipeName, data: TrainingData, pacer?: Pacer) => Promise<TrainingResult>;
export type LoadModel = (snapshot: unknown) => TrainedModel;
/** Training from data read in chunks (see TrainingSource): what a trainer off the serving thread offers. */
export type TrainChunks = (
  recipe: RecipeName,
  source: TrainingSource,
  pacer?: Pacer,
) => Promise<TrainingResult>;
