/**
 * Items added with PutItems, recipe by recipe, as the developer guide documents each: User-Personalization takes
 * them in at its automatic update (exploration.test.ts); Popularity-Count, Personalized-Ranking, SIMS and
 * Similar-Items only from a new solution version; Trending-Now from their events, never from the Items dataset.
 * Time is a ManualTime moved past the automatic update, so "not yet" is proven at the moment it would have changed.
 */
import {
  CreateCampaignCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  UpdateCampaignCommand,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand, PutItemsCommand } from '@aws-sdk/client-personalize-events';
import {
  GetPersonalizedRankingCommand,
  GetRecommendationsCommand,
} from '@aws-sdk/client-personalize-runtime';
import { AUTOMATIC_UPDATE_MS, ManualTime } from '../../local/personalize';
import { recipeArnOf } from '../../lib/contract/recipes';
import { genreOf, itemId, provision, settle, startHarness, type Harness, type Provisioned } from './harness';

describe('items added with PutItems reach each recipe as documented', () => {
  const time = new ManualTime(Date.UTC(2026, 0, 5, 9));
  let h: Harness;
  let p: Provisioned;
  const solutions = new Map<string, string>();
  const campaigns = new Map<string, string>();

  async function trainedVersion(recipe: string): Promise<string> {
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: solutions.get(recipe) ?? '' }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    return solutionVersionArn;
  }

  const recommended = async (recipe: string, request: { itemId?: string; userId?: string }) => {
    const { itemList = [] } = await h.runtime.send(
      new GetRecommendationsCommand({
        campaignArn: campaigns.get(recipe) ?? '',
        numResults: 100,
        ...request,
      }),
    );
    return itemList.map((i) => i.itemId ?? '');
  };

  beforeAll(async () => {
    h = await startHarness({ time, keepState: false });
    p = await provision(h, 'late', 'aws-user-personalization', { performAutoTraining: false });
    for (const recipe of [
      'aws-popularity-count',
      'aws-personalized-ranking',
      'aws-sims',
      'aws-similar-items',
      'aws-trending-now',
    ]) {
      const { solutionArn = '' } = await h.personalize.send(
        new CreateSolutionCommand({
          name: `late-${recipe}`,
          datasetGroupArn: p.datasetGroupArn,
          recipeArn: recipeArnOf(recipe),
          performAutoTraining: false,
        }),
      );
      await settle(h, 'solution', solutionArn);
      solutions.set(recipe, solutionArn);
      const { campaignArn = '' } = await h.personalize.send(
        new CreateCampaignCommand({
          name: `late-${recipe}-campaign`,
          solutionVersionArn: await trainedVersion(recipe),
        }),
      );
      await settle(h, 'campaign', campaignArn);
      campaigns.set(recipe, campaignArn);
    }
    await h.events.send(
      new PutItemsCommand({
        datasetArn: p.itemsDatasetArn,
        items: [
          { itemId: 'late-comedy', properties: JSON.stringify({ genre: 'Comedy', year: '2026' }) },
          { itemId: 'late-quiet', properties: JSON.stringify({ genre: 'Comedy', year: '2026' }) },
        ],
      }),
    );
    // Many users watch the late comedy alongside comedy items: more events than any item had in training.
    for (let u = 0; u < 30; u++)
      await h.events.send(
        new PutEventsCommand({
          trackingId: p.trackingId,
          userId: `late-fan-${u}`,
          sessionId: `late-fan-${u}`,
          eventList: [1, 4, 7].flatMap((k) => [
            { eventType: 'watch', itemId: itemId(k), sentAt: new Date(time.now()) },
            { eventType: 'watch', itemId: 'late-comedy', sentAt: new Date(time.now()) },
          ]),
        }),
      );
    // Past User-Personalization's automatic update: the moment its campaign takes the items in.
    await time.advance(AUTOMATIC_UPDATE_MS + 60_000);
  });
  afterAll(() => h.close());

  it('Popularity-Count: neither the new items nor the events since training change the list until a new version', async () => {
    const before = await recommended('aws-popularity-count', { userId: 'late-fan-0' });
    expect(before).not.toContain('late-comedy');
    expect(before).not.toContain('late-quiet');
    // The events since training (item-1, -4, -7 watched 30 more times each) did not move the list either.
    const { itemList: popular = [] } = await h.runtime.send(
      new GetRecommendationsCommand({
        campaignArn: campaigns.get('aws-popularity-count') ?? '',
        numResults: 100,
      }),
    );
    expect(popular.map((i) => i.itemId)).toEqual(before);
    await h.personalize.send(
      new UpdateCampaignCommand({
        campaignArn: campaigns.get('aws-popularity-count') ?? '',
        solutionVersionArn: await trainedVersion('aws-popularity-count'),
      }),
    );
    expect(await settle(h, 'campaign', campaigns.get('aws-popularity-count') ?? '')).toBe('ACTIVE');
    const after = await recommended('aws-popularity-count', { userId: 'late-fan-0' });
    // 30 users: more than most training items had, so the retrained version puts it among the first few.
    expect(after.indexOf('late-comedy')).toBeGreaterThanOrEqual(0);
    expect(after.indexOf('late-comedy')).toBeLessThan(5);
  });

  it('Personalized-Ranking: an item added since training comes last, without a score, until a new version', async () => {
    const rank = async () => {
      const { personalizedRanking = [] } = await h.runtime.send(
        new GetPersonalizedRankingCommand({
          campaignArn: campaigns.get('aws-personalized-ranking') ?? '',
          userId: 'late-fan-1',
          inputList: ['late-comedy', itemId(0), itemId(1), itemId(2)],
        }),
      );
      return personalizedRanking;
    };
    const before = await rank();
    expect(before[3]).toEqual({ itemId: 'late-comedy' });
    await h.personalize.send(
      new UpdateCampaignCommand({
        campaignArn: campaigns.get('aws-personalized-ranking') ?? '',
        solutionVersionArn: await trainedVersion('aws-personalized-ranking'),
      }),
    );
    await settle(h, 'campaign', campaigns.get('aws-personalized-ranking') ?? '');
    const after = await rank();
    expect(after.find((i) => i.itemId === 'late-comedy')?.score).toBeGreaterThan(0);
  });

  it.each(['aws-sims', 'aws-similar-items'])(
    '%s: an item added since training is an item not found (popular items) until a new version',
    async (recipe) => {
      const unknown = await recommended(recipe, { itemId: 'no-such-item' });
      expect(await recommended(recipe, { itemId: 'late-comedy' })).toEqual(unknown);
      expect(await recommended(recipe, { itemId: itemId(1) })).not.toContain('late-comedy');
      await h.personalize.send(
        new UpdateCampaignCommand({
          campaignArn: campaigns.get(recipe) ?? '',
          solutionVersionArn: await trainedVersion(recipe),
        }),
      );
      await settle(h, 'campaign', campaigns.get(recipe) ?? '');
      const related = (await recommended(recipe, { itemId: 'late-comedy' })).slice(0, 3);
      // Retrained, its neighbours are the comedy items watched with it.
      expect(related.sort()).toEqual([itemId(1), itemId(4), itemId(7)].sort());
      expect(related.every((id) => genreOf(Number(id.split('-')[1])) === 'Comedy')).toBe(true);
    },
  );

  it('Trending-Now: an item enters with its events, without a new version; one without events never does', async () => {
    const trending = await recommended('aws-trending-now', {});
    expect(trending[0]).toBe('late-comedy');
    expect(trending).not.toContain('late-quiet');
  });
});
