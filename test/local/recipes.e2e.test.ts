/**
 * Each recipe type the stack serves, deployed as `-c recipeArn=` deploys it and served through local mode's
 * gateway: the unchanged handlers with their real SDK clients, to the Personalize emulator. RELATED_ITEMS takes
 * an itemId, PERSONALIZED_RANKING has its own route, POPULAR_ITEMS is the same list for every user.
 */
import { expect } from '@jest/globals';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, untilActive, type ApiResponse } from './helpers';

jest.setTimeout(360_000);

interface Served {
  local: LocalMode;
  campaignArn: string;
  api: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
}

/** Local mode with the solution on `recipe`, trained and deployed through the API, as the README does it. */
function servedRecipe(recipe: string): { current: () => Served } {
  let served: Served | undefined;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  beforeAll(async () => {
    jest.resetModules();
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory(`recipe-${recipe}`);
    const local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      personalizeTransitionMs: 20,
      recipeArn: `arn:aws:personalize:::recipe/${recipe}`,
      log: () => undefined,
    });
    const api = (method: string, path: string, body?: unknown) =>
      callApi(local.url, local.apiKey, method, path, body);
    const ok = async (method: string, path: string, body?: unknown) => {
      const response = await api(method, path, body);
      if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
      return response.body as Record<string, string>;
    };
    const { solutionVersionArn } = await ok('POST', '/solutionVersion', {
      solutionArn: local.outputs[STACK_OUTPUTS.solutionArn],
      version: 'recipe',
    });
    await untilActive('/describeSolutionVersion', () =>
      ok('POST', '/describeSolutionVersion', { solutionVersionArn }),
    );
    const { campaignArn = '' } = await ok('POST', '/campaign', { solutionVersionArn, name: 'recipe' });
    await untilActive('/describeCampaign', () => ok('POST', '/describeCampaign', { campaignArn }));
    served = { local, campaignArn, api };
  });
  afterAll(async () => {
    await served?.local.close();
    state?.remove();
    restoreStdout?.();
  });
  return {
    current: () => {
      if (!served) throw new Error('local mode did not start');
      return served;
    },
  };
}

const itemIds = (response: ApiResponse, list: 'itemList' | 'personalizedRanking'): string[] => {
  if (response.status !== 200) throw new Error(`${response.status} ${response.text}`);
  return ((response.body as Record<string, Array<{ itemId: string }>>)[list] ?? []).map(
    (item) => item.itemId,
  );
};

describe('RELATED_ITEMS (aws-similar-items) through the gateway', () => {
  const recipe = servedRecipe('aws-similar-items');

  it('answers the items related to the itemId given, without a userId', async () => {
    const { api, campaignArn } = recipe.current();
    const related = itemIds(
      await api('GET', `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&itemId=12`),
      'itemList',
    );
    expect(related).toHaveLength(25);
    expect(related).not.toContain('12');
  });

  it('refuses a request without an itemId with a 400 that names it', async () => {
    const { api, campaignArn } = recipe.current();
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
    const { api, campaignArn } = recipe.current();
    const inputList = ['12', '13', '50', '100', '301'];
    const response = await api('POST', '/getPersonalizedRanking', { campaignArn, userId: '429', inputList });
    expect([...itemIds(response, 'personalizedRanking')].sort()).toEqual([...inputList].sort());
  });

  it('refuses GET /getRecommendations on a ranking campaign with a 400 that names the operation to call', async () => {
    const { api, campaignArn } = recipe.current();
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
    const { api, campaignArn } = recipe.current();
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
