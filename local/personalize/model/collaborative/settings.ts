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
  /**
   * Related items (RELATED_ITEMS): each item's list (related.ts) estimates how likely a user who had it has each
   * other item next; serving then weighs that estimate, genre overlap (Jaccard) and popularity (the fallback for
   * items with no list: cold, or added since training) as below. Similar-items weighs item metadata more, as its
   * page describes it (co-occurrence and "any item metadata similarities"). Chosen on the tuning datasets of
   * scripts/metrics.ts --recipes, never on its held-out ones.
   */
  related: {
    /** A pair where the other item came before the item counts this much (after: 1). */
    backwardWeight: 0.5,
    /** Holders' worth of popularity an item's own estimate is shrunk towards. */
    shrinkage: 10,
    sims: { cooccurrence: 1, genre: 0, popularity: 0.01 },
    /** Genre weight for a query without a list (cold, or added since training): its genres are all there is. */
    coldQueryGenre: 0.2,
    similarItems: { cooccurrence: 1, genre: 0.05, popularity: 0.01 },
  },
  /**
   * Item exploration as a campaign configures it (RecommendRequest.exploration): items with fewer training events
   * than this are "items with less interactions data", the ones exploration tries on users of their taste.
   */
  explorationMaxEvents: 5,
  /**
   * Explored items are placed among the first this many of the ranking (the default numResults), whatever numResults
   * a request asks for: the first k of a longer list are then the list of k.
   */
  explorationDepth: 25,
  /**
   * Impressions: each time an item was shown to the user without their interacting with it lowers its logit by
   * this much, up to `impressionCap` times (3 impressions: about 150 times less likely at the temperature below).
   */
  impressionPenalty: 0.5,
  impressionCap: 8,
  /** An item the user ignored this many times is no longer explored for them: impressions guide exploration. */
  impressionsEndingExploration: 2,
  /** Softmax temperature over the catalogue: low enough that the top items carry visible mass. */
  temperature: 0.3,
};
