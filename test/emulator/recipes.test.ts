/**
 * Every recipe the emulator offers, served with its recipe type's runtime inputs and errors
 * (lib/contract/recipes.ts), through the real SDK clients.
 */
import {
  CreateCampaignCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DescribeRecipeCommand,
  ListRecipesCommand,
  UpdateCampaignCommand,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand, PutItemsCommand } from '@aws-sdk/client-personalize-events';
import {
  GetPersonalizedRankingCommand,
  GetRecommendationsCommand,
  InvalidInputException,
} from '@aws-sdk/client-personalize-runtime';
import { RECIPES, recipeArnOf, SERVED_RECIPES } from '../../lib/contract/recipes';
import { itemId, provision, settle, startHarness, type Harness, type Provisioned } from './harness';

describe('the emulator serves each recipe type with its runtime inputs and errors', () => {
  let h: Harness;
  let p: Provisioned;
  const campaigns = new Map<string, string>();
  const solutionArns = new Map<string, string>();

  beforeAll(async () => {
    h = await startHarness();
    p = await provision(h, 'recipes');
  });
  afterAll(() => h.close());

  async function campaignFor(recipe: string): Promise<string> {
    const known = campaigns.get(recipe);
    if (known) return known;
    const { solutionArn = '' } = await h.personalize.send(
      new CreateSolutionCommand({
        name: `recipes-${recipe}`,
        datasetGroupArn: p.datasetGroupArn,
        recipeArn: recipeArnOf(recipe),
      }),
    );
    await settle(h, 'solution', solutionArn);
    solutionArns.set(recipe, solutionArn);
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    const { campaignArn = '' } = await h.personalize.send(
      new CreateCampaignCommand({ name: `recipes-${recipe}-campaign`, solutionVersionArn }),
    );
    await settle(h, 'campaign', campaignArn);
    campaigns.set(recipe, campaignArn);
    return campaignArn;
  }

  it('lists and describes every recipe the stack serves with its type as the recipe list gives it', async () => {
    const { recipes = [] } = await h.personalize.send(new ListRecipesCommand({}));
    expect(recipes.map((r) => r.name).sort()).toEqual(SERVED_RECIPES.map((r) => r.name).sort());
    for (const recipe of SERVED_RECIPES) {
      const { recipe: described } = await h.personalize.send(
        new DescribeRecipeCommand({ recipeArn: recipeArnOf(recipe.name) }),
      );
      expect(described?.recipeType).toBe(recipe.recipeType);
    }
    expect(RECIPES.find((r) => r.name === 'aws-trending-now')?.recipeType).toBe('POPULAR_ITEMS');
  });

  it('refuses a solution with a recipe it does not model, naming those it does', async () => {
    await expect(
      h.personalize.send(
        new CreateSolutionCommand({
          name: 'recipes-v2',
          datasetGroupArn: p.datasetGroupArn,
          recipeArn: recipeArnOf('aws-user-personalization-v2'),
        }),
      ),
    ).rejects.toThrow(/aws-similar-items/);
  });

  it.each(['aws-sims', 'aws-similar-items'])(
    '%s (RELATED_ITEMS): items related to itemId, a userId beside it allowed, no itemId refused',
    async (recipe) => {
      const campaignArn = await campaignFor(recipe);
      const { itemList = [] } = await h.runtime.send(
        new GetRecommendationsCommand({ campaignArn, itemId: itemId(3), userId: 'user-1', numResults: 5 }),
      );
      expect(itemList).toHaveLength(5);
      expect(itemList.map((i) => i.itemId)).not.toContain(itemId(3));
      await expect(
        h.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: 'user-1' })),
      ).rejects.toThrow(/itemId is required .*RELATED_ITEMS/);
      await expect(
        h.runtime.send(
          new GetPersonalizedRankingCommand({ campaignArn, userId: 'user-1', inputList: [itemId(1)] }),
        ),
      ).rejects.toThrow(InvalidInputException);
    },
  );

  it('aws-similar-items weighs item metadata: an item added since training gets items of its genre once retrained', async () => {
    const campaignArn = await campaignFor('aws-similar-items');
    await h.events.send(
      new PutItemsCommand({
        datasetArn: p.itemsDatasetArn,
        items: [{ itemId: 'new-comedy', properties: JSON.stringify({ genre: 'Comedy', year: '2024' }) }],
      }),
    );
    const similarTo = async (item: string) =>
      (await h.runtime.send(new GetRecommendationsCommand({ campaignArn, itemId: item, numResults: 5 })))
        .itemList ?? [];
    // Until a new solution version the item is not found: popular items, as for any unknown item.
    expect(await similarTo('new-comedy')).toEqual(await similarTo('never-heard-of'));
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: solutionArns.get('aws-similar-items') ?? '' }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    await h.personalize.send(new UpdateCampaignCommand({ campaignArn, solutionVersionArn }));
    expect(await settle(h, 'campaign', campaignArn)).toBe('ACTIVE');
    const itemList = await similarTo('new-comedy');
    // Items cycle Action, Comedy, Drama: Comedy items are 1, 4, 7...
    expect(itemList.every((i) => Number(i.itemId?.split('-')[1]) % 3 === 1)).toBe(true);
  });

  it.each(['aws-popularity-count', 'aws-trending-now'])(
    '%s (POPULAR_ITEMS): the same list with or without a userId',
    async (recipe) => {
      const campaignArn = await campaignFor(recipe);
      const anonymous = await h.runtime.send(new GetRecommendationsCommand({ campaignArn, numResults: 10 }));
      const forUser = await h.runtime.send(
        new GetRecommendationsCommand({ campaignArn, userId: 'user-2', numResults: 10 }),
      );
      expect(anonymous.itemList).toHaveLength(10);
      expect(forUser.itemList).toEqual(anonymous.itemList);
    },
  );

  it('aws-trending-now: an item whose events grow since training leads without a new version', async () => {
    const campaignArn = await campaignFor('aws-trending-now');
    const before = await h.runtime.send(new GetRecommendationsCommand({ campaignArn, numResults: 60 }));
    const last = before.itemList?.[before.itemList.length - 1]?.itemId ?? '';
    // More events than any item had in the training data's newest day (the fixture's whole history).
    for (let batch = 0; batch < 5; batch++) {
      await h.events.send(
        new PutEventsCommand({
          trackingId: p.trackingId,
          userId: `trend-${batch}`,
          sessionId: `trend-${batch}`,
          eventList: Array.from({ length: 10 }, (_, k) => ({
            eventType: 'watch',
            itemId: last,
            sentAt: new Date(1_800_000_000_000 + k * 1000),
          })),
        }),
      );
    }
    const after = await h.runtime.send(new GetRecommendationsCommand({ campaignArn, numResults: 3 }));
    expect(after.itemList?.[0]?.itemId).toBe(last);
  });

  it('aws-personalized-ranking: items without training interactions come last, without a score', async () => {
    const campaignArn = await campaignFor('aws-personalized-ranking');
    await h.events.send(
      new PutItemsCommand({
        datasetArn: p.itemsDatasetArn,
        items: [{ itemId: 'added-later', properties: JSON.stringify({ genre: 'Drama', year: '2024' }) }],
      }),
    );
    const inputList = ['added-later', itemId(0), 'never-heard-of', itemId(1), itemId(2)];
    const { personalizedRanking = [] } = await h.runtime.send(
      new GetPersonalizedRankingCommand({ campaignArn, userId: 'user-0', inputList }),
    );
    expect(personalizedRanking.slice(3)).toEqual([{ itemId: 'added-later' }, { itemId: 'never-heard-of' }]);
    const scored = personalizedRanking.slice(0, 3);
    expect(scored.map((i) => i.itemId).sort()).toEqual([itemId(0), itemId(1), itemId(2)]);
    expect(scored.reduce((sum, i) => sum + (i.score ?? NaN), 0)).toBeCloseTo(1, 6);
  });

  it('aws-personalized-ranking: a missing userId, an empty or oversized inputList and GetRecommendations are refused', async () => {
    const campaignArn = await campaignFor('aws-personalized-ranking');
    await expect(
      h.runtime.send(new GetPersonalizedRankingCommand({ campaignArn, inputList: [itemId(1)] } as never)),
    ).rejects.toThrow(/userId/);
    await expect(
      h.runtime.send(new GetPersonalizedRankingCommand({ campaignArn, userId: 'user-0', inputList: [] })),
    ).rejects.toThrow(/inputList/);
    const tooMany = Array.from({ length: 501 }, (_, k) => `item-${k}`);
    await expect(
      h.runtime.send(
        new GetPersonalizedRankingCommand({ campaignArn, userId: 'user-0', inputList: tooMany }),
      ),
    ).rejects.toThrow(/inputList/);
    await expect(
      h.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: 'user-0' })),
    ).rejects.toThrow(/GetPersonalizedRanking/);
  });

  it('aws-user-personalization (USER_PERSONALIZATION): userId required', async () => {
    await expect(
      h.runtime.send(new GetRecommendationsCommand({ campaignArn: p.campaignArn, itemId: itemId(1) })),
    ).rejects.toThrow(/userId is required/);
  });
});
