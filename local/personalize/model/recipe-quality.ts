import { ndcgAt, splitForEvaluation, type EvaluationSplit } from './metrics';
import { fnv1a, NO_LIVE_CONTEXT, Pacer } from './shared';
import type { TrainedModel, TrainingData } from './types';

/**
 * Quality of the RELATED_ITEMS and PERSONALIZED_RANKING recipes against their plain baselines, on the service's
 * held-out split (metrics.ts): scripts/metrics.ts --recipes prints it, docs/emulator.md reports it.
 * - Related items: the query is each test user's last input item; the relevant items are the user's held-out
 *   ones. Baseline: items ranked by how many training users had both (plain co-occurrence count).
 * - Ranking: each test user's held-out items mixed with 40 items the user never interacted with (seeded), ranked
 *   for the user. Baseline: the same list in order of popularity (events in training).
 */
const RANKING_DISTRACTORS = 40;

export interface RecipeQuality {
  /** Mean NDCG@10 over the test users. */
  readonly model: number;
  readonly baseline: number;
  /** Related items only: the most popular items (training events), the query left out. */
  readonly popularity?: number;
  /**
   * Standard error of the mean per-user difference model - baseline: with a few hundred test users, leads under
   * about twice this are within what another sample of users could give.
   */
  readonly differenceError: number;
  readonly users: number;
  /** Related items only: the model's CPU time per request, in microseconds (process.cpuUsage, user + system). */
  readonly requestMicros?: number;
}

const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;

/** Standard error of the mean of the paired differences a[k] - b[k]. */
function pairedError(a: readonly number[], b: readonly number[]): number {
  const differences = a.map((value, k) => value - (b[k] ?? 0));
  if (differences.length < 2) return 0;
  const m = mean(differences);
  const variance = differences.reduce((sum, d) => sum + (d - m) ** 2, 0) / (differences.length - 1);
  return Math.sqrt(variance / differences.length);
}

/** Per item, the users that had it, from the training part of the split. */
function holders(split: EvaluationSplit): Map<string, Set<string>> {
  const byItem = new Map<string, Set<string>>();
  for (const event of split.training.interactions) {
    let users = byItem.get(event.itemId);
    if (!users) byItem.set(event.itemId, (users = new Set()));
    users.add(event.userId);
  }
  return byItem;
}

/** The items most often co-held with `query`, by count (ties: item id), without the query itself. */
function coOccurrenceTop(
  query: string,
  byItem: ReadonlyMap<string, ReadonlySet<string>>,
  byUser: ReadonlyMap<string, readonly string[]>,
  k: number,
): string[] {
  const counts = new Map<string, number>();
  for (const user of byItem.get(query) ?? []) {
    for (const item of byUser.get(user) ?? []) {
      if (item !== query) counts.set(item, (counts.get(item) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([item]) => item);
}

export async function relatedItemsQuality(
  data: TrainingData,
  train: (training: TrainingData) => Promise<TrainedModel>,
  pacer = new Pacer(),
): Promise<RecipeQuality> {
  const split = await splitForEvaluation(data, pacer);
  const model = await train(split.training);
  const byItem = holders(split);
  const byUser = new Map<string, string[]>();
  for (const [item, users] of byItem)
    for (const user of users) byUser.set(user, [...(byUser.get(user) ?? []), item]);
  const events = new Map<string, number>();
  for (const event of split.training.interactions)
    events.set(event.itemId, (events.get(event.itemId) ?? 0) + 1);
  const popular = [...events.keys()]
    .sort((a, b) => (events.get(b) ?? 0) - (events.get(a) ?? 0) || (a < b ? -1 : 1))
    .slice(0, 11);
  const ours: number[] = [];
  const baseline: number[] = [];
  const byPopularity: number[] = [];
  let requestMicros = 0;
  for (const user of split.testUsers) {
    const query = user.input[user.input.length - 1]?.itemId;
    if (query === undefined) continue;
    byPopularity.push(ndcgAt(popular.filter((item) => item !== query).slice(0, 10), user.relevant, 10));
    const cpu = process.cpuUsage();
    const recommended = model.recommend({ itemId: query, numResults: 10, live: NO_LIVE_CONTEXT });
    const spent = process.cpuUsage(cpu);
    requestMicros += spent.user + spent.system;
    ours.push(
      ndcgAt(
        recommended.map((item) => item.itemId),
        user.relevant,
        10,
      ),
    );
    baseline.push(ndcgAt(coOccurrenceTop(query, byItem, byUser, 10), user.relevant, 10));
  }
  return {
    model: mean(ours),
    baseline: mean(baseline),
    popularity: mean(byPopularity),
    differenceError: pairedError(ours, baseline),
    users: ours.length,
    requestMicros: ours.length === 0 ? 0 : requestMicros / ours.length,
  };
}

export async function rankingQuality(
  data: TrainingData,
  train: (training: TrainingData) => Promise<TrainedModel>,
  pacer = new Pacer(),
): Promise<RecipeQuality> {
  const split = await splitForEvaluation(data, pacer);
  const model = await train(split.training);
  const events = new Map<string, number>();
  for (const event of split.training.interactions)
    events.set(event.itemId, (events.get(event.itemId) ?? 0) + 1);
  const catalogue = data.items.map((item) => item.itemId);
  const ours: number[] = [];
  const baseline: number[] = [];
  for (const user of split.testUsers) {
    const seen = new Set(user.input.map((e) => e.itemId));
    // Distractors drawn by a hash of the user and a counter: the same list on every run.
    const distractors = new Set<string>();
    for (let n = 0; distractors.size < RANKING_DISTRACTORS && n < RANKING_DISTRACTORS * 20; n++) {
      const item = catalogue[fnv1a(`${user.userId}:${n}`) % catalogue.length] ?? '';
      if (!seen.has(item) && !user.relevant.has(item)) distractors.add(item);
    }
    const inputList = [...user.relevant, ...distractors].sort();
    const ranked = model.rank({ userId: user.userId, itemIds: inputList, live: NO_LIVE_CONTEXT });
    ours.push(
      ndcgAt(
        ranked.map((item) => item.itemId),
        user.relevant,
        10,
      ),
    );
    const byPopularity = [...inputList].sort((a, b) => (events.get(b) ?? 0) - (events.get(a) ?? 0));
    baseline.push(ndcgAt(byPopularity, user.relevant, 10));
  }
  return {
    model: mean(ours),
    baseline: mean(baseline),
    differenceError: pairedError(ours, baseline),
    users: ours.length,
  };
}
