import { Pacer, topIndices } from '../shared';
import { holdersOf, type UserItems } from './neighbours';
import { COLLABORATIVE_SETTINGS } from './settings';

/**
 * The related-items lists of aws-sims and aws-similar-items: per item, the items users went on to after it. SIMS is
 * item-to-item collaborative filtering on co-occurrence in user histories, "Popularity-based" for items without
 * enough data (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-sims.html); the guide does not say
 * how co-occurrence is weighed, so it is estimated here as the probability that a user who had the item has the
 * other one next, which a raw co-occurrence count only approximates:
 * - direction: a pair counts fully when the other item came after the item, `backwardWeight` when before (a
 *   request asks what to show after the item; what users had before it is weaker evidence of that);
 * - sessions: a pair close in time counts up to 1 + sessionBoost times (as in the user-personalization model);
 * - heavy users: a user weighs 1 / sqrt(their distinct items), as an IDF: a user who had everything says little
 *   about any one pair;
 * - shrinkage: an item's estimate rests on its holders (n of them); it is shrunk, with the weight of `shrinkage`
 *   holders, towards popularity (the share of users who had the other item), as the page's "popularity-based" for
 *   items without enough data: an item with few holders ranks popular items rather than a few coincidences, one
 *   with many keeps its own evidence.
 * Cost: one pass over the windowed pairs, as neighboursOf, plus `neighbours` popular items per item.
 */
export async function relatedNeighboursOf(
  users: readonly UserItems[],
  size: number,
  pacer: Pacer,
): Promise<number[][]> {
  const { pairWindow, sessionSeconds, sessionBoost, neighbours: kept } = COLLABORATIVE_SETTINGS;
  const { backwardWeight, shrinkage } = COLLABORATIVE_SETTINGS.related;
  const holders = await holdersOf(users, size, pacer);
  const userWeight = Float64Array.from(users, (user) => 1 / Math.sqrt(Math.max(1, user.items.length)));
  const accumulator = new Float64Array(size);
  const touched: number[] = [];
  // The prior: the share of users who had the item.
  const prior = new Float64Array(size);
  for (let i = 0; i < size; i++)
    prior[i] = ((holders.offsets[i + 1] ?? 0) - (holders.offsets[i] ?? 0)) / Math.max(1, users.length);
  const popular = topIndices(prior, kept);
  const related: number[][] = [];
  for (let i = 0; i < size; i++) {
    let total = 0;
    const from = holders.offsets[i] ?? 0;
    const to = holders.offsets[i + 1] ?? 0;
    const n = to - from;
    for (let h = from; h < to; h++) {
      const u = holders.user[h] ?? 0;
      const user = users[u];
      if (!user) continue;
      const { items, times } = user;
      const weight = userWeight[u] ?? 0;
      total += weight;
      const position = holders.position[h] ?? 0;
      const at = times[position] ?? 0;
      const start = Math.max(0, position - pairWindow);
      const end = Math.min(items.length, position + pairWindow + 1);
      for (let k = start; k < end; k++) {
        if (k === position) continue;
        const j = items[k] ?? 0;
        if (accumulator[j] === 0) touched.push(j);
        const gap = Math.abs((times[k] ?? 0) - at);
        accumulator[j] =
          (accumulator[j] ?? 0) +
          weight * (k < position ? backwardWeight : 1) * (1 + sessionBoost * Math.exp(-gap / sessionSeconds));
      }
      if (pacer.count(end - start + 1, 'neighbours')) await pacer.yield();
    }
    if (total > 0) {
      // (n x own estimate + shrinkage x prior) / (n + shrinkage), over the items the holders had and the most
      // popular ones (the prior alone ranks those the holders never had).
      for (const j of touched)
        accumulator[j] =
          (n * ((accumulator[j] ?? 0) / total) + shrinkage * (prior[j] ?? 0)) / (n + shrinkage);
      for (const j of popular) {
        if (j === i || accumulator[j] !== 0) continue;
        touched.push(j);
        accumulator[j] = (shrinkage * (prior[j] ?? 0)) / (n + shrinkage);
      }
    }
    related.push(best(touched, accumulator, total > 0 ? 1 : 0, kept));
    if (pacer.count(touched.length + kept + 1, 'neighbours')) await pacer.yield();
    for (const j of touched) accumulator[j] = 0;
    touched.length = 0;
  }
  return related;
}

/** The `count` best of the touched items by accumulator / total, as flat [index, value, ...] (ties: lower index). */
function best(touched: readonly number[], accumulator: Float64Array, total: number, count: number): number[] {
  if (total <= 0) return [];
  const value = Float64Array.from(touched, (j) => (accumulator[j] ?? 0) / total);
  const lowerIndexFirst = Float64Array.from(touched, (j) => -j);
  return topIndices(value, count, lowerIndexFirst).flatMap((k) => [
    touched[k] ?? 0,
    Number((value[k] ?? 0).toPrecision(4)),
  ]);
}
