import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateCampaignCommand,
  CreateDatasetGroupCommand,
  CreateEventTrackerCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteEventTrackerCommand,
} from '@aws-sdk/client-personalize';
import {
  InvalidInputException as EventsInvalidInputException,
  PutEventsCommand,
  PutItemsCommand,
  PutUsersCommand,
  ResourceNotFoundException as EventsResourceNotFoundException,
  type Event,
} from '@aws-sdk/client-personalize-events';
import {
  GetPersonalizedRankingCommand,
  GetRecommendationsCommand,
  InvalidInputException,
  ResourceNotFoundException,
} from '@aws-sdk/client-personalize-runtime';
import {
  fixtureCsvs,
  genreOf,
  ITEM_COUNT,
  itemId,
  provision,
  settle,
  startHarness,
  type Harness,
  type Provisioned,
} from './harness';
import { readCsv } from '../../local/personalize/csv';

const click = (item: string, extra: Partial<Event> = {}): Event => ({
  eventType: 'click',
  itemId: item,
  sentAt: new Date(),
  ...extra,
});

describe('Personalize emulator events and runtime APIs (restJson1, real SDK clients)', () => {
  let h: Harness;
  let p: Provisioned;

  beforeAll(async () => {
    h = await startHarness();
    p = await provision(h, 'rt');
  });
  afterAll(() => h.close());

  async function recommend(userId: string, numResults?: number) {
    return h.runtime.send(new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId, numResults }));
  }

  async function campaignFor(recipe: string): Promise<string> {
    const { solutionArn = '' } = await h.personalize.send(
      new CreateSolutionCommand({
        name: `rt-${recipe}`,
        datasetGroupArn: p.datasetGroupArn,
        recipeArn: `arn:aws:personalize:::recipe/${recipe}`,
      }),
    );
    await settle(h, 'solution', solutionArn);
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    const { campaignArn = '' } = await h.personalize.send(
      new CreateCampaignCommand({ name: `rt-${recipe}-campaign`, solutionVersionArn }),
    );
    await settle(h, 'campaign', campaignArn);
    return campaignArn;
  }

  describe('GetRecommendations', () => {
    test('returns 25 items by default, with a recommendationId of at most 40 characters', async () => {
      const { itemList = [], recommendationId = '' } = await recommend('user-1');
      expect(itemList).toHaveLength(25);
      expect(recommendationId.length).toBeGreaterThan(0);
      expect(recommendationId.length).toBeLessThanOrEqual(40);
    });

    test('user-personalization scores are in [0, 1], descending, and sum to 1 over the whole catalogue', async () => {
      const { itemList = [] } = await recommend('user-2', 500);
      expect(itemList).toHaveLength(ITEM_COUNT);
      const scores = itemList.map((i) => i.score ?? -1);
      for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
      for (const s of scores) expect(s).toBeLessThanOrEqual(1);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    });

    test('numResults is at most 500, 0 (the model allows it) means the default 25, and userId is required', async () => {
      await expect(recommend('user-1', 501)).rejects.toThrow(InvalidInputException);
      await expect(recommend('user-1', 501)).rejects.toThrow(/numResults/);
      await expect(recommend('user-1', -1)).rejects.toThrow(/numResults/);
      expect((await recommend('user-1', 0)).itemList).toHaveLength(25);
      await expect(
        h.runtime.send(new GetRecommendationsCommand({ campaignArn: p.campaignArn })),
      ).rejects.toThrow(/userId is required/);
      await expect(recommend('u'.repeat(257))).rejects.toThrow(/userId/);
    });

    test('an unknown campaign is ResourceNotFoundException', async () => {
      await expect(
        h.runtime.send(
          new GetRecommendationsCommand({
            campaignArn: 'arn:aws:personalize:us-east-1:000000000000:campaign/nope',
            userId: 'u',
          }),
        ),
      ).rejects.toThrow(ResourceNotFoundException);
    });

    test('a user never seen gets the popular items', async () => {
      const counts = new Map<string, number>();
      for (const { fields } of readCsv(fixtureCsvs().interactions).slice(1)) {
        const item = fields[1] ?? '';
        counts.set(item, (counts.get(item) ?? 0) + 1);
      }
      const mostPopular = [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([item]) => item);
      const { itemList = [] } = await recommend('a-user-never-seen', 10);
      const overlap = itemList.filter((i) => mostPopular.includes(i.itemId ?? '')).length;
      expect(overlap).toBeGreaterThanOrEqual(6);
    });

    test("PutEvents changes that user's next recommendations without retraining, toward what they just did", async () => {
      // user-0 watched Action items; they now click Drama items.
      const dramaShare = (items: { itemId?: string }[]) =>
        items.filter((i) => genreOf(Number((i.itemId ?? '').split('-')[1])) === 'Drama').length /
        items.length;
      const before = (await recommend('user-0', 10)).itemList ?? [];
      const dramaItems = [2, 5, 8, 11, 14].map(itemId);
      await h.events.send(
        new PutEventsCommand({
          trackingId: p.trackingId,
          userId: 'user-0',
          sessionId: 'session-0',
          eventList: dramaItems.map((i) => click(i)),
        }),
      );
      const after = (await recommend('user-0', 10)).itemList ?? [];
      expect(after.map((i) => i.itemId)).not.toEqual(before.map((i) => i.itemId));
      expect(dramaShare(after)).toBeGreaterThan(dramaShare(before));
    });

    test('an item added with PutItems becomes recommendable at the automatic update', async () => {
      await h.events.send(
        new PutItemsCommand({
          datasetArn: p.itemsDatasetArn,
          items: [
            { itemId: 'brand-new-movie', properties: JSON.stringify({ genre: 'Action', year: '2025' }) },
          ],
        }),
      );
      // User-Personalization takes new items at its two-hourly automatic update (exploration.test.ts times it).
      expect((await recommend('user-3', 500)).itemList?.map((i) => i.itemId)).not.toContain(
        'brand-new-movie',
      );
      expect(h.emulator.runAutomaticUpdates()).toContain(p.solutionVersionArn);
      const { itemList = [] } = await recommend('user-3', 500);
      expect(itemList.map((i) => i.itemId)).toContain('brand-new-movie');
      // The softmax covers the whole catalogue, the new item included.
      expect(itemList).toHaveLength(ITEM_COUNT + 1);
      expect(itemList.reduce((sum, i) => sum + (i.score ?? 0), 0)).toBeCloseTo(1, 6);
    });

    test('a filterArn no filter has is ResourceNotFoundException naming it', async () => {
      const filterArn = 'arn:aws:personalize:us-east-1:000000000000:filter/no-watched';
      await expect(
        h.runtime.send(new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'u', filterArn })),
      ).rejects.toThrow(ResourceNotFoundException);
      await expect(
        h.runtime.send(new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'u', filterArn })),
      ).rejects.toThrow(/filter\/no-watched/);
    });
  });

  describe('PutEvents', () => {
    test('accepts 1 to 10 events and enforces the documented field lengths (InvalidInputException)', async () => {
      const put = (input: Partial<ConstructorParameters<typeof PutEventsCommand>[0]>) =>
        h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            userId: 'user-5',
            sessionId: 's',
            eventList: [click('item-1')],
            ...input,
          }),
        );
      await expect(put({})).resolves.toBeDefined();
      await expect(
        put({ eventList: Array.from({ length: 10 }, () => click('item-1')) }),
      ).resolves.toBeDefined();
      await expect(put({ eventList: [] })).rejects.toThrow(EventsInvalidInputException);
      await expect(put({ eventList: Array.from({ length: 11 }, () => click('item-1')) })).rejects.toThrow(
        /eventList/,
      );
      await expect(put({ sessionId: '' })).rejects.toThrow(/sessionId/);
      await expect(put({ sessionId: 's'.repeat(257) })).rejects.toThrow(/sessionId/);
      await expect(put({ userId: 'u'.repeat(257) })).rejects.toThrow(/userId/);
      await expect(put({ trackingId: 't'.repeat(257) })).rejects.toThrow(/trackingId/);
      await expect(put({ eventList: [click('i'.repeat(257))] })).rejects.toThrow(/itemId/);
      await expect(put({ eventList: [click('item-1', { eventType: '' })] })).rejects.toThrow(/eventType/);
      await expect(put({ eventList: [click('item-1', { eventId: 'e'.repeat(257) })] })).rejects.toThrow(
        /eventId/,
      );
    });

    test('accepts the optional event fields the SDK sends: properties, eventValue, impression, recommendationId', async () => {
      const { recommendationId } = await recommend('user-8', 3);
      await expect(
        h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            userId: 'user-8',
            sessionId: 's8',
            eventList: [
              click('item-3', {
                eventId: 'with-extras',
                eventValue: 4.5,
                properties: JSON.stringify({ device: 'phone' }),
                impression: ['item-3', 'item-6'],
                recommendationId,
              }),
            ],
          }),
        ),
      ).resolves.toBeDefined();
      await expect(
        h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            sessionId: 's8',
            eventList: [click('item-3', { properties: 'not json' })],
          }),
        ),
      ).rejects.toThrow(/eventList.1.properties/);
    });

    test('each optional event field is checked as the service documents it, naming its path', async () => {
      const put = (event: Partial<Event>) =>
        h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            userId: 'user-9',
            sessionId: 's9',
            eventList: [click('item-1'), click('item-2', event)],
          }),
        );
      const rejects = async (event: Partial<Event>, message: RegExp) => {
        const error = await put(event).then(
          () => new Error('accepted'),
          (e: Error) => e,
        );
        expect(error).toBeInstanceOf(EventsInvalidInputException);
        expect(error.message).toMatch(message);
      };
      await rejects(
        { properties: JSON.stringify({ note: 'n'.repeat(1100) }) },
        /eventList.2.properties.*1024/,
      );
      await rejects(
        { properties: JSON.stringify({ userId: 'someone-else' }) },
        /eventList.2.properties.*userId/,
      );
      await rejects({ impression: [] }, /eventList.2.impression/);
      await rejects(
        { impression: Array.from({ length: 26 }, (_, i) => `item-${i}`) },
        /eventList.2.impression/,
      );
      await rejects({ impression: ['item-1', ''] }, /eventList.2.impression.2/);
      await rejects({ impression: ['i'.repeat(257)] }, /eventList.2.impression.1/);
      await rejects({ recommendationId: 'r'.repeat(41) }, /eventList.2.recommendationId/);
      await rejects({ sentAt: undefined }, /eventList.2.sentAt/);
      await rejects({ eventId: '' }, /eventList.2.eventId/);
      await rejects({ metricAttribution: { eventAttributionSource: '' } }, /eventAttributionSource/);
      await expect(
        put({ eventValue: 3, impression: ['item-2'], metricAttribution: { eventAttributionSource: 'web' } }),
      ).resolves.toBeDefined();
      // What the SDK cannot send but another client can: a number as eventValue, an object as properties.
      const raw = (event: Record<string, unknown>) =>
        fetch(`${h.emulator.endpoint}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            trackingId: p.trackingId,
            sessionId: 's9',
            eventList: [{ eventType: 'click', itemId: 'item-1', sentAt: 1_700_000_000, ...event }],
          }),
        });
      const badValue = await raw({ eventValue: 'high' });
      expect(badValue.status).toBe(400);
      expect(await badValue.text()).toMatch(/eventList.1.eventValue/);
      const objectProperties = await raw({ properties: { device: 'phone' } });
      expect(objectProperties.status).toBe(400);
      expect(await objectProperties.text()).toMatch(/eventList.1.properties.*JSON string/);
    });

    test("PutItems properties must name the Items schema's fields (camelCase) with values of their types", async () => {
      const put = (properties: string) =>
        h.events.send(
          new PutItemsCommand({
            datasetArn: p.itemsDatasetArn,
            items: [{ itemId: 'checked-item', properties }],
          }),
        );
      await expect(put(JSON.stringify({ genre: 'Drama', year: '2001' }))).resolves.toBeDefined();
      await expect(put(JSON.stringify({ genre: 'Drama', year: '2001', rating: 5 }))).rejects.toThrow(
        EventsInvalidInputException,
      );
      await expect(put(JSON.stringify({ genre: 'Drama', year: '2001', rating: 5 }))).rejects.toThrow(
        /'items.1.properties' has the key rating, which is not a field of the schema/,
      );
      await expect(put(JSON.stringify({ genre: 'Drama' }))).rejects.toThrow(
        /missing the required schema field\(s\) YEAR/,
      );
      await expect(put(JSON.stringify({ genre: 7, year: '2001' }))).rejects.toThrow(
        /'items.1.properties.genre' must be a string/,
      );
      await expect(put(JSON.stringify({ genre: 'x'.repeat(32_001), year: '2001' }))).rejects.toThrow(
        /items.1.properties.*32000/,
      );
      await expect(put('[1]')).rejects.toThrow(/'items.1.properties' is not a JSON object/);
    });

    test('an unknown trackingId is InvalidInputException naming it (the only error the model declares for PutEvents)', async () => {
      const error = await h.events
        .send(
          new PutEventsCommand({
            trackingId: 'no-such-tracker',
            sessionId: 's',
            eventList: [click('item-1')],
          }),
        )
        .then(
          () => new Error('accepted'),
          (e: Error) => e,
        );
      expect(error).toBeInstanceOf(EventsInvalidInputException);
      expect(error.message).toMatch(/no-such-tracker/);
      expect((error as EventsInvalidInputException).$metadata.httpStatusCode).toBe(400);
    });

    test("a deleted tracker's trackingId is InvalidInputException naming it", async () => {
      const { datasetGroupArn = '' } = await h.personalize.send(
        new CreateDatasetGroupCommand({ name: 'rt-deleted-tracker' }),
      );
      await settle(h, 'datasetGroup', datasetGroupArn);
      const { eventTrackerArn = '', trackingId = '' } = await h.personalize.send(
        new CreateEventTrackerCommand({ name: 'rt-deleted-tracker', datasetGroupArn }),
      );
      await settle(h, 'eventTracker', eventTrackerArn);
      const put = () =>
        h.events.send(new PutEventsCommand({ trackingId, sessionId: 's', eventList: [click('item-1')] }));
      await expect(put()).resolves.toBeDefined();
      await h.personalize.send(new DeleteEventTrackerCommand({ eventTrackerArn }));
      await expect(put()).rejects.toThrow(EventsInvalidInputException);
      await expect(put()).rejects.toThrow(trackingId);
    });

    test('a retried event (same eventId) is acknowledged again but recorded once', async () => {
      const event = click('item-9', { eventId: 'retry-me' });
      for (let attempt = 0; attempt < 3; attempt++) {
        await h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            userId: 'user-6',
            sessionId: 's6',
            eventList: [event],
          }),
        );
      }
      const log = readFileSync(join(h.stateDir, 'live-data.jsonl'), 'utf8');
      expect(log.split('\n').filter((line) => line.includes('"retry-me"'))).toHaveLength(1);
    });

    test('PutItems and PutUsers need an existing dataset of the right type', async () => {
      await expect(
        h.events.send(
          new PutItemsCommand({ datasetArn: `${p.itemsDatasetArn}-nope`, items: [{ itemId: 'x' }] }),
        ),
      ).rejects.toThrow(EventsResourceNotFoundException);
      await expect(
        h.events.send(
          new PutItemsCommand({ datasetArn: p.interactionsDatasetArn, items: [{ itemId: 'x' }] }),
        ),
      ).rejects.toThrow(/not Items/);
      await expect(
        h.events.send(
          new PutItemsCommand({
            datasetArn: p.itemsDatasetArn,
            items: Array.from({ length: 11 }, (_, i) => ({ itemId: `x${i}` })),
          }),
        ),
      ).rejects.toThrow(EventsInvalidInputException);
      await expect(
        h.events.send(
          new PutUsersCommand({
            datasetArn: p.datasetGroupArn.replace('dataset-group', 'dataset') + '/USERS',
            users: [{ userId: 'u' }],
          }),
        ),
      ).rejects.toThrow(EventsResourceNotFoundException);
    });
  });

  test('a path the emulator does not serve is an error naming it', async () => {
    const response = await fetch(`${h.emulator.endpoint}/action-recommendations`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toEqual({
      message: expect.stringContaining('POST /action-recommendations'),
    });
  });

  describe('fault injection', () => {
    test('injectFaults makes the next PutEvents calls fail, then they succeed again', async () => {
      h.emulator.injectFaults({ PutEvents: { failNext: 2, errorType: 'InternalServerError' } });
      const put = () =>
        h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            userId: 'user-7',
            sessionId: 's7',
            eventList: [click('item-1')],
          }),
        );
      await expect(put()).rejects.toMatchObject({
        name: 'InternalServerError',
        $metadata: { httpStatusCode: 500 },
      });
      await expect(put()).rejects.toThrow(/Injected fault/);
      await expect(put()).resolves.toBeDefined();
    });

    test('POST /_emulator/faults arms the same faults over HTTP, with a chosen error type', async () => {
      const armed = await fetch(`${h.emulator.endpoint}/_emulator/faults`, {
        method: 'POST',
        headers: { 'x-emulator-admin': '1' },
        body: JSON.stringify({ PutEvents: { failNext: 1, errorType: 'ResourceNotFoundException' } }),
      });
      expect(await armed.json()).toEqual({ armed: { PutEvents: 1 } });
      await expect(
        h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            userId: 'user-7',
            sessionId: 's7',
            eventList: [click('item-1')],
          }),
        ),
      ).rejects.toThrow(EventsResourceNotFoundException);
    });
  });

  describe('other recipes', () => {
    test('aws-sims recommends items related to an itemId and requires it', async () => {
      const campaignArn = await campaignFor('aws-sims');
      const { itemList = [] } = await h.runtime.send(
        new GetRecommendationsCommand({ campaignArn, itemId: itemId(0), numResults: 5 }),
      );
      expect(itemList.length).toBeGreaterThan(0);
      expect(itemList.map((i) => i.itemId)).not.toContain(itemId(0));
      await expect(
        h.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: 'user-1' })),
      ).rejects.toThrow(/itemId is required/);
    });

    test('aws-personalized-ranking ranks the given items with GetPersonalizedRanking', async () => {
      const campaignArn = await campaignFor('aws-personalized-ranking');
      const inputList = [itemId(1), itemId(2), itemId(3), itemId(4)];
      const { personalizedRanking = [], recommendationId = '' } = await h.runtime.send(
        new GetPersonalizedRankingCommand({ campaignArn, userId: 'user-0', inputList }),
      );
      expect(personalizedRanking.map((i) => i.itemId).sort()).toEqual([...inputList].sort());
      expect(recommendationId.length).toBeLessThanOrEqual(40);
      await expect(
        h.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: 'user-0' })),
      ).rejects.toThrow(/GetPersonalizedRanking/);
      await expect(
        h.runtime.send(
          new GetPersonalizedRankingCommand({ campaignArn: p.campaignArn, userId: 'user-0', inputList }),
        ),
      ).rejects.toThrow(InvalidInputException);
    });
  });
});
