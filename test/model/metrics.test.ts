import { scoreRecommendations, splitForEvaluation } from '../../local/personalize/model/metrics';
import type { Interaction } from '../../local/personalize/model';

describe('metrics with the service’s names and definitions', () => {
  it('computes precision, NDCG, MRR and coverage as worked out by hand', () => {
    const metrics = scoreRecommendations(
      [
        // Hits at ranks 2 and 5; three relevant items, one never recommended.
        { recommended: ['a', 'b', 'c', 'd', 'e'], relevant: new Set(['b', 'e', 'z']) },
        // A hit at rank 1 in a short list.
        { recommended: ['x', 'y'], relevant: new Set(['x']) },
      ],
      10,
    );
    const ndcgFirst = (1 / Math.log2(3) + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3) + 1 / Math.log2(4));
    expect(metrics.precision_at_5).toBeCloseTo((2 / 5 + 1 / 5) / 2, 10);
    expect(metrics.precision_at_10).toBeCloseTo((2 / 10 + 1 / 10) / 2, 10);
    expect(metrics.precision_at_25).toBeCloseTo((2 / 25 + 1 / 25) / 2, 10);
    expect(metrics.normalized_discounted_cumulative_gain_at_5).toBeCloseTo((ndcgFirst + 1) / 2, 10);
    expect(metrics.normalized_discounted_cumulative_gain_at_5).toBeCloseTo(0.738815, 5);
    expect(metrics.mean_reciprocal_rank_at_25).toBeCloseTo((1 / 2 + 1) / 2, 10);
    expect(metrics.coverage).toBeCloseTo(7 / 10, 10);
  });

  it('holds out 10% of the users, and for each the newest 10% of their interactions as ground truth', async () => {
    const interactions: Interaction[] = [];
    for (let u = 0; u < 20; u++) {
      // Newest first in the input: the split must sort by time itself.
      for (let k = 9; k >= 0; k--)
        interactions.push({
          userId: `user${u}`,
          itemId: `item${u}-${k}`,
          eventType: 'watch',
          timestamp: 1000 + k,
        });
    }
    const split = await splitForEvaluation({ interactions, items: [] });

    expect(split.testUsers).toHaveLength(2);
    for (const user of split.testUsers) {
      const suffix = user.userId.slice('user'.length);
      expect([...user.relevant]).toEqual([`item${suffix}-9`]);
      expect(user.input.map((e) => e.itemId)).toEqual(
        Array.from({ length: 9 }, (_, k) => `item${suffix}-${k}`),
      );
    }
    expect(split.training.interactions).toHaveLength(18 * 10 + 2 * 9);
    expect(
      split.training.interactions.some(
        (e) => e.itemId.endsWith('-9') && split.testUsers.some((t) => t.relevant.has(e.itemId)),
      ),
    ).toBe(false);
  });

  it('chooses the same test users whatever the order of the data', async () => {
    const interactions: Interaction[] = Array.from({ length: 300 }, (_, k) => ({
      userId: `u${k % 30}`,
      itemId: `i${k}`,
      eventType: 'click',
      timestamp: k,
    }));
    const forward = (await splitForEvaluation({ interactions, items: [] })).testUsers.map((u) => u.userId);
    const backward = (
      await splitForEvaluation({
        interactions: [...interactions].reverse(),
        items: [],
      })
    ).testUsers.map((u) => u.userId);
    expect(forward).toHaveLength(3);
    expect(backward).toEqual(forward);
  });
});
