import {
  COLLABORATIVE_SETTINGS,
  CollaborativeModel,
  trainCollaborative,
  type CollaborativeSnapshot,
} from '../../local/personalize/model/collaborative';
import { RecentPopularityLog, recentPopularityOf } from '../../local/personalize/model/live-popularity';
import { readSampleData } from '../../local/personalize/model/sampleData';
import { tieOrder, topIndices } from '../../local/personalize/model/shared';
import type { Interaction, LiveContext, ScoredItem } from '../../local/personalize/model';

const data = readSampleData();
const users = [...new Set(data.interactions.map((e) => e.userId))].slice(0, 300);
const noLive: LiveContext = { userEvents: [], newItems: [] };
let model: CollaborativeModel;
let snapshot: CollaborativeSnapshot;
beforeAll(async () => {
  model = await trainCollaborative('aws-user-personalization', data);
  snapshot = model.serialize();
});

/**
 * The straightforward implementation (as the model served before it selected the top k): the logits, two
 * softmaxes over the whole catalogue with per-item Map lookups, their mixture, a sort of the whole catalogue.
 * Ties: popularity (trained plus recent events), then the seeded order of the ids. Items nobody interacted with
 * are explored (a popularity floor, genre evidence) for users with a profile only.
 */
function reference(
  state: CollaborativeSnapshot,
  userId: string,
  live: LiveContext,
  count: number,
): ScoredItem[] {
  const s = COLLABORATIVE_SETTINGS;
  const index = new Map(state.itemIds.map((id, i) => [id, i]));
  const history = [...(state.histories[userId] ?? [])];
  for (const event of live.userEvents) history.push(index.get(event.itemId) ?? -1);
  const profile = [...new Set(history.filter((i) => i >= 0).reverse())].reverse();
  const weights = new Map<number, number>();
  const n = profile.length;
  let recentTotal = 0;
  for (let p = 0; p < n; p++) recentTotal += Math.exp(-p / s.recentSpan);
  profile.forEach((item, k) =>
    weights.set(
      item,
      (s.recentShare * Math.exp(-(n - 1 - k) / s.recentSpan)) / recentTotal + (1 - s.recentShare) / n,
    ),
  );
  const size = state.itemIds.length;
  const cooccurrence = new Array<number>(size).fill(0);
  const taste = new Array<number>(state.genres.length).fill(0);
  for (const [item, weight] of weights) {
    const list = state.neighbours[item] ?? [];
    for (let k = 0; k < list.length; k += 2)
      cooccurrence[list[k] ?? 0] = (cooccurrence[list[k] ?? 0] ?? 0) + weight * (list[k + 1] ?? 0);
    const genres = state.itemGenres[item] ?? [];
    for (const g of genres) taste[g] = (taste[g] ?? 0) + weight / genres.length;
  }
  const affinity = state.itemGenres.map((genres) =>
    genres.length === 0 ? 0 : genres.reduce((sum, g) => sum + (taste[g] ?? 0), 0) / Math.sqrt(genres.length),
  );
  const maxCo = Math.max(1e-9, ...cooccurrence);
  const maxAffinity = Math.max(1e-9, ...affinity);
  const maxLog = Math.log1p(Math.max(1e-9, ...state.popularity));
  const events = state.popularity.map(
    (p, j) => p + (live.recentPopularity?.get(state.itemIds[j] ?? '') ?? 0),
  );
  const logits = state.itemIds.map((_, j) => {
    const trained = state.popularity[j] ?? 0;
    let evidence = (cooccurrence[j] ?? 0) / maxCo;
    let popularity = Math.min(1, Math.log1p(events[j] ?? 0) / maxLog);
    if (trained === 0 && profile.length > 0) {
      evidence = Math.max(evidence, s.coldCooccurrenceShare * ((affinity[j] ?? 0) / maxAffinity));
      popularity = Math.max(popularity, s.explorationPopularity);
    }
    return (
      s.cooccurrenceWeight * evidence +
      s.genreWeight * ((affinity[j] ?? 0) / maxAffinity) +
      s.popularityWeight * popularity
    );
  });
  const scores = mixture(logits, weights, state.repeatShare ?? 0);
  const order = state.itemIds.map((_, j) => j);
  const seeded = state.itemIds.map(tieOrder);
  order.sort(
    (a, b) =>
      (scores[b] ?? 0) - (scores[a] ?? 0) ||
      (events[b] ?? 0) - (events[a] ?? 0) ||
      (seeded[a] ?? 0) - (seeded[b] ?? 0) ||
      a - b,
  );
  return order.slice(0, count).map((j) => ({ itemId: state.itemIds[j] ?? '', score: scores[j] ?? 0 }));
}

