/**
 * recommendationId and impression end to end in local mode: the unchanged handlers with their real SDK clients,
 * through the local gateway, Kinesis and the consumer, to the Personalize emulator. A click sent through POST /data
 * citing the recommendationId of the list it came from lowers, for that user, the other items of that list; an
 * explicit `impression` through POST /putEvents lowers the items it names. Each user is compared with a twin who
 * sent the same clicks without them, on a campaign created through POST /campaign with explorationWeight "0"
 * (exploration draws differ from user to user). Bad values are refused with 400 before anything is sent. Items
 * added with PutItems reach the campaign at User-Personalization's automatic update, here every 500 ms
 * (`automaticUpdateMs`), or at once through the emulator's admin route.
 */
import { expect } from '@jest/globals';
import { join } from 'node:path';
import { ListDatasetsCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import {
  PersonalizeEventsClient,
  PutEventsCommand,
  PutItemsCommand,
} from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { deployedLocalMode } from './deployed';
import { acceptedEvents, waitFor } from './helpers';

jest.setTimeout(360_000);

interface Answer {
  readonly ids: string[];
  readonly recommendationId: string;
  score(itemId: string): number;
}

describe('recommendationId and impression through local mode’s gateway', () => {
  // explorationWeight "0": exploration draws differ from user to user, twins must get the same lists.
  const deployed = deployedLocalMode({
    name: 'impressions',
    start: { automaticUpdateMs: 500 },
    campaignConfig: { itemExplorationConfig: { explorationWeight: '0' } },
    eventTracker: true,
  });
  const ok = (method: string, path: string, body?: unknown) => deployed().ok(method, path, body);
  const api = (method: string, path: string, body?: unknown) => deployed().api(method, path, body);

  const recommend = async (userId: string, numResults: number): Promise<Answer> => {
    const query = new URLSearchParams({
      campaignArn: deployed().campaignArn,
      userId,
      numResults: String(numResults),
    });
    const body = (await ok('GET', `/getRecommendations?${query}`)) as unknown as {
      itemList: Array<{ itemId: string; score: number }>;
      recommendationId: string;
    };
    return {
      ids: body.itemList.map((item) => item.itemId),
      recommendationId: body.recommendationId,
      score: (itemId) => body.itemList.find((item) => item.itemId === itemId)?.score ?? 0,
    };
  };
  const click = (userId: string, itemId: string, extra: Record<string, unknown> = {}) => ({
    userId,
    itemId,
    eventType: 'click',
    trackingId: deployed().trackingId,
    interactions: 1,
    ...extra,
  });
  const accepted = (userId: string) =>
    acceptedEvents(join(deployed().stateDir, 'personalize')).filter(
      (event) => event.interaction.userId === userId,
    ).length;
  /** Two users with the same two clicks: the same profile. */
  const twins = async (user: string, twin: string): Promise<[string, string]> => {
    const [first = '', second = ''] = (await recommend(`${user}-seed`, 2)).ids;
    for (const userId of [user, twin])
      for (const itemId of [first, second]) await ok('POST', '/putEvents', click(userId, itemId));
    return [first, second];
  };

  it('a click through POST /data citing a recommendationId lowers the other items of that list for that user', async () => {
    const [first] = await twins('via-data', 'via-data-twin');
    const shown = await recommend('via-data', 6);
    expect((await recommend('via-data-twin', 6)).ids).toEqual(shown.ids);
    for (const [userId, extra] of [
      ['via-data', { recommendationId: shown.recommendationId }],
      ['via-data-twin', {}],
    ] as const) {
      const sent = await api('POST', '/data', {
        'stream-name': 'ignored',
        PartitionKey: userId,
        Data: click(userId, first ?? '', extra),
      });
      expect(sent.status).toBe(200);
    }
    // Asynchronous: the stream's consumer delivers both within seconds.
    await waitFor(
      'both clicks through the stream',
      () => Promise.resolve(accepted('via-data') === 3 && accepted('via-data-twin') === 3 ? true : undefined),
      60_000,
      50,
    );
    const user = await recommend('via-data', 25);
    const twin = await recommend('via-data-twin', 25);
    const ignored = shown.ids.filter((id) => twin.ids.includes(id) && twin.score(id) > 0 && id !== first);
    expect(ignored.length).toBeGreaterThan(0);
    for (const id of ignored) expect(user.score(id)).toBeLessThan(twin.score(id));
  });

  it('an explicit impression through POST /putEvents lowers the items it names, a click on one restores it', async () => {
    const [first, second] = await twins('listed', 'listed-twin');
    const shownItem = (await recommend('listed', 10)).ids.find((id) => id !== first && id !== second) ?? '';
    for (let shown = 0; shown < 3; shown++) {
      await ok('POST', '/putEvents', click('listed', first ?? '', { impression: [first, shownItem] }));
      await ok('POST', '/putEvents', click('listed-twin', first ?? ''));
    }
    const lowered = await recommend('listed', 25);
    const twin = await recommend('listed-twin', 25);
    expect(lowered.score(shownItem)).toBeLessThan(twin.score(shownItem) / 10);
    for (const userId of ['listed', 'listed-twin']) await ok('POST', '/putEvents', click(userId, shownItem));
    expect((await recommend('listed', 25)).ids).toEqual((await recommend('listed-twin', 25)).ids);
  });

  it('an item added with PutItems reaches the campaign at the automatic update, or at once through the admin route', async () => {
    const { local } = deployed();
    const config = {
      endpoint: local.personalize.endpoint,
      region: local.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const personalize = new PersonalizeClient(config);
    const events = new PersonalizeEventsClient(config);
    try {
      const { datasets = [] } = await personalize.send(
        new ListDatasetsCommand({ datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn] }),
      );
      const datasetArn = datasets.find((d) => d.datasetType?.toUpperCase() === 'ITEMS')?.datasetArn;
      // A user who clicked the new item gets it back (their own items come back) once the catalogue has it.
      const listOfItsFan = async (itemId: string) => (await recommend(`fan-of-${itemId}`, 25)).ids;
      const added = async (itemId: string) => {
        await events.send(
          new PutItemsCommand({
            datasetArn,
            items: [{ itemId, properties: JSON.stringify({ genre: 'Drama', year: '2026' }) }],
          }),
        );
        await ok('POST', '/putEvents', click(`fan-of-${itemId}`, itemId));
      };
      await added('added-on-schedule');
      // The update every 500 ms here (two hours on AWS) brings it in.
      await waitFor(
        'the automatic update to bring the new item in',
        async () =>
          (await listOfItsFan('added-on-schedule')).includes('added-on-schedule') ? true : undefined,
        30_000,
        50,
      );
      await added('added-now');
      const answer = await fetch(`${local.personalize.endpoint}/_emulator/automatic-updates`, {
        method: 'POST',
        headers: { 'x-emulator-admin': '1' },
      });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { updated: string[] }).updated.length).toBeGreaterThan(0);
      expect(await listOfItsFan('added-now')).toContain('added-now');
    } finally {
      personalize.destroy();
      events.destroy();
    }
  });

  it.each([
    ['a recommendationId of 41 characters', { recommendationId: 'R'.repeat(41) }, 'recommendationId'],
    [
      'an impression list of 26 items',
      { impression: Array.from({ length: 26 }, (_, k) => `${k}`) },
      'impression',
    ],
    ['an impression that is not a list', { impression: '1' }, 'impression'],
  ])('refuses %s with 400 on both routes, sending nothing', async (_case, extra, field) => {
    const userId = `refused-${field}-${Object.keys(extra).length}-${JSON.stringify(extra).length}`;
    const direct = await api('POST', '/putEvents', click(userId, '1', extra));
    expect(direct.status).toBe(400);
    expect((direct.body as { message: string }).message).toContain(field);
    const streamed = await api('POST', '/data', {
      'stream-name': 'ignored',
      PartitionKey: userId,
      Data: click(userId, '1', extra),
    });
    // API Gateway's model validation, before the stream (its messages name the rule, not the field).
    expect(streamed.status).toBe(400);
    expect(accepted(userId)).toBe(0);
  });
  // Last: the handlers' SDK clients keep the first run's endpoints, so after the restart the test talks to the
  // restarted emulator with SDK clients of its own.
  it('impressions, and the lists answered by recommendationId, survive a restart of local mode', async () => {
    const [first] = await twins('kept', 'kept-twin');
    const shown = await recommend('kept', 6);
    await ok('POST', '/putEvents', click('kept', first ?? '', { recommendationId: shown.recommendationId }));
    await ok('POST', '/putEvents', click('kept-twin', first ?? ''));
    const lowered = (user: Answer, twin: Answer) =>
      shown.ids.filter((id) => id !== first && twin.ids.includes(id) && user.score(id) < twin.score(id));
    const before = lowered(await recommend('kept', 25), await recommend('kept-twin', 25));
    expect(before.length).toBeGreaterThan(0);
    // Answered before the restart, cited after it.
    const later = await recommend('kept', 6);

    const local = await deployed().restart();
    const { campaignArn, trackingId } = deployed();
    const config = {
      endpoint: local.personalize.endpoint,
      region: local.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const runtime = new PersonalizeRuntimeClient(config);
    const events = new PersonalizeEventsClient(config);
    try {
      const sdkRecommend = async (userId: string): Promise<Answer> => {
        const answer = await runtime.send(
          new GetRecommendationsCommand({ campaignArn, userId, numResults: 25 }),
        );
        const itemList = answer.itemList ?? [];
        return {
          ids: itemList.map((item) => item.itemId ?? ''),
          recommendationId: answer.recommendationId ?? '',
          score: (itemId) => itemList.find((item) => item.itemId === itemId)?.score ?? 0,
        };
      };
      const sdkClick = (userId: string, recommendationId?: string) =>
        events.send(
          new PutEventsCommand({
            trackingId,
            userId,
            sessionId: `after-restart-${userId}`,
            eventList: [
              {
                eventType: 'click',
                itemId: first,
                sentAt: new Date(),
                ...(recommendationId ? { recommendationId } : {}),
              },
            ],
          }),
        );
      const user = await sdkRecommend('kept');
      expect(lowered(user, await sdkRecommend('kept-twin'))).toEqual(before);
      await sdkClick('kept', later.recommendationId);
      await sdkClick('kept-twin');
      const cited = await sdkRecommend('kept');
      const citedIds = later.ids.filter((id) => id !== first && user.score(id) > 0);
      expect(citedIds.length).toBeGreaterThan(0);
      for (const id of citedIds) expect(cited.score(id)).toBeLessThan(user.score(id));
    } finally {
      runtime.destroy();
      events.destroy();
    }
  });
});
