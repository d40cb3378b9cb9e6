import { catalogueOf, Pacer, topScored } from './shared';
import type {
  LiveContext,
  RankedItem,
  RankRequest,
  RecommendRequest,
  ScoredItem,
  TrainedModel,
  TrainingData,
} from './types';

/**
 * The trend discovery frequency: the page offers 30 minutes, 1 hour, 3 hours and 1 day and names no default; the
 * emulator uses a day, the one that suits data recorded over weeks such as the sample's.
 */
const TREND_INTERVAL_SECONDS = 86_400;

export interface TrendingSnapshot {
  readonly recipe: 'aws-trending-now';
  readonly itemIds: readonly string[];
  /** Events per item in the newest interval of the training data, and in the interval before it. */
  readonly latest: readonly number[];
  readonly previous: readonly number[];
  /** Events per item in all of the training data: the order when nothing is trending. */
  readonly total: readonly number[];
}

/**
 * aws-trending-now (POPULAR_ITEMS): the items whose interactions grew most from one interval to the next
 * (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-trending-now.html). Events accepted since
 * training count in the newest interval, and the items they name are considered without retraining: "The items
 * considered come from the interactions data you imported in bulk and incrementally. You don't have to manually
 * create a new solution version for Trending-Now to consider new items in interactions data." An item added with
 * PutItems and never interacted with is not among them (the recipe uses no Items dataset).
 * When the last two intervals hold no interactions at all it recommends popular items only, as the page says.
 * Scores are each item's share of the total growth (popularity shares when nothing grew).
 */
export class TrendingNowModel implements TrainedModel {
  readonly recipe = 'aws-trending-now' as const;
  private readonly index: Map<string, number>;

  constructor(private readonly snapshot: TrendingSnapshot) {
    this.index = new Map(snapshot.itemIds.map((id, i) => [id, i]));
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const { itemIds, scores, total } = this.trendScores(request.live);
    return topScored(itemIds, scores, request.numResults, { tieBreak: total });
  }

  rank(request: RankRequest): RankedItem[] {
    const { itemIds, scores, total } = this.trendScores(request.live);
    const position = new Map(itemIds.map((id, i) => [id, i]));
    const wanted = [...new Set(request.itemIds)];
    const at = wanted.map((id) => position.get(id) ?? -1);
    return topScored(
      wanted,
      at.map((i) => scores[i] ?? 0),
      wanted.length,
      { tieBreak: at.map((i) => total[i] ?? -1) },
    );
  }

  serialize(): TrendingSnapshot {
    return this.snapshot;
  }

  private trendScores(live: LiveContext): { itemIds: string[]; scores: number[]; total: number[] } {
    const { snapshot } = this;
    const itemIds = [...snapshot.itemIds];
    const latest = itemIds.map((_, i) => snapshot.latest[i] ?? 0);
    const total = itemIds.map((_, i) => snapshot.total[i] ?? 0);
    for (const [itemId, count] of live.recentPopularity ?? []) {
      let i = this.index.get(itemId);
      if (i === undefined) {
        // An item first seen in events since training: considered at once, as the page says.
        i = itemIds.length;
        itemIds.push(itemId);
        latest.push(0);
        total.push(0);
      }
      latest[i] = (latest[i] ?? 0) + count;
      total[i] = (total[i] ?? 0) + count;
    }
    const growth = latest.map((count, i) => Math.max(0, count - (snapshot.previous[i] ?? 0)));
    const grown = growth.reduce((sum, g) => sum + g, 0);
    if (grown > 0) return { itemIds, scores: growth.map((g) => g / grown), total };
    const all = total.reduce((sum, count) => sum + count, 0);
    return {
      itemIds,
      scores: total.map((count) => (all === 0 ? 1 / total.length : count / all)),
      total,
    };
  }
}

export async function trainTrendingNow(data: TrainingData, pacer = new Pacer()): Promise<TrendingNowModel> {
  const { itemIds } = await catalogueOf(data, pacer);
  const index = new Map(itemIds.map((id, i) => [id, i]));
  let newest = -Infinity;
  for (const event of data.interactions) newest = Math.max(newest, event.timestamp);
  const latest = new Array<number>(itemIds.length).fill(0);
  const previous = new Array<number>(itemIds.length).fill(0);
  const total = new Array<number>(itemIds.length).fill(0);
  await pacer.chunks(data.interactions.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      const event = data.interactions[e];
      const i = event && index.get(event.itemId);
      if (!event || i === undefined) continue;
      total[i] = (total[i] ?? 0) + 1;
      const age = newest - event.timestamp;
      if (age < TREND_INTERVAL_SECONDS) latest[i] = (latest[i] ?? 0) + 1;
      else if (age < 2 * TREND_INTERVAL_SECONDS) previous[i] = (previous[i] ?? 0) + 1;
    }
  });
  return new TrendingNowModel({ recipe: 'aws-trending-now', itemIds, latest, previous, total });
}
