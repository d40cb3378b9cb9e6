import { Pacer, topIndices } from '../shared';
import { COLLABORATIVE_SETTINGS } from './settings';

/** A user's distinct items in order of first interaction, with those times, and the user's weight. */
export interface UserItems {
  readonly items: Int32Array;
  readonly times: Float64Array;
  readonly weight: number;
}

/** For each item, the (user, position) pairs that hold it, as flat arrays: item i's are offsets[i] .. offsets[i + 1]. */
export async function holdersOf(
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
export async function neighboursOf(
  users: readonly UserItems[],
  size: number,
  pacer: Pacer,
): Promise<number[][]> {
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
