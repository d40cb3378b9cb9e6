import type { Interaction, Item, ScoredItem, TrainingData } from './types';

/** Gives the event loop a turn: training runs inside the emulator's server process. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A yield that happens only when `sliceMs` have passed since the last one: long loops call it every step and
 * hand the event loop a turn every few milliseconds, whatever the size of the data.
 */
export function timeSlicedYield(sliceMs = 15): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await yieldToEventLoop();
    last = performance.now();
  };
}

/** Every item the model knows: the items dataset first, then items seen only in interactions. */
export function catalogueOf(data: TrainingData): { itemIds: string[]; genres: string[][] } {
  const itemIds: string[] = [];
  const genres: string[][] = [];
  const seen = new Set<string>();
  for (const item of data.items) {
    if (seen.has(item.itemId)) continue;
    seen.add(item.itemId);
    itemIds.push(item.itemId);
    genres.push([...item.genres]);
  }
  for (const interaction of data.interactions) {
    if (seen.has(interaction.itemId)) continue;
    seen.add(interaction.itemId);
    itemIds.push(interaction.itemId);
    genres.push([]);
  }
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
export function interactionsByUser(interactions: readonly Interaction[]): Map<string, Interaction[]> {
  const byUser = new Map<string, Interaction[]>();
  for (const interaction of interactions) {
    const list = byUser.get(interaction.userId);
    if (list) list.push(interaction);
    else byUser.set(interaction.userId, [interaction]);
  }
  for (const list of byUser.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  return byUser;
}

/** Softmax with a temperature; the largest logit is subtracted first so exp never overflows. */
export function softmax(logits: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] ?? -Infinity);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(((logits[i] ?? -Infinity) - max) / temperature);
    out[i] = e;
    total += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / total;
  return out;
}

/** The `count` best of `scores` as ScoredItems, best first; ties broken by item id for stable output. */
export function topScored(
  itemIds: readonly string[],
  scores: ArrayLike<number>,
  count: number,
  exclude?: ReadonlySet<number>,
): ScoredItem[] {
  const order: number[] = [];
  for (let i = 0; i < itemIds.length; i++) if (!exclude?.has(i)) order.push(i);
  order.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || compareIds(itemIds[a] ?? '', itemIds[b] ?? ''));
  return order.slice(0, Math.max(0, count)).map((i) => ({ itemId: itemIds[i] ?? '', score: scores[i] ?? 0 }));
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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

export const NO_LIVE_CONTEXT = { userEvents: [], newItems: [] } as const;

/** Largest value (or `floor` when larger); a loop, since spreading a large catalogue overflows the stack. */
export function maxOf(values: ArrayLike<number>, floor = -Infinity): number {
  let max = floor;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i] ?? -Infinity);
  return max;
}
