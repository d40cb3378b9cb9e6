import { FollowedPopularity } from './live-popularity';
import { catalogueOf, Pacer, topScored, unseenNewItems } from './shared';
import type {
  RankRequest,
  RecommendRequest,
  ScoredItem,
  TrainedModel,
  TrainingData,
  LiveContext,
} from './types';

export interface PopularitySnapshot {
  readonly recipe: 'aws-popularity-count';
  readonly itemIds: readonly string[];
  readonly counts: readonly number[];
}

/**
 * aws-popularity-count (POPULAR_ITEMS): the same list for everyone, items by their number of users: "the items
 * with the most interactions data from unique users"
 * (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-popularity.html). Events given as
 * live.recentPopularity (counted per event: the live context keeps no user sets) are added to the counts; the
 * emulator's runtime gives none, nor new items, since the page says only a new solution version considers new items
 * and users' most recent behaviour (runtime.ts). Scores are each item's share, over the whole catalogue.
 */
export class PopularityCountModel implements TrainedModel {
  readonly recipe = 'aws-popularity-count' as const;
  private readonly index: Map<string, number>;
  /** Trained plus recent events per trained item, kept current from the events since the previous request. */
  private readonly popularity: FollowedPopularity;

  constructor(
    private readonly itemIds: readonly string[],
    private readonly counts: readonly number[],
  ) {
    this.index = new Map(itemIds.map((id, i) => [id, i]));
    this.popularity = new FollowedPopularity(Float64Array.from(counts), this.index, (events) => events);
  }

  static fromSnapshot(snapshot: PopularitySnapshot): PopularityCountModel {
    return new PopularityCountModel(snapshot.itemIds, snapshot.counts);
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const { itemIds, shares } = this.currentShares(request.live);
    return topScored(itemIds, shares, request.numResults, { accept: request.accept });
  }

  rank(request: RankRequest): ScoredItem[] {
    const { itemIds, shares } = this.currentShares(request.live);
    const position = new Map(itemIds.map((id, i) => [id, i]));
    const wanted = [...new Set(request.itemIds)].filter((id) => !request.accept || request.accept(id));
    const scores = wanted.map((id) => shares[position.get(id) ?? -1] ?? 0);
    return topScored(wanted, scores, wanted.length);
  }

  serialize(): PopularitySnapshot {
    return { recipe: this.recipe, itemIds: [...this.itemIds], counts: [...this.counts] };
  }

  private currentShares(live: LiveContext): { itemIds: string[]; shares: number[] } {
    const added = unseenNewItems(live.newItems, this.index).map((item) => item.itemId);
    const itemIds = [...this.itemIds, ...added];
    const followed = this.popularity.follow(live.recentPopularity);
    const counts = Array.from(followed.events);
    let total = followed.total;
    for (const itemId of added) {
      const count = live.recentPopularity?.get(itemId) ?? 0;
      counts.push(count);
      total += count;
    }
    return { itemIds, shares: counts.map((count) => (total === 0 ? 1 / counts.length : count / total)) };
  }
}

export async function trainPopularityCount(
  data: TrainingData,
  pacer = new Pacer(),
): Promise<PopularityCountModel> {
  const { itemIds } = await catalogueOf(data, pacer);
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const counts = new Array<number>(itemIds.length).fill(0);
  const users = itemIds.map(() => new Set<string>());
  await pacer.chunks(data.interactions.length, 'popularity', (start, end) => {
    for (let e = start; e < end; e++) {
      const event = data.interactions[e];
      const i = event && index.get(event.itemId);
      const seen = i === undefined ? undefined : users[i];
      if (!event || i === undefined || !seen || seen.has(event.userId)) continue;
      seen.add(event.userId);
      counts[i] = (counts[i] ?? 0) + 1;
    }
  });
  return new PopularityCountModel(itemIds, counts);
}
