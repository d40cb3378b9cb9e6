/**
 * How a user's list changed: the items that entered or left it, and how far each kept item moved.
 */
import type { Recommendation } from './api';

export type Change =
  | { readonly kind: 'entered' }
  | { readonly kind: 'up' | 'down'; readonly by: number }
  | { readonly kind: 'same' };

export interface ListDiff {
  /** The change of each item of the new list, by item id. */
  readonly changes: Map<string, Change>;
  /** Items of the old list not in the new one, in their old order. */
  readonly left: string[];
  readonly entered: number;
  readonly moved: number;
}

export function diffLists(before: readonly Recommendation[], after: readonly Recommendation[]): ListDiff {
  const oldRank = new Map(before.map((item, index) => [item.itemId, index]));
  const newIds = new Set(after.map((item) => item.itemId));
  const changes = new Map<string, Change>();
  let entered = 0;
  let moved = 0;
  after.forEach((item, index) => {
    const was = oldRank.get(item.itemId);
    if (was === undefined) {
      entered += 1;
      changes.set(item.itemId, { kind: 'entered' });
    } else if (was === index) {
      changes.set(item.itemId, { kind: 'same' });
    } else {
      moved += 1;
      changes.set(
        item.itemId,
        was > index ? { kind: 'up', by: was - index } : { kind: 'down', by: index - was },
      );
    }
  });
  const left = before.map((item) => item.itemId).filter((id) => !newIds.has(id));
  return { changes, left, entered, moved };
}

/** Whether two lists differ in their items, their order, or their scores. */
export function listsDiffer(before: readonly Recommendation[], after: readonly Recommendation[]): boolean {
  if (before.length !== after.length) return true;
  return before.some((item, index) => {
    const other = after[index];
    return !other || other.itemId !== item.itemId || other.score !== item.score;
  });
}

/** One line saying what changed, for the live region. */
export function describeDiff(diff: ListDiff): string {
  const parts: string[] = [];
  if (diff.entered > 0) parts.push(`${diff.entered} entered`);
  if (diff.left.length > 0) parts.push(`${diff.left.length} left`);
  if (diff.moved > 0) parts.push(`${diff.moved} moved`);
  return parts.length > 0 ? parts.join(', ') : 'scores changed, order kept';
}
