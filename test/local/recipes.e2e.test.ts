/**
 * Each recipe type the stack serves, deployed as `-c recipeArn=` deploys it and served through local mode's
 * gateway: the unchanged handlers with their real SDK clients, to the Personalize emulator. RELATED_ITEMS takes
 * an itemId, PERSONALIZED_RANKING has its own route, POPULAR_ITEMS is the same list for every user.
 */
import { expect } from '@jest/globals';
import { deployedLocalMode } from './deployed';
import type { ApiResponse } from './helpers';

jest.setTimeout(360_000);

/** Local mode with the solution on `recipe` (`-c recipeArn=`), trained and deployed through the API. */
const servedRecipe = (recipe: string) =>
  deployedLocalMode({
    name: `recipe-${recipe}`,
    start: { recipeArn: `arn:aws:personalize:::recipe/${recipe}` },
    // Three local modes in this file, each with its handlers' environment.
    freshModules: true,
  });

const itemIds = (response: ApiResponse, list: 'itemList' | 'personalizedRanking'): string[] => {
  if (response.status !== 200) throw new Error(`${response.status} ${response.text}`);
  return ((response.body as Record<string, Array<{ itemId: string }>>)[list] ?? []).map(
    (item) => item.itemId,
  );
};

describe('RELATED_ITEMS (aws-similar-items) through the gateway', () => {
  const recipe = servedRecipe('aws-similar-items');

  it('answers the items related to the itemId given, without a userId', async () => {
    const { api, campaignArn } = recipe();
    const related = itemIds(
      await api('GET', `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&itemId=12`),
      'itemList',
    );
    expect(related).toHaveLength(25);
    expect(related).not.toContain('12');
  });

  it('refuses a request without an itemId with a 400 that names it', async () => {
    const { api, campaignArn } = recipe();
    const response = await api(
      'GET',
      `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=429`,
    );
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/itemId is required/);
  });
});

describe('PERSONALIZED_RANKING (aws-personalized-ranking) through the gateway', () => {
  const recipe = servedRecipe('aws-personalized-ranking');

  it('orders the inputList for the user on POST /getPersonalizedRanking', async () => {
    const { api, campaignArn } = recipe();
    const inputList = ['12', '13', '50', '100', '301'];
    const response = await api('POST', '/getPersonalizedRanking', { campaignArn, userId: '429', inputList });
    expect([...itemIds(response, 'personalizedRanking')].sort()).toEqual([...inputList].sort());
  });

  it('refuses GET /getRecommendations on a ranking campaign with a 400 that names the operation to call', async () => {
    const { api, campaignArn } = recipe();
    const response = await api(
      'GET',
      `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=429`,
    );
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/GetPersonalizedRanking/);
  });
});

describe('POPULAR_ITEMS (aws-popularity-count) through the gateway', () => {
  const recipe = servedRecipe('aws-popularity-count');

  it('answers the same popular items for two different users', async () => {
    const { api, campaignArn } = recipe();
    const forUser = async (userId: string) =>
      itemIds(
        await api(
          'GET',
          `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=${userId}&numResults=10`,
        ),
        'itemList',
      );
    const first = await forUser('429');
    expect(first).toHaveLength(10);
    expect(await forUser('1')).toEqual(first);
  });
});
