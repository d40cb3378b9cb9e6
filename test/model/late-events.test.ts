import { loadModel, train } from '../../local/personalize/model';
import { CollaborativeModel } from '../../local/personalize/model/collaborative';
import { readSampleData } from '../../local/personalize/model/sampleData';
import { tieOrder } from '../../local/personalize/model/shared';
import type { Interaction, LiveContext, ScoredItem, TrainingData } from '../../local/personalize/model';

/**
 * The sample data ends in December 2024; events sent live without a timestamp are stamped when they arrive. A
 * solution version trained on both must still rank by the bulk of the data, whatever the gap.
 */
const sample = readSampleData();
// Catalogue order is the items dataset's order, which an import may give sorted by id: listed that way here,
// a tie left to catalogue order shows as a tie left to the string order of the ids.
const items = [...sample.items].sort((a, b) => (a.itemId < b.itemId ? -1 : 1));
const noLive: LiveContext = { userEvents: [], newItems: [] };
const newestSampleTime = sample.interactions.reduce((max, e) => Math.max(max, e.timestamp), 0);
/** A day of 2026, as the walkthrough's events get: about two years after the sample data ends. */
const in2026 = Date.UTC(2026, 10, 1) / 1000;
/** A day of 1995: decades before the sample data starts. */
const in1995 = Date.UTC(1995, 0, 1) / 1000;

const eventsPerItem = new Map<string, number>();
const itemsOfUser = new Map<string, Set<string>>();
for (const e of sample.interactions) {
  eventsPerItem.set(e.itemId, (eventsPerItem.get(e.itemId) ?? 0) + 1);
  const held = itemsOfUser.get(e.userId) ?? new Set<string>();
  held.add(e.itemId);
  itemsOfUser.set(e.userId, held);
}
const byPopularity = [...eventsPerItem.entries()].sort((a, b) => b[1] - a[1]).map(([itemId]) => itemId);
/** The 25 items most watched over the sample data's last 30 days: popular when the history was recorded. */
const lastMonth = new Map<string, number>();
for (const e of sample.interactions)
  if (e.timestamp > newestSampleTime - 30 * 86_400)
    lastMonth.set(e.itemId, (lastMonth.get(e.itemId) ?? 0) + 1);
const mostPopular = new Set(
  [...lastMonth.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([itemId]) => itemId),
);
/** Existing users of the sample data: user 429 (the walkthrough's) and a spread of others. */
const existingUsers = ['429', ...[...itemsOfUser.keys()].filter((_, k) => k % 50 === 0)];

/**
 * Items related to a user's history, from the data alone: other users' items weighted by how many items of the
 * history those users share (co-watching), the user's own items left out; the `count` best.
 */
function relatedTo(userId: string, count: number): Set<string> {
  const history = itemsOfUser.get(userId) ?? new Set<string>();
  const weight = new Map<string, number>();
  for (const [other, held] of itemsOfUser) {
    if (other === userId) continue;
    let shared = 0;
    for (const itemId of held) if (history.has(itemId)) shared++;
    if (shared === 0) continue;
    for (const itemId of held)
      if (!history.has(itemId)) weight.set(itemId, (weight.get(itemId) ?? 0) + shared);
  }
  return new Set(
    [...weight.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([itemId]) => itemId),
  );
}

/** The sample data plus `extra`, with the items in id order. */
function withEvents(extra: readonly Interaction[]): TrainingData {
  return { interactions: [...sample.interactions, ...extra], items };
}

/**
 * Adjacent items of equal score not ordered by a meaningful key: the more popular first, and between items as
 * popular, the seeded order (so neither the ids' string order nor the catalogue's order decides).
 */
function tiesNotDecided(list: readonly ScoredItem[], events: ReadonlyMap<string, number>): string[] {
  const undecided: string[] = [];
  list.forEach((item, k) => {
    const previous = list[k - 1];
    if (!previous || previous.score !== item.score) return;
    const before = events.get(previous.itemId) ?? 0;
    const after = events.get(item.itemId) ?? 0;
    if (before < after || (before === after && tieOrder(previous.itemId) > tieOrder(item.itemId)))
      undecided.push(`${previous.itemId} before ${item.itemId} (score ${item.score})`);
  });
  return undecided;
}

