import { movieLensLike, sequential } from '../../data/shapes';
import { trainCollaborative } from '../../local/personalize/model/collaborative';
import { rankingQuality, relatedItemsQuality } from '../../local/personalize/model/recipe-quality';

// The bars of RELATED_ITEMS and PERSONALIZED_RANKING against their plain baselines (NDCG@10, the service's
// held-out split), on two of the tuning datasets; scripts/metrics.ts --recipes gives the held-out figures.
jest.setTimeout(120_000);
const data = movieLensLike();

describe('recipe quality against plain baselines', () => {
  it('aws-sims clearly beats a plain co-occurrence count where the order of a history tells what comes next', async () => {
    const quality = await relatedItemsQuality(sequential(), (split) => trainCollaborative('aws-sims', split));
    expect(quality.users).toBeGreaterThan(100);
    expect(quality.model).toBeGreaterThan(1.5 * quality.baseline);
    expect(quality.model - quality.baseline).toBeGreaterThan(5 * quality.differenceError);
  });

  it('aws-sims does not fall below a plain co-occurrence count on orderless MovieLens-shaped data', async () => {
    const quality = await relatedItemsQuality(data, (split) => trainCollaborative('aws-sims', split));
    expect(quality.users).toBeGreaterThan(100);
    expect(quality.model).toBeGreaterThanOrEqual(quality.baseline);
  });

  it('aws-personalized-ranking keeps its lead over popularity order', async () => {
    const quality = await rankingQuality(data, (split) =>
      trainCollaborative('aws-personalized-ranking', split),
    );
    expect(quality.model).toBeGreaterThan(1.04 * quality.baseline);
  });
});
