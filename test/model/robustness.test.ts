import { evaluateRecipe } from '../../local/personalize/model/metrics';
import { trainCollaborative } from '../../local/personalize/model/collaborative';
import { trainPopularityCount } from '../../local/personalize/model/popularity';
import type { TrainingData } from '../../local/personalize/model';
import { movieLensLike, popularityOnly, repeatConsumption, sequential } from '../../data/shapes';

/** NDCG@10 of user-personalization and popularity-count with the service's held-out protocol. */
async function ndcgAt10(data: TrainingData): Promise<{ personalised: number; popular: number }> {
  const personalised = await evaluateRecipe('aws-user-personalization', data, (split) =>
    trainCollaborative('aws-user-personalization', split),
  );
  const popular = await evaluateRecipe('aws-popularity-count', data, async (split) =>
    trainPopularityCount(split),
  );
  return {
    personalised: personalised.normalized_discounted_cumulative_gain_at_10,
    popular: popular.normalized_discounted_cumulative_gain_at_10,
  };
}

// Data of shapes other than the sample's (data/shapes.ts), so that the model is not only good on what suits it.
describe('user-personalization on data not shaped like the sample', () => {
  it('MovieLens-like (one event type, few events per user, GENRE mostly null, timestamp ties): well above popularity', async () => {
    const { personalised, popular } = await ndcgAt10(movieLensLike());
    expect(personalised).toBeGreaterThanOrEqual(1.5 * popular);
  });

  it('popularity only (nothing to personalise, random genres): not below 0.9 times popularity', async () => {
    const { personalised, popular } = await ndcgAt10(popularityOnly());
    expect(personalised).toBeGreaterThanOrEqual(0.9 * popular);
  });

  it('repeat consumption (users return to their items half the time): not below 0.9 times popularity', async () => {
    const { personalised, popular } = await ndcgAt10(repeatConsumption());
    expect(personalised).toBeGreaterThanOrEqual(0.9 * popular);
  });

  it('series watched in order (GENRE null): far above popularity', async () => {
    const { personalised, popular } = await ndcgAt10(sequential());
    expect(personalised).toBeGreaterThanOrEqual(5 * popular);
  });
});

describe('what training learns from the data rather than assumes', () => {
  it('recommends a user’s own items again when users of this catalogue return to items, and not when they do not', async () => {
    const returning = await trainCollaborative('aws-user-personalization', repeatConsumption());
    const films = await trainCollaborative('aws-user-personalization', movieLensLike());
    const live = { userEvents: [], newItems: [] };
    // The share of the first 100 users' top 10 that they already interacted with.
    const ownShare = (model: Awaited<ReturnType<typeof trainCollaborative>>, data: TrainingData): number => {
      let own = 0;
      for (let u = 0; u < 100; u++) {
        const userId = `u${u}`;
        const items = new Set(data.interactions.filter((e) => e.userId === userId).map((e) => e.itemId));
        own += model
          .recommend({ userId, numResults: 10, live })
          .filter((item) => items.has(item.itemId)).length;
      }
      return own / 1000;
    };
    expect(ownShare(returning, repeatConsumption())).toBeGreaterThanOrEqual(0.15);
    expect(ownShare(films, movieLensLike())).toBeLessThan(0.01);
  });
});
