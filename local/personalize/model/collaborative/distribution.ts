import { COLLABORATIVE_SETTINGS } from './settings';

/** The catalogue at query time: training items plus items added since (live.newItems). */
export interface QueryCatalogue {
  readonly itemIds: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Item j's genre indices are genreFlat[genreStart[j]] .. genreFlat[genreStart[j + 1] - 1]. */
  readonly genreStart: Int32Array;
  readonly genreFlat: Int32Array;
  /** Per item, its place among items tied in score and popularity (see tieOrder). */
  readonly order: Float64Array;
}

/**
 * A user's distribution over the catalogue, without a score array: per item its logit and its group (the items
 * new to the user, or those in the profile), and per group the log of its share over its softmax normaliser. An
 * item's score is exp(key), key = (logit - group max) / temperature + group offset.
 */
export interface Distribution {
  readonly logits: Float64Array;
  /** 1 for items in the user's profile when the two groups are mixed, else 0. */
  readonly group: Float64Array;
  readonly max: readonly [number, number];
  readonly offset: readonly [number, number];
  /** Each group's share of the probability mass (new to the user, in the profile). */
  readonly shares: readonly [number, number];
  /** Trained plus recent events per item: the tie-break of equal scores. */
  readonly events: Float64Array;
}

/**
 * Work arrays reused from request to request (a request runs synchronously, so one set per model serves them
 * all): serving allocates no catalogue-sized array.
 */
export class Scratch {
  private readonly buffers = new Map<string, Float64Array>();

  /** The array kept under `name`, of length `size`, zeroed. */
  zeroed(name: string, size: number): Float64Array {
    let buffer = this.buffers.get(name);
    if (buffer?.length !== size) {
      buffer = new Float64Array(size);
      this.buffers.set(name, buffer);
    } else {
      buffer.fill(0);
    }
    return buffer;
  }
}

/** Genre lists flattened into two typed arrays (see QueryCatalogue). */
export function flattenGenres(lists: readonly (readonly number[])[]): {
  genreStart: Int32Array;
  genreFlat: Int32Array;
} {
  const genreStart = new Int32Array(lists.length + 1);
  let total = 0;
  lists.forEach((list, j) => {
    genreStart[j] = total;
    total += list.length;
  });
  genreStart[lists.length] = total;
  const genreFlat = new Int32Array(total);
  lists.forEach((list, j) => genreFlat.set(list, genreStart[j] ?? 0));
  return { genreStart, genreFlat };
}

/**
 * Both groups' softmax normalisers in one pass: a running maximum per group, the running sum rescaled when it
 * rises. Returns each group's maximum and offset log(share) - log(normaliser).
 */
export function normalise(
  logits: Float64Array,
  group: Float64Array,
  shares: readonly [number, number],
): { max: [number, number]; offset: [number, number] } {
  const temperature = COLLABORATIVE_SETTINGS.temperature;
  const max: [number, number] = [-Infinity, -Infinity];
  const sum: [number, number] = [0, 0];
  for (let j = 0; j < logits.length; j++) {
    const g = group[j] === 1 ? 1 : 0;
    const logit = logits[j] ?? 0;
    if (logit > max[g]) {
      sum[g] = sum[g] * Math.exp((max[g] - logit) / temperature) + 1;
      max[g] = logit;
    } else {
      sum[g] += Math.exp((logit - max[g]) / temperature);
    }
  }
  const offset = (g: 0 | 1): number => (sum[g] === 0 ? -Infinity : Math.log(shares[g]) - Math.log(sum[g]));
  return { max, offset: [offset(0), offset(1)] };
}

/** Each item's log score: monotone in its score, so the top k by key is the top k by score. */
export function keysOf(distribution: Distribution, scratch: Scratch): Float64Array {
  const { logits, group, max, offset } = distribution;
  const temperature = COLLABORATIVE_SETTINGS.temperature;
  const keys = scratch.zeroed('keys', logits.length);
  for (let j = 0; j < logits.length; j++) {
    const g = group[j] === 1 ? 1 : 0;
    keys[j] = ((logits[j] ?? 0) - max[g]) / temperature + offset[g];
  }
  return keys;
}

export function scoreOf(distribution: Distribution, j: number): number {
  const g = distribution.group[j] === 1 ? 1 : 0;
  const key =
    ((distribution.logits[j] ?? 0) - distribution.max[g]) / COLLABORATIVE_SETTINGS.temperature +
    distribution.offset[g];
  return Math.exp(key);
}