/** The longest run of equally scored, equally popular items (popularity as `events`), in list order. */
function longestTie(list: readonly ScoredItem[], events: ReadonlyMap<string, number>): string[] {
  let best: string[] = [];
  let run: ScoredItem[] = [];
  for (const item of list) {
    const first = run[0];
    if (first && (first.score !== item.score || events.get(first.itemId) !== events.get(item.itemId))) {
      if (run.length > best.length) best = run.map((i) => i.itemId);
      run = [];
    }
    run.push(item);
  }
  return run.length > best.length ? run.map((i) => i.itemId) : best;
}

const inStringOrder = (ids: readonly string[]): boolean => ids.every((id, k) => k === 0 || ids[k - 1]! < id);

/** One click by a user of the sample data on a popular item they never had: the walkthrough's POST /data. */
function oneClick(timestamp: number): Interaction[] {
  const itemId = byPopularity.find((id) => !itemsOfUser.get('429')?.has(id)) ?? '';
  return [{ userId: '429', itemId, eventType: 'click', timestamp }];
}

/** 500 clicks (0.7% of the data) in 2026, a minute apart, by 50 users never seen before on 40 items. */
const burst: Interaction[] = Array.from({ length: 500 }, (_, k) => ({
  userId: `live-${k % 50}`,
  itemId: byPopularity[(k * 7) % 40] ?? '',
  eventType: 'click',
  timestamp: in2026 + 60 * k,
}));

describe.each([
  ['a live event stamped long after the sample data ends (2026)', oneClick(in2026)],
  ['an event stamped long before the sample data starts (1995)', oneClick(in1995)],
  ['a burst of 500 live events in 2026', burst],
])('the sample data plus %s, retrained', (_, extra) => {
  const data = withEvents(extra);
  const events = new Map(eventsPerItem);
  for (const e of extra) events.set(e.itemId, (events.get(e.itemId) ?? 0) + 1);
  // What is popular: lately in the sample data, and whatever the extra events clicked.
  const popular = new Set([...mostPopular, ...extra.map((e) => e.itemId)]);
  let model: CollaborativeModel;
  beforeAll(async () => {
    model = (await train('aws-user-personalization', data)).model as CollaborativeModel;
  });

  it('gives a new user the popular items of the data, none that nobody watched', () => {
    const top = model.recommend({ userId: 'never-seen', numResults: 10, live: noLive });
    const ids = top.map((item) => item.itemId);
    expect(ids.filter((itemId) => popular.has(itemId)).length).toBeGreaterThanOrEqual(6);
    expect(ids.filter((itemId) => !events.has(itemId))).toEqual([]);
  });

  it('ranks every item nobody watched below every item with events, for a new user', () => {
    const all = model.recommend({ userId: 'never-seen', numResults: items.length, live: noLive });
    const ids = all.map((item) => item.itemId);
    const firstNeverWatched = ids.findIndex((itemId) => !events.has(itemId));
    const watchedAfter = ids.slice(firstNeverWatched).filter((itemId) => events.has(itemId));
    expect({
      firstNeverWatched,
      watchedAfter: watchedAfter.length,
      examples: watchedAfter.slice(0, 5),
    }).toEqual({
      firstNeverWatched: events.size,
      watchedAfter: 0,
      examples: [],
    });
  });

  it('leads an existing user’s list with items related to their history: the first and most of the top 3', () => {
    for (const userId of existingUsers) {
      const related = relatedTo(userId, 100);
      const lead = model.recommend({ userId, numResults: 3, live: noLive }).map((item) => item.itemId);
      const isRelated = lead.map((itemId) => related.has(itemId));
      const led = { first: isRelated[0], atLeastTwo: isRelated.filter(Boolean).length >= 2 };
      expect({ userId, lead, led }).toEqual({ userId, lead, led: { first: true, atLeastTwo: true } });
    }
  });

  it('decides every tie in a top 10 by popularity, then by the seeded order', () => {
    for (const userId of ['never-seen', ...existingUsers]) {
      const top = model.recommend({ userId, numResults: 10, live: noLive });
      expect({ userId, undecided: tiesNotDecided(top, events) }).toEqual({ userId, undecided: [] });
    }
  });
});