/** Two full softmaxes (items new to the user; the user's own items, boosted) mixed by the repeat share. */
function mixture(logits: number[], weights: ReadonlyMap<number, number>, repeatShare: number): number[] {
  const s = COLLABORATIVE_SETTINGS;
  const softmax = (values: number[]): number[] => {
    const max = Math.max(...values);
    const exps = values.map((v) => Math.exp((v - max) / s.temperature));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  };
  if (weights.size === 0 || weights.size === logits.length) return softmax(logits);
  const repeat = Math.min(0.95, Math.max(s.minimumRepeatShare, repeatShare));
  const maxWeight = Math.max(...weights.values());
  const unseen = softmax(logits.map((l, j) => (weights.get(j) === undefined ? l : -Infinity)));
  const seen = softmax(
    logits.map((l, j) => {
      const weight = weights.get(j);
      return weight === undefined ? -Infinity : l + s.cooccurrenceWeight * (weight / maxWeight);
    }),
  );
  return unseen.map((u, j) => (1 - repeat) * u + repeat * (seen[j] ?? 0));
}

/** Same items in the same order and the same scores, up to floating-point rounding (ties may swap only then). */
function expectSameUpToRounding(actual: ScoredItem[], expected: ScoredItem[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((item, k) => {
    const want = expected[k] ?? { itemId: '', score: NaN };
    expect(Math.abs(item.score - want.score)).toBeLessThanOrEqual(1e-12 * want.score);
    const tiedWithinRounding = expected.some(
      (other) => other.itemId === item.itemId && Math.abs(other.score - want.score) <= 1e-12 * want.score,
    );
    if (item.itemId !== want.itemId) expect(tiedWithinRounding).toBe(true);
  });
}

describe('serving the top k without sorting the catalogue', () => {
  it('returns the same top 25 and scores as the straightforward implementation, for 300 users', () => {
    for (const userId of users)
      expectSameUpToRounding(
        model.recommend({ userId, numResults: 25, live: noLive }),
        reference(snapshot, userId, noLive, 25),
      );
  });

  it('matches it too with live events and recent popularity, and for a new user', () => {
    const clicks: Interaction[] = ['5', '17', '300'].map((itemId, k) => ({
      userId: users[0] ?? '',
      itemId,
      eventType: 'click',
      timestamp: 2e9 + k,
    }));
    const live: LiveContext = {
      userEvents: clicks,
      newItems: [],
      recentPopularity: recentPopularityOf([
        ['7', 30],
        ['9', 4],
        ['1199', 2],
      ]),
    };
    for (const userId of [users[0] ?? '', users[1] ?? '', 'never-seen'])
      expectSameUpToRounding(
        model.recommend({ userId, numResults: 100, live }),
        reference(snapshot, userId, live, 100),
      );
  });

  it('never sorts more than the k items it returns', () => {
    const sort = jest.spyOn(Array.prototype, 'sort');
    const typedSort = jest.spyOn(Float64Array.prototype, 'sort');
    try {
      model.recommend({ userId: users[0] ?? '', numResults: 25, live: noLive });
      const longest = Math.max(0, ...sort.mock.contexts.map((array) => (array as unknown[]).length));
      expect(longest).toBeLessThanOrEqual(25);
      expect(typedSort).not.toHaveBeenCalled();
    } finally {
      sort.mockRestore();
      typedSort.mockRestore();
    }
  });

  it('computes one exponential per item (one softmax pass) and no per-item Map lookup', () => {
    const size = snapshot.itemIds.length;
    const exp = jest.spyOn(Math, 'exp');
    const get = jest.spyOn(Map.prototype, 'get');
    const recentPopularity = recentPopularityOf([
      ['7', 3],
      ['9', 1],
    ]);
    try {
      const profile = snapshot.histories[users[0] ?? '']?.length ?? 0;
      model.recommend({ userId: users[0] ?? '', numResults: 25, live: { ...noLive, recentPopularity } });
      // The normalisers: one per item; the profile's weights: one per profile item; the scores: one per result.
      expect(exp.mock.calls.length).toBeLessThanOrEqual(size + 2 * profile + 25);
      // Lookups by id for the live data (and a few for work arrays), never one per catalogue item.
      expect(get.mock.calls.length).toBeLessThanOrEqual(recentPopularity.eventCount + 20);
    } finally {
      exp.mockRestore();
      get.mockRestore();
    }
  });
});

describe('popularity since training', () => {
  it('reads only the events since the previous request: distinct item ids received cost nothing later', () => {
    const recentPopularity = new RecentPopularityLog();
    const arrive = (itemId: string) => recentPopularity.add(itemId);
    const fresh = new CollaborativeModel('aws-user-personalization', snapshot);
    const live: LiveContext = { ...noLive, recentPopularity };
    for (let i = 0; i < 100_000; i++) arrive(`unknown-${i}`);
    fresh.recommend({ userId: users[0] ?? '', numResults: 25, live });
    for (let i = 0; i < 30; i++) arrive('7');
    const get = jest.spyOn(Map.prototype, 'get');
    try {
      const top = fresh.recommend({ userId: 'never-seen', numResults: 100, live });
      // The 30 new events, and a few lookups for work arrays: not one per distinct id received.
      expect(get.mock.calls.length).toBeLessThanOrEqual(30 + 20);
      expectSameUpToRounding(top, reference(snapshot, 'never-seen', live, 100));
    } finally {
      get.mockRestore();
    }
  });
});

describe('ties', () => {
  // Four items, none with co-occurrence or genres; 'd' popular, the others cold (never interacted with).
  const tiny: CollaborativeSnapshot = {
    recipe: 'aws-user-personalization',
    itemIds: ['b', 'a', 'c', 'd'],
    genres: [],
    itemGenres: [[], [], [], []],
    neighbours: [[], [], [], []],
    popularity: [0, 0, 0, 100],
    histories: {},
    repeatShare: 0,
  };

  it('are broken by popularity, then by a seeded order, never by the string or catalogue order of item ids', () => {
    const model = new CollaborativeModel('aws-user-personalization', tiny);
    // 'c' had an event since training: cold-explored like 'b' and 'a' for a user with a profile (equal scores),
    // but more popular.
    const live: LiveContext = { ...noLive, recentPopularity: recentPopularityOf([['c', 1]]) };
    const user: CollaborativeSnapshot = { ...tiny, histories: { fan: [3] } };
    const top = new CollaborativeModel('aws-user-personalization', user).recommend({
      userId: 'fan',
      numResults: 4,
      live,
    });
    const seeded = ['a', 'b'].sort((x, y) => tieOrder(x) - tieOrder(y));
    expect(top.map((item) => item.itemId)).toEqual(['c', ...seeded, 'd']);
    expect(top[0]?.score).toBe(top[1]?.score);
    expect(top[1]?.score).toBe(top[2]?.score);
    // The seeded order is the same for any catalogue order: not the order the items were listed in.
    const reordered = { ...tiny, itemIds: ['a', 'b', 'c', 'd'], histories: { fan: [3] } };
    const again = new CollaborativeModel('aws-user-personalization', reordered).recommend({
      userId: 'fan',
      numResults: 4,
      live,
    });
    expect(again.map((item) => item.itemId)).toEqual(top.map((item) => item.itemId));
    // For a user never seen, nothing is explored: the item with events first, then 'c' (an event since
    // training), then the two nobody interacted with, in the seeded order.
    const forNew = model.recommend({ userId: 'new', numResults: 4, live });
    expect(forNew.map((item) => item.itemId)).toEqual(['d', 'c', ...seeded]);
  });

  it('topIndices agrees with a full sort, ties included', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 50; round++) {
      const keys = Float64Array.from({ length: 200 }, () => Math.floor(random() * 20));
      const tie = Float64Array.from({ length: 200 }, () => Math.floor(random() * 3));
      const k = 1 + Math.floor(random() * 60);
      const sorted = [...keys.keys()].sort(
        (a, b) => (keys[b] ?? 0) - (keys[a] ?? 0) || (tie[b] ?? 0) - (tie[a] ?? 0) || a - b,
      );
      expect(topIndices(keys, k, tie)).toEqual(sorted.slice(0, k));
    }
  });
});

describe("a request's filter (accept)", () => {
  it('topIndices with accept is the full sort of the accepted indices', () => {
    let seed = 11;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 50; round++) {
      const keys = Float64Array.from({ length: 200 }, () => Math.floor(random() * 20));
      const accepted = new Set([...keys.keys()].filter(() => random() < 0.3));
      const k = 1 + Math.floor(random() * 80);
      const sorted = [...keys.keys()]
        .filter((i) => accepted.has(i))
        .sort((a, b) => (keys[b] ?? 0) - (keys[a] ?? 0) || a - b);
      expect(topIndices(keys, k, undefined, undefined, undefined, (i) => accepted.has(i))).toEqual(
        sorted.slice(0, k),
      );
    }
  });

  it('the model selects its top N among the accepted items: the same order, numResults still met', () => {
    const userId = users[0] ?? '';
    const all = model.recommend({ userId, numResults: 500, live: noLive });
    const refused = new Set(all.slice(0, 40).map((item) => item.itemId));
    const filtered = model.recommend({
      userId,
      numResults: 25,
      live: noLive,
      accept: (itemId) => !refused.has(itemId),
    });
    expect(filtered).toEqual(all.filter((item) => !refused.has(item.itemId)).slice(0, 25));
  });
});
