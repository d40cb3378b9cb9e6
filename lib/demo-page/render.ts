/// <reference lib="dom" />
/**
 * Drawing the page: the recommendations as a list with score bars, catalogue metadata and change marks,
 * the items that left, and the log of events sent.
 */
import type { EventType, Recommendation } from './api';
import type { Catalogue } from './build';
import type { Change, ListDiff } from './diff';

/** `catalogue.json` as build.ts writes it (a type only: nothing of build.ts reaches the page's bundle). */
export type { Catalogue } from './build';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function changeMark(change: Change | undefined): { label: string; className: string } | undefined {
  if (!change || change.kind === 'same') return undefined;
  if (change.kind === 'entered') return { label: 'new', className: 'entered' };
  const arrow = change.kind === 'up' ? '▲' : '▼';
  return { label: `${arrow} ${change.by}`, className: `moved-${change.kind}` };
}

function changeText(change: Change | undefined): string {
  if (!change || change.kind === 'same') return '';
  if (change.kind === 'entered') return 'entered the list';
  return `moved ${change.kind} ${change.by}`;
}

/**
 * The list, each item a row: rank, id, metadata, score bar, a Click and a Watch button. `onEvent` gets the
 * item's id and the event type. With `diff`, changed rows are marked (and animated unless the user prefers
 * reduced motion).
 */
export function renderRecommendations(
  list: HTMLOListElement,
  items: readonly Recommendation[],
  catalogue: Catalogue | undefined,
  onEvent: (itemId: string, eventType: EventType) => void,
  diff?: ListDiff,
): void {
  const top = Math.max(...items.map((item) => item.score ?? 0), Number.MIN_VALUE);
  list.replaceChildren(
    ...items.map((item, index) => {
      const change = diff?.changes.get(item.itemId);
      const mark = changeMark(change);
      const row = element('li', {
        class: `item ${mark?.className ?? ''}`.trim(),
        'data-item-id': item.itemId,
      });
      const meta = catalogue?.items[item.itemId];
      const name = itemName(item.itemId, catalogue);
      const head = element('div', { class: 'item-head' });
      head.append(element('span', { class: 'rank' }, `${index + 1}.`));
      head.append(element('span', { class: 'item-title' }, name));
      if (meta?.title) head.append(element('span', { class: 'item-id' }, `#${item.itemId}`));
      if (mark) {
        const badge = element('span', { class: `badge ${mark.className}` }, mark.label);
        badge.setAttribute('aria-label', changeText(change));
        head.append(badge);
      }
      const details = meta
        ? [meta.genres.join(', ') || 'no genre', meta.year === undefined ? '' : String(meta.year)]
            .filter(Boolean)
            .join(' · ')
        : 'not in the catalogue';
      const score = item.score ?? 0;
      const bar = element('div', { class: 'bar', 'aria-hidden': 'true' });
      const fill = element('div', { class: 'bar-fill' });
      fill.style.width = `${Math.max(2, Math.round((score / top) * 100))}%`;
      bar.append(fill);
      const scoreRow = element('div', { class: 'score-row' });
      scoreRow.append(bar, element('span', { class: 'score' }, `score ${score.toFixed(4)}`));
      const actions = element('div', { class: 'actions' });
      for (const [eventType, label] of [
        ['click', 'Click'],
        ['watch', 'Watch'],
      ] as const) {
        const button = element('button', { type: 'button', class: eventType }, label);
        button.setAttribute('aria-label', `${label} ${name}`);
        button.addEventListener('click', () => onEvent(item.itemId, eventType));
        actions.append(button);
      }
      row.append(head, element('p', { class: 'meta' }, details), scoreRow, actions);
      return row;
    }),
  );
}

/** What a person reads of an item: its title when the catalogue has one, else its id. */
export function itemName(itemId: string, catalogue: Catalogue | undefined): string {
  const title = catalogue?.items[itemId]?.title;
  return title ? `${title}` : `Item ${itemId}`;
}

/** The items that left the list in the last change. */
export function renderLeft(container: HTMLElement, left: readonly string[], catalogue?: Catalogue): void {
  container.hidden = left.length === 0;
  container.textContent =
    left.length === 0 ? '' : `Left the list: ${left.map((id) => itemName(id, catalogue)).join(', ')}`;
}

export interface LoggedEvent {
  readonly at: Date;
  readonly userId: string;
  readonly itemId: string;
  readonly channel: string;
  readonly outcome: string;
  /** @default 'click' */
  readonly eventType?: EventType;
}

/** The events sent in this session, newest first. */
export function renderLog(list: HTMLOListElement, events: readonly LoggedEvent[]): void {
  list.replaceChildren(
    ...[...events]
      .reverse()
      .map((event) =>
        element(
          'li',
          {},
          `${event.at.toLocaleTimeString()} user ${event.userId} ${event.eventType === 'watch' ? 'watched' : 'clicked'} item ${event.itemId} via /${event.channel}: ${event.outcome}`,
        ),
      ),
  );
}