describe('items tied in score and popularity are in a seeded order, not in the order of their ids', () => {
  // A late event as above: the items nobody watched tie for a new user, with no events to tell them apart.
  const data = withEvents([
    { userId: '429', itemId: byPopularity[0] ?? '', eventType: 'click', timestamp: in2026 },
  ]);
  const neverWatched = items.map((item) => item.itemId).filter((itemId) => !eventsPerItem.has(itemId));
  let model: CollaborativeModel;
  beforeAll(async () => {
    model = (await train('aws-user-personalization', data)).model as CollaborativeModel;
  });

  it('has tied items to order: the sample data has items nobody watched', () => {
    expect(neverWatched.length).toBeGreaterThanOrEqual(20);
    expect(newestSampleTime).toBeLessThan(in2026);
  });

  it('aws-user-personalization: the same order for every new user and after a JSON round trip', () => {
    const all = model.recommend({ userId: 'never-seen', numResults: items.length, live: noLive });
    const tie = longestTie(all, eventsPerItem);
    expect(tie.length).toBeGreaterThanOrEqual(neverWatched.length);
    expect(inStringOrder(tie)).toBe(false);
    expect(model.recommend({ userId: 'also-new', numResults: items.length, live: noLive })).toEqual(all);
    const restored = loadModel(JSON.parse(JSON.stringify(model.serialize())));
    expect(restored.recommend({ userId: 'never-seen', numResults: items.length, live: noLive })).toEqual(all);
  });

  it('aws-personalized-ranking: items nobody interacted with in training come last, unscored, as given', () => {
    const ranking = new CollaborativeModel('aws-personalized-ranking', model.serialize());
    const watched = items.map((item) => item.itemId).filter((id) => !neverWatched.includes(id));
    const given = [...neverWatched.slice(0, 3), ...watched.slice(0, 3), ...neverWatched.slice(3)];
    const ranked = ranking.rank({ userId: 'never-seen', itemIds: given, live: noLive });
    expect(
      ranked
        .slice(0, 3)
        .map((item) => item.itemId)
        .sort(),
    ).toEqual(watched.slice(0, 3).sort());
    expect(ranked.slice(0, 3).every((item) => typeof item.score === 'number')).toBe(true);
    expect(ranked.slice(3)).toEqual(neverWatched.map((itemId) => ({ itemId })));
  });

  it('aws-sims: related items tied in score are not in id order', () => {
    const sims = new CollaborativeModel('aws-sims', model.serialize());
    // An item added live has no co-occurrence: items of its genres tie when nobody watched them.
    const [first = ''] = neverWatched;
    const genres = items.find((item) => item.itemId === first)?.genres ?? [];
    const live: LiveContext = { userEvents: [], newItems: [{ itemId: 'added-live', genres }] };
    const related = sims.recommend({ itemId: 'added-live', numResults: items.length, live });
    const tie = longestTie(related, eventsPerItem);
    expect(tie.length).toBeGreaterThanOrEqual(5);
    expect(inStringOrder(tie)).toBe(false);
  });

  it('aws-popularity-count: items with equal counts are not in id order', async () => {
    const { model: popular } = await train('aws-popularity-count', data);
    const all = popular.recommend({ numResults: items.length, live: noLive });
    const tie = longestTie(all, eventsPerItem);
    expect(tie.length).toBeGreaterThanOrEqual(neverWatched.length);
    expect(inStringOrder(tie)).toBe(false);
  });
});
