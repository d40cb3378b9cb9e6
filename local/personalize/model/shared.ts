import { fmix32 } from '../hash';
import type { Interaction, Item, ScoredItem, TrainingData } from './types';

/** Gives the event loop a turn: training runs inside the emulator's server process. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Every item the model knows: the items dataset first, then items seen only in interactions. */
export async function catalogueOf(
  data: TrainingData,
  pacer = new Pacer(),
): Promise<{ itemIds: string[]; genres: string[][] }> {
  const itemIds: string[] = [];
  const genres: string[][] = [];
  const seen = new Set<string>();
  await pacer.chunks(data.items.length, 'catalogue', (start, end) => {
    for (let k = start; k < end; k++) {
      const item = data.items[k];
      if (!item || seen.has(item.itemId)) continue;
      seen.add(item.itemId);
      itemIds.push(item.itemId);
      genres.push([...item.genres]);
    }
  });
  await pacer.chunks(data.interactions.length, 'catalogue', (start, end) => {
    for (let e = start; e < end; e++) {
      const itemId = data.interactions[e]?.itemId ?? '';
      if (seen.has(itemId)) continue;
      seen.add(itemId);
      itemIds.push(itemId);
      genres.push([]);
    }
  });
  return { itemIds, genres };
}

/** Live items not already in the catalogue, deduplicated, in arrival order. */
export function unseenNewItems(newItems: readonly Item[], known: ReadonlyMap<string, number>): Item[] {
  const added = new Map<string, Item>();
  for (const item of newItems) {
    if (!known.has(item.itemId)) added.set(item.itemId, item);
  }
  return [...added.values()];
}

/** Each user's interactions, oldest first (ties keep input order). */
export async function interactionsByUser(
  interactions: readonly Interaction[],
  pacer = new Pacer(),
): Promise<Map<string, Interaction[]>> {
  const byUser = new Map<string, Interaction[]>();
  await pacer.chunks(interactions.length, 'byUser', (start, end) => {
    for (let e = start; e < end; e++) {
      const interaction = interactions[e];
      if (!interaction) continue;
      const list = byUser.get(interaction.userId);
      if (list) list.push(interaction);
      else byUser.set(interaction.userId, [interaction]);
    }
  });
  for (const list of byUser.values()) {
    list.sort((a, b) => a.timestamp - b.timestamp);
    await pacer.step(list.length * Math.ceil(Math.log2(list.length + 1)), 'byUser');
  }
  return byUser;
}

/**
 * Indices of the `count` largest `keys`, best first, by a bounded heap: O(n log count), never a sort of the whole
 * catalogue. Equal keys go to the larger `tieBreak` (popularity), then to the lower `order` (see tieOrder), then
 * to the lower index; `exclude` is skipped, and so is an index `accept` refuses (a request's filter: asked only of
 * the indices that would enter the heap, so the count is still met while enough indices pass).
 */
