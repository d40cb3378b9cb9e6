import { movieLensLike } from '../../data/shapes';
import { trainCollaborative } from '../../local/personalize/model/collaborative';
import { rankingQuality, relatedItemsQuality } from '../../local/personalize/model/recipe-quality';

// The bars of RELATED_ITEMS and PERSONALIZED_RANKING against their plain baselines (NDCG@10, the service's
// held-out split), on MovieLens-shaped data; scripts/metrics.ts --recipes gives the figures on other seeds.
jest.setTimeout(120_000);
const data = movieLensLike();

describe('recipe quality against plain baselines', () => {
  it('aws-sims beats a plain co-occurrence count on related items', async () => {
    const quality = await relatedItemsQuality(data, (split) => trainCollaborative('aws-sims', split));
    expect(quality.users).toBeGreaterThan(100);
    expect(quality.model).toBeGreaterThan(1.08 * quality.baseline);
  });

  it('aws-personalized-ranking keeps its lead over popularity order', async () => {
    const quality = await rankingQuality(data, (split) =>
      trainCollaborative('aws-personalized-ranking', split),
    );
    expect(quality.model).toBeGreaterThan(1.04 * quality.baseline);
  });
});
