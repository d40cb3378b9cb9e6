import { loadModel, train } from '../../local/personalize/model';
import type { Interaction, LiveContext } from '../../local/personalize/model';
import { RecentPopularityLog, recentPopularityOf } from '../../local/personalize/model/live-popularity';

const noLive: LiveContext = { userEvents: [], newItems: [] };

function events(counts: Record<string, number>): Interaction[] {
  let timestamp = 1_700_000_000;
  return Object.entries(counts).flatMap(([itemId, count]) =>
    Array.from({ length: count }, (_, k) => ({
      userId: `u${k}`,
      itemId,
      eventType: 'watch',
      timestamp: timestamp++,
    })),
  );
}

describe('aws-popularity-count', () => {
  const data = { interactions: events({ a: 5, b: 9, c: 1 }), items: [{ itemId: 'cold', genres: ['Drama'] }] };

  it('recommends the same items to everyone, most events first, with each item’s share of events as score', async () => {
    const { model } = await train('aws-popularity-count', data);
    const forAnyone = model.recommend({ userId: 'someone', numResults: 3, live: noLive });
    expect(forAnyone).toEqual([
      { itemId: 'b', score: 9 / 15 },
      { itemId: 'a', score: 5 / 15 },
      { itemId: 'c', score: 1 / 15 },
    ]);
    expect(model.recommend({ userId: 'someone else', numResults: 3, live: noLive })).toEqual(forAnyone);
  });

  it('counts events accepted since training and can recommend items added since', async () => {
    const { model } = await train('aws-popularity-count', data);
    const live: LiveContext = {
      userEvents: [],
      newItems: [{ itemId: 'fresh', genres: [] }],
      recentPopularity: recentPopularityOf([['fresh', 20]]),
    };
    expect(model.recommend({ numResults: 1, live })[0]?.itemId).toBe('fresh');
  });

  it('keeps counting events as they arrive, reading only those since the previous request', async () => {
    const { model } = await train('aws-popularity-count', data);
    const recentPopularity = new RecentPopularityLog();
    const live: LiveContext = { userEvents: [], newItems: [], recentPopularity };
    recentPopularity.add('c', 3);
    expect(model.recommend({ numResults: 1, live })[0]?.itemId).toBe('b');
    recentPopularity.add('c', 6);
    // c: 1 trained + 9 since; the shares of all 24 events.
    const top = model.recommend({ numResults: 3, live });
    expect(top.map((i) => i.score)).toEqual([10 / 24, 9 / 24, 5 / 24]);
    expect(top[0]?.itemId).toBe('c');
  });

  it('ranks the given items by popularity', async () => {
    const { model } = await train('aws-popularity-count', data);
    expect(
      model.rank({ userId: 'u1', itemIds: ['c', 'b', 'cold', 'a'], live: noLive }).map((i) => i.itemId),
    ).toEqual(['b', 'a', 'c', 'cold']);
  });

  it('survives a JSON round trip', async () => {
    const { model } = await train('aws-popularity-count', data);
    const restored = loadModel(JSON.parse(JSON.stringify(model.serialize())));
    expect(restored.recommend({ numResults: 4, live: noLive })).toEqual(
      model.recommend({ numResults: 4, live: noLive }),
    );
  });
});