export function topIndices(
  keys: ArrayLike<number>,
  count: number,
  tieBreak?: ArrayLike<number>,
  exclude?: number,
  order?: ArrayLike<number>,
  accept?: (index: number) => boolean,
): number[] {
  const better = (a: number, b: number): boolean => {
    const ka = keys[a] ?? -Infinity;
    const kb = keys[b] ?? -Infinity;
    if (ka !== kb) return ka > kb;
    const ta = tieBreak?.[a] ?? 0;
    const tb = tieBreak?.[b] ?? 0;
    if (ta !== tb) return ta > tb;
    const oa = order?.[a] ?? 0;
    const ob = order?.[b] ?? 0;
    return oa !== ob ? oa < ob : a < b;
  };
  // A min-heap of the best so far: the worst of them at the root.
  const heap: number[] = [];
  const limit = Math.max(0, Math.floor(count));
  if (limit === 0) return heap;
  for (let i = 0; i < keys.length; i++) {
    if (i === exclude) continue;
    if (heap.length < limit) {
      if (accept && !accept(i)) continue;
      heap.push(i);
      siftUp(heap, heap.length - 1, better);
    } else if (
      (keys[i] ?? -Infinity) >= (keys[heap[0] ?? 0] ?? -Infinity) &&
      better(i, heap[0] ?? 0) &&
      (!accept || accept(i))
    ) {
      heap[0] = i;
      siftDown(heap, 0, better);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

function siftUp(heap: number[], at: number, better: (a: number, b: number) => boolean): void {
  let child = at;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    const c = heap[child] ?? 0;
    const p = heap[parent] ?? 0;
    if (!better(p, c)) return;
    heap[child] = p;
    heap[parent] = c;
    child = parent;
  }
}

function siftDown(heap: number[], at: number, better: (a: number, b: number) => boolean): void {
  let parent = at;
  for (;;) {
    const left = 2 * parent + 1;
    if (left >= heap.length) return;
    const right = left + 1;
    const worse = right < heap.length && better(heap[left] ?? 0, heap[right] ?? 0) ? right : left;
    const p = heap[parent] ?? 0;
    const w = heap[worse] ?? 0;
    if (!better(p, w)) return;
    heap[parent] = w;
    heap[worse] = p;
    parent = worse;
  }
}

/**
 * The `count` best of `scores` as ScoredItems, best first; ties as topIndices breaks them, with the items' seeded
 * order (tieOrder) unless `order` gives it already computed.
 */
export function topScored(
  itemIds: readonly string[],
  scores: ArrayLike<number>,
  count: number,
  options: {
    tieBreak?: ArrayLike<number>;
    exclude?: number;
    order?: ArrayLike<number>;
    accept?: (itemId: string) => boolean;
  } = {},
): ScoredItem[] {
  const order = options.order ?? tieOrders(itemIds);
  const { accept } = options;
  const acceptIndex = accept && ((i: number) => accept(itemIds[i] ?? ''));
  return topIndices(scores, count, options.tieBreak, options.exclude, order, acceptIndex).map((i) => ({
    itemId: itemIds[i] ?? '',
    score: scores[i] ?? 0,
  }));
}

/**
 * Paces long computations in the server's process: work is counted in units (one inner-loop step: an event, a
 * co-occurrence pair), and the event loop gets a turn at least every `unitsPerYield` units. With units of roughly
 * equal cost, that bounds every synchronous block whatever the size of the data.
 */
export class Pacer {
  /** Units counted since the last yield. */
  private pending = 0;
  /** Units counted in all, by phase: what a test can check the work of. */
  readonly work = new Map<string, number>();
  yields = 0;
  /** The most units ever counted between two yields. */
  longestStretch = 0;

  constructor(
    readonly unitsPerYield = 10_000,
    private readonly pause: () => Promise<void> = yieldToEventLoop,
  ) {}

  /** Counts work; true when a yield is due (then `await pacer.yield()`). Synchronous, so cheap in hot loops. */
  count(units: number, phase = 'other'): boolean {
    this.pending += units;
    this.work.set(phase, (this.work.get(phase) ?? 0) + units);
    return this.pending >= this.unitsPerYield;
  }

  async yield(): Promise<void> {
    this.longestStretch = Math.max(this.longestStretch, this.pending);
    this.pending = 0;
    this.yields++;
    await this.pause();
  }

  /** Counts work and yields if due. */
  async step(units: number, phase?: string): Promise<void> {
    if (this.count(units, phase)) await this.yield();
  }

  /** Runs `body` on [start, end) chunks of `length` (at most `chunk` long), pacing after each. */
  async chunks(
    length: number,
    phase: string,
    body: (start: number, end: number) => void,
    chunk = 5_000,
  ): Promise<void> {
    for (let start = 0; start < length; start += chunk) {
      const end = Math.min(length, start + chunk);
      body(start, end);
      await this.step(end - start, phase);
    }
  }
}

/** 32-bit FNV-1a: a stable hash for deterministic splits. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Mixes the id's hash into the order of ties: a fixed seed, so the order is the same in every process. */
const TIE_SEED = 0x9e3779b9;

/**
 * An item's place among items tied in score and popularity: a seeded hash of its id, finalised (murmur3's fmix32)
 * so that ids differing in one character do not keep their string order. Neither the ids' string order nor the
 * order an import listed the catalogue in decides what comes first.
 */
export function tieOrder(itemId: string): number {
  return fmix32((fnv1a(itemId) ^ TIE_SEED) >>> 0);
}

/** tieOrder of each id. */
export function tieOrders(itemIds: readonly string[]): Float64Array {
  return Float64Array.from(itemIds, tieOrder);
}

export const NO_LIVE_CONTEXT = { userEvents: [], newItems: [] } as const;

/** Largest value (or `floor` when larger); a loop, since spreading a large catalogue overflows the stack. */
export function maxOf(values: ArrayLike<number>, floor = -Infinity): number {
  let max = floor;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i] ?? -Infinity);
  return max;
}
