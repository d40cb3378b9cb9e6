import { expect } from '@jest/globals';
import { CreateCampaignCommand } from '@aws-sdk/client-personalize';
import { PutEventsCommand, type Event } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { itemId, provision, settle, startHarness, type Harness, type Provisioned } from './harness';

// Impressions (local/personalize/impressions.ts): an item shown to a user several times, by the recommendationId of
// a list the emulator answered or by an explicit `impression` list, and never clicked, drops in that user's list;
// clicking it restores it. Each test compares a user with a twin who sent the same clicks without impressions, on a
// campaign that does not explore (explorationWeight 0: exploration draws differ from user to user).

describe('Impressions lower what a user was shown and ignored (real SDK clients)', () => {
  let h: Harness;
  let p: Provisioned;
  let campaignArn = '';

  beforeAll(async () => {
    h = await startHarness({ keepState: false });
    p = await provision(h, 'impressions');
    ({ campaignArn = '' } = await h.personalize.send(
      new CreateCampaignCommand({
        name: 'impressions-no-exploration',
        solutionVersionArn: p.solutionVersionArn,
        campaignConfig: { itemExplorationConfig: { explorationWeight: '0' } },
      }),
    ));
    await settle(h, 'campaign', campaignArn);
  });
  afterAll(() => h.close());

  const send = (userId: string, events: Event[]) =>
    h.events.send(
      new PutEventsCommand({ trackingId: p.trackingId, userId, sessionId: `s-${userId}`, eventList: events }),
    );
  const click = (item: string, extra: Partial<Event> = {}): Event => ({
    eventType: 'click',
    itemId: item,
    sentAt: new Date(),
    ...extra,
  });
  const list = async (userId: string, numResults = 10) => {
    const answer = await h.runtime.send(new GetRecommendationsCommand({ campaignArn, userId, numResults }));
    return {
      ids: (answer.itemList ?? []).map((i) => i.itemId ?? ''),
      score: (item: string) => answer.itemList?.find((i) => i.itemId === item)?.score ?? 0,
      recommendationId: answer.recommendationId ?? '',
    };
  };

  it('items on a list a click cites by recommendationId drop, and drop further each time they are shown again', async () => {
    for (const user of ['rid-user', 'rid-twin']) await send(user, [click(itemId(2)), click(itemId(5))]);
    // The twin sends the same clicks without the recommendationId: the same profile, no impressions.
    const answerWith = async (recommendationId: string) => {
      await send('rid-user', [click(itemId(2), { recommendationId })]);
      await send('rid-twin', [click(itemId(2))]);
      return { user: await list('rid-user', 4), twin: await list('rid-twin', 4) };
    };
    const newToUser = (ids: readonly string[]) => ids.filter((id) => id !== itemId(2) && id !== itemId(5));
    const shownOnce = await list('rid-user', 4);
    expect((await list('rid-twin', 4)).ids).toEqual(shownOnce.ids);
    const once = await answerWith(shownOnce.recommendationId);
    expect(newToUser(shownOnce.ids).length).toBeGreaterThan(0);
    for (const id of newToUser(shownOnce.ids)) expect(once.user.score(id)).toBeLessThan(once.twin.score(id));
    // The list just answered was shown too: what it shows again, still ignored, drops further.
    const twice = await answerWith(once.user.recommendationId);
    const again = newToUser(once.user.ids).filter((id) => shownOnce.ids.includes(id));
    expect(again.length).toBeGreaterThan(0);
    for (const id of again) {
      expect(twice.user.score(id)).toBeLessThan(once.user.score(id));
      expect(twice.user.score(id)).toBeLessThan(twice.twin.score(id));
    }
  });

  it('an explicit impression list lowers the item it names, and a click on it restores it', async () => {
    for (const user of ['listed-user', 'listed-twin']) await send(user, [click(itemId(2)), click(itemId(5))]);
    const [, , shownItem = ''] = (await list('listed-user')).ids;
    for (let shown = 0; shown < 4; shown++) {
      await send('listed-user', [click(itemId(5), { impression: [itemId(5), shownItem] })]);
      await send('listed-twin', [click(itemId(5))]);
    }
    const lowered = await list('listed-user', 25);
    const twin = await list('listed-twin', 25);
    expect(twin.ids.indexOf(shownItem)).toBe(2);
    expect(lowered.ids.indexOf(shownItem) === -1 || lowered.ids.indexOf(shownItem) > 2).toBe(true);
    // Both click it: the impressions are cleared, the two lists are the same again.
    for (const user of ['listed-user', 'listed-twin']) await send(user, [click(shownItem)]);
    expect((await list('listed-user', 25)).ids).toEqual((await list('listed-twin', 25)).ids);
  });

  it('a batch of events citing one recommendationId counts one impression, and an unknown id changes nothing', async () => {
    for (const user of ['batch-user', 'single-user', 'unknown-user', 'plain-user'])
      await send(user, [click(itemId(2)), click(itemId(5))]);
    const shown = await list('batch-user');
    const single = await list('single-user');
    expect(single.ids).toEqual(shown.ids);
    // Ten clicks from one list count as one impression of each item on it, as one click citing it does.
    const tenClicks = (recommendationId?: string) =>
      Array.from({ length: 10 }, (_, k) =>
        click(
          itemId(2),
          recommendationId !== undefined && (k === 0 || recommendationId === shown.recommendationId)
            ? { recommendationId }
            : {},
        ),
      );
    await send('batch-user', tenClicks(shown.recommendationId));
    await send('single-user', tenClicks(single.recommendationId));
    await send('plain-user', tenClicks());
    expect((await list('batch-user', 25)).ids).toEqual((await list('single-user', 25)).ids);
    expect((await list('batch-user', 25)).ids).not.toEqual((await list('plain-user', 25)).ids);
    // An id the emulator never gave names no list: nothing is counted.
    await send('unknown-user', tenClicks('RID-not-one-the-emulator-gave'));
    expect((await list('unknown-user', 25)).ids).toEqual((await list('plain-user', 25)).ids);
  });
});
