import type { Pacer } from '../shared';
import type { RecipeName } from '../types';

/** What a trained collaborative model holds: everything serving needs, nothing it does not. */
export interface CollaborativeSnapshot {
  readonly recipe: RecipeName;
  readonly itemIds: readonly string[];
  readonly genres: readonly string[];
  /** Per item, the indices of its genres in `genres`. */
  readonly itemGenres: readonly (readonly number[])[];
  /** Per item, flat [neighbour index, similarity, ...] pairs, most similar first. */
  readonly neighbours: readonly (readonly number[])[];
  /** Recency-weighted event counts at the end of training. */
  readonly popularity: readonly number[];
  /** Per user, item indices by last interaction, oldest first. */
  readonly histories: Readonly<Record<string, readonly number[]>>;
  /**
   * How often users went back to an item they had left for other items, measured on the training data: the
   * probability mass that items already in the user's profile get. Near 0 for films (people rarely rewatch),
   * large for groceries or music. Absent in snapshots written before it existed: the minimum.
   */
  readonly repeatShare?: number;
  /**
   * Per item, its training events (a plain count) and its age in days: from its oldest training event to the
   * latest event of the training data (0 for an item without events: Personalize then takes the latest interaction
   * as its creation date). Item exploration reads them. Absent in snapshots written before they existed.
   */
  readonly itemEvents?: readonly number[];
  readonly itemAgeDays?: readonly number[];
}

/**
 * How a collaborative snapshot is written as JSON: its two large lists (each item's neighbours, each user's
 * history: millions of numbers at a million interactions) packed as base64 typed arrays. JSON.stringify of the
 * plain lists held the event loop for about 150 ms at that size; of a few long strings, a few milliseconds.
 * Exact: indices as Int32, similarities as Float64.
 */
export interface PackedLists {
  readonly neighbourCounts: string;
  readonly neighbourItems: string;
  readonly neighbourSimilarities: string;
  readonly historyUsers: readonly string[];
  readonly historyLengths: string;
  readonly historyItems: string;
}

/** A snapshot as stored: the plain one without its two large lists, plus them packed. */
export type PackedSnapshot = Omit<CollaborativeSnapshot, 'neighbours' | 'histories'> & {
  readonly packed: PackedLists;
};

const toBase64 = (array: Int32Array | Float64Array): string =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

function fromBase64<T extends Int32Array | Float64Array>(
  text: string,
  Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
): T {
  const bytes = Buffer.from(text, 'base64');
  // A copy: the typed array needs its own, aligned buffer.
  const buffer = new ArrayBuffer(bytes.length - (bytes.length % Type.BYTES_PER_ELEMENT));
  new Uint8Array(buffer).set(bytes.subarray(0, buffer.byteLength));
  return new Type(buffer);
}

/** Packs the snapshot's neighbours and histories, yielding the work done (one unit per number) as it goes. */
function* packing(snapshot: CollaborativeSnapshot): Generator<number, PackedLists> {
  const { neighbours, histories } = snapshot;
  const counts = Int32Array.from(neighbours, (list) => list.length >> 1);
  const items = new Int32Array(counts.reduce((sum, count) => sum + count, 0));
  const similarities = new Float64Array(items.length);
  let at = 0;
  for (const list of neighbours) {
    for (let k = 0; k + 1 < list.length; k += 2) {
      items[at] = list[k] ?? 0;
      similarities[at++] = list[k + 1] ?? 0;
    }
    yield list.length + 1;
  }
  const historyUsers = Object.keys(histories);
  const lengths = Int32Array.from(historyUsers, (user) => histories[user]?.length ?? 0);
  const historyItems = new Int32Array(lengths.reduce((sum, length) => sum + length, 0));
  at = 0;
  for (const user of historyUsers) {
    const history = histories[user] ?? [];
    historyItems.set(history, at);
    at += history.length;
    yield history.length + 1;
  }
  return {
    neighbourCounts: toBase64(counts),
    neighbourItems: toBase64(items),
    neighbourSimilarities: toBase64(similarities),
    historyUsers,
    historyLengths: toBase64(lengths),
    historyItems: toBase64(historyItems),
  };
}

/** The packed lists, the work paced on `pacer`. */
export async function packLists(snapshot: CollaborativeSnapshot, pacer: Pacer): Promise<PackedLists> {
  const steps = packing(snapshot);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pacer.step(step.value, 'pack');
  }
}

/** The packed lists at once (for a model that was not packed when it was trained). */
export function packListsNow(snapshot: CollaborativeSnapshot): PackedLists {
  const steps = packing(snapshot);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The plain lists of a packed snapshot. */
export function unpackLists(packed: PackedLists): Pick<CollaborativeSnapshot, 'neighbours' | 'histories'> {
  const counts = fromBase64(packed.neighbourCounts, Int32Array);
  const items = fromBase64(packed.neighbourItems, Int32Array);
  const similarities = fromBase64(packed.neighbourSimilarities, Float64Array);
  const neighbours: number[][] = [];
  let at = 0;
  for (const count of counts) {
    const list = new Array<number>(2 * count);
    for (let k = 0; k < count; k++, at++) {
      list[2 * k] = items[at] ?? 0;
      list[2 * k + 1] = similarities[at] ?? 0;
    }
    neighbours.push(list);
  }
  const lengths = fromBase64(packed.historyLengths, Int32Array);
  const historyItems = fromBase64(packed.historyItems, Int32Array);
  const histories: Record<string, number[]> = {};
  at = 0;
  packed.historyUsers.forEach((user, u) => {
    const length = lengths[u] ?? 0;
    histories[user] = Array.from(historyItems.subarray(at, at + length));
    at += length;
  });
  return { neighbours, histories };
}
