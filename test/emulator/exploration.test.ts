import { expect } from '@jest/globals';
import {
  CreateCampaignCommand,
  CreateFilterCommand,
  DescribeFilterCommand,
  DescribeSolutionVersionCommand,
  InvalidInputException,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand, PutItemsCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { AUTOMATIC_UPDATE_MS, ManualTime } from '../../local/personalize';
import {
  fixtureCsvs,
  itemId,
  provision,
  settle,
  startHarness,
  waitFor,
  type Harness,
  type Provisioned,
} from './harness';

// User-Personalization's exploration as the developer guide documents it (local/personalize/exploration.ts): new
// items from PutItems join the served model at the automatic update, every two hours, and reach users of their
// genre in proportion to the campaign's explorationWeight; weight 0 never shows them; explorationItemAgeCutOff
// bounds which items are explored. Time is a ManualTime: the tests move it to the update, never sleep.

/** Drama items in the fixture: item i has genre Drama when i % 3 === 2 (items 2 and 5 have no second genre). */
const DRAMA_CLICKS = [itemId(2), itemId(5)];
const ACTION_CLICKS = [itemId(3), itemId(6)];

async function clicks(h: Harness, p: Provisioned, userId: string, items: readonly string[]): Promise<void> {
  await h.events.send(
    new PutEventsCommand({
      trackingId: p.trackingId,
      userId,
      sessionId: `session-${userId}`,
      eventList: items.map((item) => ({ eventType: 'click', itemId: item, sentAt: new Date() })),
    }),
  );
}

async function campaignWith(h: Harness, p: Provisioned, name: string, config: Record<string, string>) {
  const { campaignArn = '' } = await h.personalize.send(
    new CreateCampaignCommand({
      name,
      solutionVersionArn: p.solutionVersionArn,
      campaignConfig: { itemExplorationConfig: config },
    }),
  );
  expect(await settle(h, 'campaign', campaignArn)).toBe('ACTIVE');
  return campaignArn;
}

/** How many of the users get `item` in their list from the campaign. */
async function reached(
  h: Harness,
  campaignArn: string,
  users: readonly string[],
  item: string,
  extra: { numResults?: number; filterArn?: string } = {},
): Promise<number> {
  let count = 0;
  for (const userId of users) {
    const { itemList = [] } = await h.runtime.send(
      new GetRecommendationsCommand({ campaignArn, userId, ...extra }),
    );
    expect(itemList).toHaveLength(extra.numResults ?? 25);
    if (itemList.some((i) => i.itemId === item)) count++;
  }
  return count;
}

describe('User-Personalization exploration of a new item (itemExplorationConfig, automatic updates)', () => {
  const time = new ManualTime(Date.UTC(2026, 0, 5, 9));
  let h: Harness;
  let p: Provisioned;
  const weights = ['0', '0.1', '0.5', '0.9'] as const;
  const campaigns = new Map<string, string>();
  const dramaFans = Array.from({ length: 200 }, (_, k) => `drama-fan-${k}`);
  const actionFans = Array.from({ length: 50 }, (_, k) => `action-fan-${k}`);
  let firstUpdateAt = 0;

  beforeAll(async () => {
    h = await startHarness({ time, keepState: false });
    // Automatic training off: a newer version would end this one's automatic updates, as on AWS.
    p = await provision(h, 'explore', 'aws-user-personalization', { performAutoTraining: false });
    const { solutionVersion } = await h.personalize.send(
      new DescribeSolutionVersionCommand({ solutionVersionArn: p.solutionVersionArn }),
    );
    firstUpdateAt = (solutionVersion?.lastUpdatedDateTime?.getTime() ?? NaN) + AUTOMATIC_UPDATE_MS;
    for (const weight of weights)
      campaigns.set(
        weight,
        await campaignWith(h, p, `explore-${weight.replace('.', '-')}`, { explorationWeight: weight }),
      );
    for (const user of dramaFans) await clicks(h, p, user, DRAMA_CLICKS);
    for (const user of actionFans) await clicks(h, p, user, ACTION_CLICKS);
    await h.events.send(
      new PutItemsCommand({
        datasetArn: p.itemsDatasetArn,
        items: [{ itemId: 'new-drama', properties: JSON.stringify({ genre: 'Drama', year: '2026' }) }],
      }),
    );
  });
  afterAll(() => h.close());

  it('reaches no one until the automatic update two hours after the version became ACTIVE', async () => {
    expect(time.now()).toBeLessThan(firstUpdateAt - 1);
    expect(await reached(h, campaigns.get('0.9') ?? '', dramaFans.slice(0, 40), 'new-drama')).toBe(0);
    await time.advance(firstUpdateAt - 1 - time.now());
    expect(await reached(h, campaigns.get('0.9') ?? '', dramaFans.slice(0, 40), 'new-drama')).toBe(0);
    await time.advance(1);
    expect(await reached(h, campaigns.get('0.9') ?? '', dramaFans.slice(0, 40), 'new-drama')).toBeGreaterThan(
      0,
    );
  });

  it('then reaches users of its genre in proportion to explorationWeight, and never with weight 0', async () => {
    expect(time.now()).toBeGreaterThanOrEqual(firstUpdateAt);
    const shares = new Map<string, number>();
    for (const weight of weights)
      shares.set(
        weight,
        (await reached(h, campaigns.get(weight) ?? '', dramaFans, 'new-drama')) / dramaFans.length,
      );
    expect(shares.get('0')).toBe(0);
    // Seeded draws, 200 users: within 0.1 of the weight (about three standard deviations at 0.5).
    for (const weight of ['0.1', '0.5', '0.9'])
      expect(Math.abs((shares.get(weight) ?? NaN) - Number(weight))).toBeLessThan(0.1);
    expect(shares.get('0.1')).toBeLessThan(shares.get('0.5') ?? NaN);
    expect(shares.get('0.5')).toBeLessThan(shares.get('0.9') ?? NaN);
    // Users of another genre are not its audience.
    expect(await reached(h, campaigns.get('0.9') ?? '', actionFans, 'new-drama')).toBe(0);
  });

  it('explores the same way whatever numResults asks for: the first 10 of a list of 30 are the list of 10', async () => {
    const campaignArn = campaigns.get('0.9') ?? '';
    for (const userId of dramaFans.slice(0, 20)) {
      const ids = async (numResults: number) =>
        (
          (await h.runtime.send(new GetRecommendationsCommand({ campaignArn, userId, numResults })))
            .itemList ?? []
        ).map((i) => i.itemId);
      expect((await ids(30)).slice(0, 10)).toEqual(await ids(10));
    }
  });

  it('with weight 0 never appears, over many requests and several automatic updates', async () => {
    for (let update = 0; update < 3; update++) {
      // New data since the last update, so the next one runs (and exploration draws again).
      await clicks(h, p, `update-${update}`, DRAMA_CLICKS);
      await time.advance(AUTOMATIC_UPDATE_MS);
      expect(await reached(h, campaigns.get('0') ?? '', dramaFans, 'new-drama')).toBe(0);
    }
  });

  it('honours a filter while exploring: an excluded genre is never tried, and the list stays full', async () => {
    const { filterArn = '' } = await h.personalize.send(
      new CreateFilterCommand({
        name: 'explore-no-drama',
        datasetGroupArn: p.datasetGroupArn,
        filterExpression: 'EXCLUDE ItemID WHERE Items.GENRE IN ("Drama")',
      }),
    );
    await waitFor(
      async () => {
        const { filter } = await h.personalize.send(new DescribeFilterCommand({ filterArn }));
        if (filter?.status !== 'ACTIVE') await time.advance(h.transitionMs);
        return filter?.status;
      },
      (status) => status === 'ACTIVE',
      'the filter',
    );
    const campaign = campaigns.get('0.9') ?? '';
    expect(await reached(h, campaign, dramaFans.slice(0, 50), 'new-drama')).toBeGreaterThan(30);
    expect(await reached(h, campaign, dramaFans.slice(0, 50), 'new-drama', { filterArn })).toBe(0);
  });
});

describe('explorationItemAgeCutOff', () => {
  const time = new ManualTime(Date.UTC(2026, 0, 5, 9));
  let h: Harness;
  let p: Provisioned;
  const dramaFans = Array.from({ length: 80 }, (_, k) => `cutoff-fan-${k}`);

  beforeAll(async () => {
    h = await startHarness({ time, keepState: false });
    // Two Drama items nobody else touched, one event each: item-26's 60 days before the data's latest event,
    // item-29's on its last day. Both have little interactions data; only their age differs.
    const csv = fixtureCsvs();
    const latest = 1_700_000_000 + 29 * 1000 + 11 * 60;
    const interactions = `${csv.interactions}old-fan,${itemId(26)},click,${latest - 60 * 86_400}\nrecent-fan,${itemId(29)},click,${latest - 600}\n`;
    p = await provision(h, 'cutoff', 'aws-user-personalization', {
      csv: { ...csv, interactions },
      performAutoTraining: false,
    });
    for (const user of dramaFans) await clicks(h, p, user, DRAMA_CLICKS);
  });
  afterAll(() => h.close());

  it('explores only items younger than the cut-off (days before the latest interaction)', async () => {
    const thirty = await campaignWith(h, p, 'cutoff-30', {
      explorationWeight: '1',
      explorationItemAgeCutOff: '30',
    });
    const ninety = await campaignWith(h, p, 'cutoff-90', {
      explorationWeight: '1',
      explorationItemAgeCutOff: '90',
    });
    const inTen = (campaign: string, item: string) =>
      reached(h, campaign, dramaFans, item, { numResults: 10 });
    expect(await inTen(thirty, itemId(26))).toBe(0);
    // Weight 1 tries all eleven young Drama items on every Drama fan, each placed among the first 25.
    expect(await inTen(ninety, itemId(26))).toBeGreaterThan(dramaFans.length / 4);
    expect(await inTen(thirty, itemId(29))).toBeGreaterThan(dramaFans.length / 4);
    expect(await inTen(ninety, itemId(29))).toBeGreaterThan(dramaFans.length / 4);
  });

  it('CreateCampaign refuses an explorationWeight outside 0-1 or a cut-off of 0 days, naming the field', async () => {
    const create = (config: Record<string, string>) =>
      h.personalize.send(
        new CreateCampaignCommand({
          name: 'cutoff-bad',
          solutionVersionArn: p.solutionVersionArn,
          campaignConfig: { itemExplorationConfig: config },
        }),
      );
    await expect(create({ explorationWeight: '1.5' })).rejects.toThrow(InvalidInputException);
    await expect(create({ explorationWeight: '1.5' })).rejects.toThrow(/explorationWeight/);
    await expect(create({ explorationItemAgeCutOff: '0' })).rejects.toThrow(/explorationItemAgeCutOff/);
  });
});
