import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateEventTrackerCommand, DeleteEventTrackerCommand } from '@aws-sdk/client-personalize';
import { PutEventsCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { itemId, provision, settle, startHarness, statusOf, waitFor, type Harness } from './harness';

// PutEvents' eventId, as Personalize documents it: "Amazon Personalize uses the event ID to distinguish
// unique events. Any subsequent events after the first with the same event ID are not used in model
// training." A repeated id (in the tracker's dataset group) is acknowledged, and used neither for training
// nor for live recommendations; the ids are kept across restarts.

describe('PutEvents eventId', () => {
  let h: Harness;
  afterEach(() => h.close());

  const put = (trackingId: string, eventId: string, item: number, userId = 'user-7') =>
    h.events.send(
      new PutEventsCommand({
        trackingId,
        userId,
        sessionId: `s-${userId}`,
        eventList: [{ eventId, eventType: 'click', itemId: itemId(item), sentAt: new Date() }],
      }),
    );
  const recordedWith = (eventId: string) =>
    readFileSync(join(h.stateDir, 'live-data.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes(`"eventId":"${eventId}"`)).length;

  test('an event id sent again is acknowledged but not used, also after a restart', async () => {
    h = await startHarness();
    const p = await provision(h, 'ids');
    const recommend = async () =>
      (
        await h.runtime.send(
          new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'user-7', numResults: 500 }),
        )
      ).itemList;
    await put(p.trackingId, 'first', 3);
    const afterFirst = await recommend();

    // The same id with another item: accepted, ignored (the recommendations do not move).
    await expect(put(p.trackingId, 'first', 11)).resolves.toBeDefined();
    expect(await recommend()).toEqual(afterFirst);
    expect(recordedWith('first')).toBe(1);
    // Twice in one call: the first is used.
    await h.events.send(
      new PutEventsCommand({
        trackingId: p.trackingId,
        userId: 'user-8',
        sessionId: 's-8',
        eventList: [4, 5].map((i) => ({
          eventId: 'twin',
          eventType: 'click',
          itemId: itemId(i),
          sentAt: new Date(),
        })),
      }),
    );
    expect(recordedWith('twin')).toBe(1);
    const beforeRestart = await recommend();

    h = await h.restart();

    await expect(put(p.trackingId, 'first', 12)).resolves.toBeDefined();
    expect(recordedWith('first')).toBe(1);
    expect(await recommend()).toEqual(beforeRestart);
  });

  test("ids are the dataset group's: a new tracker of the same group does not use them again", async () => {
    h = await startHarness();
    const p = await provision(h, 'regroup');
    await put(p.trackingId, 'kept', 2);
    await h.personalize.send(new DeleteEventTrackerCommand({ eventTrackerArn: p.eventTrackerArn }));
    await waitFor(
      () => statusOf.eventTracker(h, p.eventTrackerArn).catch((e: Error) => e.name),
      (s) => s === 'ResourceNotFoundException',
      'the tracker to be gone',
    );
    const tracker = await h.personalize.send(
      new CreateEventTrackerCommand({ name: 'regroup-tracker-2', datasetGroupArn: p.datasetGroupArn }),
    );
    await settle(h, 'eventTracker', tracker.eventTrackerArn ?? '');

    await expect(put(tracker.trackingId ?? '', 'kept', 9)).resolves.toBeDefined();
    await put(tracker.trackingId ?? '', 'new', 9);

    expect(recordedWith('kept')).toBe(1);
    expect(recordedWith('new')).toBe(1);
  });
});
