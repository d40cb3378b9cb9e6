import type { EmulatorContext } from '../context';
import type { Interaction, Item } from '../model/types';
import type { FilterData } from './evaluate';

/**
 * "Amazon Personalize considers up to 100 of the most recent interactions per user per event type" (an
 * adjustable quota): https://docs.aws.amazon.com/personalize/latest/dg/filter-expressions.html and
 * https://docs.aws.amazon.com/personalize/latest/dg/limits.html (Filters).
 */
const FILTER_INTERACTIONS_PER_EVENT_TYPE = 100;

/**
 * How many of a user's newest PutEvents events a filter reads: a bound on a request's cost. A user with more
 * live events than this keeps the newest; older ones of a rarer event type are then not seen (a type with
 * fewer than 100 among them loses its older ones).
 */
const FILTER_LIVE_EVENTS_READ = 2000;

/** Imported interactions by user, built once per dataset's rows (the rows array is replaced on import). */
const importedByUser = new WeakMap<readonly Interaction[], Map<string, Interaction[]>>();
/** Items by id, built once per items array (imported rows; the live store's list is replaced on change). */
const itemsById = new WeakMap<readonly Item[], Map<string, Item>>();

function usersOf(interactions: readonly Interaction[]): Map<string, Interaction[]> {
  let byUser = importedByUser.get(interactions);
  if (!byUser) {
    byUser = new Map();
    for (const interaction of interactions) {
      const list = byUser.get(interaction.userId);
      if (list) list.push(interaction);
      else byUser.set(interaction.userId, [interaction]);
    }
    importedByUser.set(interactions, byUser);
  }
  return byUser;
}

function byId(items: readonly Item[]): Map<string, Item> {
  let map = itemsById.get(items);
  if (!map) {
    map = new Map(items.map((item) => [item.itemId, item]));
    itemsById.set(items, map);
  }
  return map;
}

/**
 * What a filter reads for one request, from the dataset group's imported data and everything PutEvents and
 * PutItems accepted since (at once: an accepted event is in the next request's filter). Read lazily: a filter
 * on items never reads the user's interactions, and one on interactions never builds the catalogue.
 */
export function filterData(
  ctx: EmulatorContext,
  datasetGroupArn: string,
  userId: string | undefined,
  currentItemId: string | undefined,
): FilterData {
  let newestByType: Map<string, string[]> | undefined;
  const history = (): Map<string, string[]> => {
    newestByType ??= newestItemsByEventType(ctx, datasetGroupArn, userId);
    return newestByType;
  };
  let catalogue: ((itemId: string) => Item | undefined) | undefined;
  const item = (itemId: string): Item | undefined => {
    catalogue ??= catalogueOf(ctx, datasetGroupArn);
    return catalogue(itemId);
  };
  const selections = new Map<string, ReadonlySet<string>>();
  return {
    interactedItems(eventTypes, outside = false) {
      const key = `${outside}:${eventTypes === 'all' ? '*' : [...eventTypes].sort().join('\u0000')}`;
      let selected = selections.get(key);
      if (!selected) {
        const chosen = new Set<string>();
        for (const [type, items] of history()) {
          const listed = eventTypes === 'all' || eventTypes.has(type);
          if (listed !== outside) for (const id of items) chosen.add(id);
        }
        selected = chosen;
        selections.set(key, selected);
      }
      return selected;
    },
    item,
    ...(currentItemId !== undefined
      ? { currentItem: item(currentItemId) ?? { itemId: currentItemId, genres: [] } }
      : {}),
  };
}

/** The user's items per lower-cased event type: the newest 100 interactions of each type. */
function newestItemsByEventType(
  ctx: EmulatorContext,
  datasetGroupArn: string,
  userId: string | undefined,
): Map<string, string[]> {
  const result = new Map<string, string[]>();
  if (userId === undefined) return result;
  const all: Interaction[] = [];
  for (const dataset of ctx.store.list(
    'dataset',
    (d) => d.datasetGroupArn === datasetGroupArn && d.datasetType === 'Interactions',
  )) {
    const rows = ctx.store.rowsOf(dataset.arn);
    if (rows) all.push(...(usersOf(rows.interactions).get(userId) ?? []));
  }
  all.push(...ctx.store.userEventsAfter(datasetGroupArn, userId, 0, FILTER_LIVE_EVENTS_READ));
  // Newest first; among equal timestamps the later one (live after imported, later in the log) first.
  const ordered = all.map((interaction, order) => ({ interaction, order }));
  ordered.sort((a, b) => b.interaction.timestamp - a.interaction.timestamp || b.order - a.order);
  for (const { interaction } of ordered) {
    const type = interaction.eventType.toLowerCase();
    const items = result.get(type);
    if (!items) result.set(type, [interaction.itemId]);
    else if (items.length < FILTER_INTERACTIONS_PER_EVENT_TYPE) items.push(interaction.itemId);
  }
  return result;
}

/** The group's items: imported, then PutItems (a later record of an item wins). */
function catalogueOf(ctx: EmulatorContext, datasetGroupArn: string): (itemId: string) => Item | undefined {
  const imported = ctx.store
    .list('dataset', (d) => d.datasetGroupArn === datasetGroupArn && d.datasetType === 'Items')
    .map((dataset) => ctx.store.rowsOf(dataset.arn)?.items)
    .filter((items): items is Item[] => items !== undefined)
    .map(byId);
  const live = byId(ctx.store.itemsAfter(datasetGroupArn, 0));
  return (itemId) => {
    const put = live.get(itemId);
    if (put) return put;
    for (const items of imported) {
      const found = items.get(itemId);
      if (found) return found;
    }
    return undefined;
  };
}
