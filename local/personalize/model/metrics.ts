import { catalogueOf, fnv1a, interactionsByUser, NO_LIVE_CONTEXT, Pacer } from './shared';
import type { Interaction, RecipeName, SolutionMetrics, TrainedModel, TrainingData } from './types';

/** Personalize holds out 10% of users, and for each of them the newest 10% of interactions. */
const TEST_USER_FRACTION = 0.1;
const HOLDOUT_FRACTION = 0.1;
/** The service evaluates the top 25 recommendations. */
const EVALUATION_DEPTH = 25;

interface TestUser {
  readonly userId: string;
  /** The oldest 90% of the user's interactions: trained on, as the user's profile. */
  readonly input: readonly Interaction[];
  /** Distinct items of the newest 10%: what a good model recommends. */
  readonly relevant: ReadonlySet<string>;
}

export interface EvaluationSplit {
  /** All interactions of the training users plus the input interactions of the test users. */
  readonly training: TrainingData;
  readonly testUsers: readonly TestUser[];
}

/**
 * The service's protocol. Test users are chosen deterministically (by a hash of the user id) among users with
 * at least two interactions, so that each keeps at least one input and one ground-truth interaction.
 */
export async function splitForEvaluation(data: TrainingData, pacer = new Pacer()): Promise<EvaluationSplit> {
  const byUser = await interactionsByUser(data.interactions, pacer);
  const eligible = [...byUser.entries()]
    .filter(([, events]) => events.length >= 2)
    .map(([userId]) => userId)
    .sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : 1));
  const testCount = eligible.length === 0 ? 0 : Math.max(1, Math.round(eligible.length * TEST_USER_FRACTION));
  const testIds = new Set(eligible.slice(0, testCount));

  const training: Interaction[] = [];
  const testUsers: TestUser[] = [];
  for (const [userId, events] of byUser) {
    await pacer.step(2 * events.length, 'split');
    if (!testIds.has(userId)) {
      for (const event of events) training.push(event);
      continue;
    }
    const holdout = Math.max(1, Math.round(events.length * HOLDOUT_FRACTION));
    const input = events.slice(0, events.length - holdout);
    for (const event of input) training.push(event);
    testUsers.push({
      userId,
      input,
      relevant: new Set(events.slice(events.length - holdout).map((e) => e.itemId)),
    });
  }
  testUsers.sort((a, b) => (a.userId < b.userId ? -1 : 1));
  return { training: { interactions: training, items: data.items }, testUsers };
}

export interface RankedList {
  readonly recommended: readonly string[];
  readonly relevant: ReadonlySet<string>;
}

/** Averages over the lists; coverage is the share of the catalogue recommended to anyone. */
export function scoreRecommendations(lists: readonly RankedList[], catalogueSize: number): SolutionMetrics {
  const metrics: SolutionMetrics = {
    coverage: 0,
    mean_reciprocal_rank_at_25: 0,
    normalized_discounted_cumulative_gain_at_5: 0,
    normalized_discounted_cumulative_gain_at_10: 0,
    normalized_discounted_cumulative_gain_at_25: 0,
    precision_at_5: 0,
    precision_at_10: 0,
    precision_at_25: 0,
  };
  if (lists.length === 0) return metrics;
  const recommendedAnywhere = new Set<string>();
  for (const { recommended, relevant } of lists) {
    const top = recommended.slice(0, EVALUATION_DEPTH);
    top.forEach((itemId) => recommendedAnywhere.add(itemId));
    const firstHit = top.findIndex((itemId) => relevant.has(itemId));
    metrics.mean_reciprocal_rank_at_25 += firstHit < 0 ? 0 : 1 / (firstHit + 1);
    metrics.normalized_discounted_cumulative_gain_at_5 += ndcgAt(top, relevant, 5);
    metrics.normalized_discounted_cumulative_gain_at_10 += ndcgAt(top, relevant, 10);
    metrics.normalized_discounted_cumulative_gain_at_25 += ndcgAt(top, relevant, 25);
    metrics.precision_at_5 += precisionAt(top, relevant, 5);
    metrics.precision_at_10 += precisionAt(top, relevant, 10);
    metrics.precision_at_25 += precisionAt(top, relevant, 25);
  }
  for (const key of Object.keys(metrics) as (keyof SolutionMetrics)[]) metrics[key] /= lists.length;
  metrics.coverage = catalogueSize === 0 ? 0 : recommendedAnywhere.size / catalogueSize;
  return metrics;
}

/** Hits over k, as the service computes it (a short list does not raise precision). */
function precisionAt(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return recommended.slice(0, k).filter((itemId) => relevant.has(itemId)).length / k;
}

/** Binary-relevance NDCG: gain 1/log2(rank + 1) per hit, over the best possible ordering. */
export function ndcgAt(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  recommended.slice(0, k).forEach((itemId, index) => {
    if (relevant.has(itemId)) dcg += 1 / Math.log2(index + 2);
  });
  let ideal = 0;
  for (let index = 0; index < Math.min(k, relevant.size); index++) ideal += 1 / Math.log2(index + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

/**
 * Trains on the split's training data and scores the test users' top 25. aws-sims is asked for items related to
 * the user's latest input item, the other recipes for the user's recommendations.
 */
export async function evaluateRecipe(
  recipe: RecipeName,
  data: TrainingData,
  trainModel: (data: TrainingData) => Promise<TrainedModel>,
  pacer = new Pacer(),
): Promise<SolutionMetrics> {
  const split = await splitForEvaluation(data, pacer);
  const model = await trainModel(split.training);
  return scoreSplit(recipe, model, split, (await catalogueOf(data, pacer)).itemIds.length, pacer);
}

/** Scores a model trained on `split.training` on the split's test users (see evaluateRecipe). */
export async function scoreSplit(
  recipe: RecipeName,
  model: TrainedModel,
  split: EvaluationSplit,
  catalogueSize: number,
  pacer = new Pacer(),
): Promise<SolutionMetrics> {
  const lists: RankedList[] = [];
  for (const user of split.testUsers) {
    const request =
      recipe === 'aws-sims' || recipe === 'aws-similar-items'
        ? {
            itemId: user.input[user.input.length - 1]?.itemId,
            numResults: EVALUATION_DEPTH,
            live: NO_LIVE_CONTEXT,
          }
        : { userId: user.userId, numResults: EVALUATION_DEPTH, live: NO_LIVE_CONTEXT };
    lists.push({ recommended: model.recommend(request).map((item) => item.itemId), relevant: user.relevant });
    // A recommendation is a pass over the catalogue.
    await pacer.step(catalogueSize, 'evaluation');
  }
  return scoreRecommendations(lists, catalogueSize);
}
