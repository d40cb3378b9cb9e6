import { sequential } from '../../data/shapes';
import { trainCollaborative } from '../../local/personalize/model/collaborative';
import { relatedNeighboursOf } from '../../local/personalize/model/collaborative/related';
import type { UserItems } from '../../local/personalize/model/collaborative/neighbours';
import { NO_LIVE_CONTEXT, Pacer } from '../../local/personalize/model/shared';
import type { Interaction } from '../../local/personalize/model';

// The related-items lists of aws-sims and aws-similar-items (collaborative/related.ts): which evidence counts more.
const HOUR = 3600;
const DAY = 86_400;

/** A user's distinct items in order, at the given times (seconds). */
const user = (items: number[], times: number[]): UserItems => ({
  items: Int32Array.from(items),
  times: Float64Array.from(times),
  weight: 1,
});

/** Item `of`'s estimate for item `j` in the related lists (0 when not listed). */
async function estimate(users: UserItems[], size: number, of: number, j: number): Promise<number> {
  const lists = await relatedNeighboursOf(users, size, new Pacer());
  const list = lists[of] ?? [];
  for (let k = 0; k + 1 < list.length; k += 2) if (list[k] === j) return list[k + 1] ?? 0;
  return 0;
}

/** `count` filler items from `from` on, a day apart from `start`. */
const filler = (from: number, count: number): number[] => Array.from({ length: count }, (_, k) => from + k);

describe('related items weigh co-occurrence by what it says about the next item', () => {
  it('a pair seen together in one session scores above a pair seen only through a heavy user', async () => {
    // Item 0 with 1 (a light user, an hour apart) and with 2 (a user of 40 items, days apart): one user each.
    const heavyItems = [0, ...filler(3, 38), 2];
    const users = [
      user([0, 1], [0, HOUR]),
      user(
        heavyItems,
        heavyItems.map((_, k) => k * DAY),
      ),
    ];
    expect(await estimate(users, 41, 0, 1)).toBeGreaterThan(await estimate(users, 41, 0, 2));
  });

  it('counts what users had after the item more than what they had before it', async () => {
    const users = [user([0, 1], [0, DAY]), user([2, 0], [0, DAY])];
    const after = await estimate(users, 3, 0, 1);
    const before = await estimate(users, 3, 0, 2);
    expect(after).toBeGreaterThan(before);
  });

  it('weighs a heavy user less than a light one for the same pair, in the same order and gap', async () => {
    const heavy = [0, 2, ...filler(3, 30)];
    const users = [
      user([0, 1], [0, DAY]),
      user(
        heavy,
        heavy.map((_, k) => k * DAY),
      ),
    ];
    expect(await estimate(users, 33, 0, 1)).toBeGreaterThan(await estimate(users, 33, 0, 2));
  });

  it('an item with few holders ranks popular items; one with many keeps its own evidence', async () => {
    // Item 0: one holder, who went on to 1. Item 2: held by 40 users, never with 0. Item 3: held by 20 users who
    // all went on to 4, which nobody else had.
    const users = [user([0, 1], [0, DAY])];
    for (let u = 0; u < 40; u++) users.push(user([2], [0]));
    for (let u = 0; u < 20; u++) users.push(user([3, 4], [0, DAY]));
    expect(await estimate(users, 5, 0, 2)).toBeGreaterThan(await estimate(users, 5, 0, 1));
    expect(await estimate(users, 5, 3, 4)).toBeGreaterThan(await estimate(users, 5, 3, 2));
  });

  it('pairs an interaction with a bounded number of others: work grows linearly with a user’s history', async () => {
    const work = async (length: number): Promise<number> => {
      const pacer = new Pacer(50_000, () => Promise.resolve());
      const items = filler(0, length);
      await relatedNeighboursOf(
        [
          user(
            items,
            items.map((k) => k * DAY),
          ),
        ],
        length,
        pacer,
      );
      return pacer.work.get('neighbours') ?? 0;
    };
    // Quadratic would be 16 times; linear in the history is about 4.
    expect((await work(4000)) / (await work(1000))).toBeLessThan(5);
  });
});

describe('related items served by the trained model', () => {
  const series = (userId: string, items: string[], start: number): Interaction[] =>
    items.map((itemId, k) => ({ userId, itemId, eventType: 'watch', timestamp: start + k * HOUR }));

  it('answers the next item of a series first, on sequential data', async () => {
    const model = await trainCollaborative('aws-sims', sequential());
    for (const s of [0, 1, 2]) {
      const [first] = model.recommend({ itemId: `s${s}e0`, numResults: 5, live: NO_LIVE_CONTEXT });
      expect(first?.itemId).toBe(`s${s}e1`);
    }
  });

  it('honours the filter while it selects the top N, and never answers the query', async () => {
    const interactions: Interaction[] = [];
    for (let u = 0; u < 30; u++)
      interactions.push(...series(`u${u}`, ['q', 'a', 'b', 'c', 'd', `x${u % 5}`], u * DAY));
    const data = { interactions, items: [] };
    for (const recipe of ['aws-sims', 'aws-similar-items'] as const) {
      const model = await trainCollaborative(recipe, data);
      const all = model.recommend({ itemId: 'q', numResults: 4, live: NO_LIVE_CONTEXT });
      expect(all.map((item) => item.itemId)).toEqual(['a', 'b', 'c', 'd']);
      const filtered = model.recommend({
        itemId: 'q',
        numResults: 4,
        live: NO_LIVE_CONTEXT,
        accept: (itemId) => itemId !== 'a' && itemId !== 'c',
      });
      expect(filtered.map((item) => item.itemId).slice(0, 2)).toEqual(['b', 'd']);
      expect(filtered.map((item) => item.itemId).slice(2)).toEqual([
        expect.stringMatching(/^x/),
        expect.stringMatching(/^x/),
      ]);
    }
  });

  it('falls back on popularity for an item without interactions', async () => {
    const interactions: Interaction[] = [];
    for (let u = 0; u < 20; u++) interactions.push(...series(`u${u}`, ['popular', `rare${u}`], u * DAY));
    for (let u = 0; u < 10; u++) interactions.push(...series(`v${u}`, ['second'], 2 * u * DAY));
    const model = await trainCollaborative('aws-sims', {
      interactions,
      items: [{ itemId: 'cold', genres: [] }],
    });
    const related = model.recommend({ itemId: 'cold', numResults: 2, live: NO_LIVE_CONTEXT });
    expect(related.map((item) => item.itemId)).toEqual(['popular', 'second']);
  });
});
