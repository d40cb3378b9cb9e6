// First import: the factories set the test environment before any SDK client is created.
import {
  DATASET_GROUP_ARN,
  EVENT_TRACKER_ARN,
  TRACKING_ID,
  mockEventTrackers,
  mockTrackerBeingCreated,
  serviceError,
} from './factories';
import { expect } from '@jest/globals';
import {
  DescribeEventTrackerCommand,
  ListEventTrackersCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { EventTrackerNotActiveError, NotFoundError, isRetryable } from '../../lambda/shared/errors';
import { TRACKING_IDS_REFRESH_MS, TrackingIdGuard } from '../../lambda/shared/trackers';

const personalize = mockClient(PersonalizeClient);
const client = new PersonalizeClient({ region: 'us-east-1' });
const OTHER_TRACKING_ID = 'tracking-id-of-another-application';

/** A guard on a clock the test moves. */
function guardAt(start = 1_000_000, env: NodeJS.ProcessEnv = { DATASET_GROUP_ARN }) {
  const clock = { now: start };
  return { guard: new TrackingIdGuard(client, env, () => clock.now), clock };
}

beforeEach(() => {
  personalize.reset();
  mockEventTrackers(personalize);
});

describe('TrackingIdGuard', () => {
  it("knows the tracking ids of the stack's dataset group's event trackers, and no other", async () => {
    const { guard } = guardAt();

    expect(await guard.isOwn(TRACKING_ID)).toBe(true);
    expect(await guard.isOwn(OTHER_TRACKING_ID)).toBe(false);
    expect(personalize).toHaveReceivedCommandWith(ListEventTrackersCommand, {
      datasetGroupArn: DATASET_GROUP_ARN,
    });
  });

  it('reads every page of ListEventTrackers and describes each tracker once', async () => {
    const arn = (n: number) => `${DATASET_GROUP_ARN.replace('dataset-group/movies', 'event-tracker')}/t${n}`;
    personalize
      .on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN, nextToken: undefined })
      .resolves({ eventTrackers: [{ eventTrackerArn: arn(1) }], nextToken: 'page-2' })
      .on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN, nextToken: 'page-2' })
      .resolves({ eventTrackers: [{ eventTrackerArn: arn(2) }] })
      .on(DescribeEventTrackerCommand, { eventTrackerArn: arn(1) })
      .resolves({ eventTracker: { trackingId: 'first' } })
      .on(DescribeEventTrackerCommand, { eventTrackerArn: arn(2) })
      .resolves({ eventTracker: { trackingId: 'second' } });
    const { guard, clock } = guardAt();

    expect(await guard.isOwn('second')).toBe(true);
    expect(await guard.isOwn('first')).toBe(true);
    clock.now += TRACKING_IDS_REFRESH_MS;
    expect(await guard.isOwn('third')).toBe(false);

    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 4);
    expect(personalize).toHaveReceivedCommandTimes(DescribeEventTrackerCommand, 2);
  });

  it('caches: a known tracking id costs no call', async () => {
    const { guard, clock } = guardAt();

    await guard.isOwn(TRACKING_ID);
    clock.now += 10 * TRACKING_IDS_REFRESH_MS;
    await guard.isOwn(TRACKING_ID);

    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);
  });

  it('refreshes on a miss at most once every 30 s', async () => {
    const { guard, clock } = guardAt();

    await guard.isOwn(TRACKING_ID);
    await guard.isOwn(OTHER_TRACKING_ID);
    clock.now += TRACKING_IDS_REFRESH_MS - 1;
    await guard.isOwn(OTHER_TRACKING_ID);
    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);

    clock.now += 1;
    await guard.isOwn(OTHER_TRACKING_ID);
    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 2);
  });

  it('learns a tracker created since the last refresh, once 30 s have passed', async () => {
    const { guard, clock } = guardAt();
    expect(await guard.isOwn('new-tracking-id')).toBe(false);

    mockEventTrackers(personalize, [TRACKING_ID, 'new-tracking-id']);
    clock.now += TRACKING_IDS_REFRESH_MS;

    expect(await guard.isOwn('new-tracking-id')).toBe(true);
  });

  it('shares one load between concurrent lookups', async () => {
    const { guard } = guardAt();

    await Promise.all([guard.isOwn(TRACKING_ID), guard.isOwn(TRACKING_ID), guard.isOwn('x')]);

    expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);
  });

  it('does not cache a failed load: the error reaches the caller and the next lookup tries again', async () => {
    personalize
      .on(ListEventTrackersCommand)
      .rejectsOnce(serviceError('ThrottlingException', 'Rate exceeded'));
    const { guard } = guardAt();

    await expect(guard.isOwn(TRACKING_ID)).rejects.toThrow('Rate exceeded');
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    mockEventTrackers(personalize);
    expect(await guard.isOwn(TRACKING_ID)).toBe(true);
  });

  it('fails loudly when DATASET_GROUP_ARN is not set, instead of letting any tracking id through', async () => {
    const { guard } = guardAt(0, {});

    await expect(guard.isOwn(TRACKING_ID)).rejects.toThrow('DATASET_GROUP_ARN is not set');
    expect(personalize).not.toHaveReceivedAnyCommand();
  });

  it('assertOwn throws a 404 naming the tracking id', async () => {
    const { guard } = guardAt();

    const error = await guard.assertOwn(OTHER_TRACKING_ID).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFoundException',
      message: expect.stringContaining(OTHER_TRACKING_ID),
    });
    await expect(guard.assertOwn(TRACKING_ID)).resolves.toBeUndefined();
  });

  describe('a tracker being created', () => {
    it('is own, but accepts no events until described ACTIVE: a 409 naming it and its status, retryable', async () => {
      personalize.reset();
      mockTrackerBeingCreated(personalize, [
        'CREATE PENDING',
        'CREATE PENDING',
        'CREATE IN_PROGRESS',
        'ACTIVE',
      ]);
      const { guard } = guardAt();

      expect(await guard.isOwn(TRACKING_ID)).toBe(true);
      const pending = await guard.acceptsEvents(TRACKING_ID).catch((thrown: unknown) => thrown);
      const inProgress = await guard.assertOwn(TRACKING_ID).catch((thrown: unknown) => thrown);

      expect(pending).toBeInstanceOf(EventTrackerNotActiveError);
      expect(pending).toMatchObject({
        statusCode: 409,
        code: 'ResourceInUseException',
        message: `event tracker ${EVENT_TRACKER_ARN} is not active yet (CREATE PENDING): retry in a few seconds`,
      });
      expect(inProgress).toMatchObject({ status: 'CREATE IN_PROGRESS', eventTrackerArn: EVENT_TRACKER_ARN });
      expect(isRetryable(pending)).toBe(true);
      expect(await guard.acceptsEvents(TRACKING_ID)).toBe(true);
      expect(await guard.acceptsEvents(TRACKING_ID)).toBe(true);
      // Described once to learn the tracking id, then once per lookup until ACTIVE, and never after.
      expect(personalize).toHaveReceivedCommandTimes(DescribeEventTrackerCommand, 4);
      expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);
    });

    it('holds events back while a tracker of the group has no tracking id yet, and learns it once it has', async () => {
      personalize.reset();
      personalize.on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN }).resolves({
        eventTrackers: [{ eventTrackerArn: EVENT_TRACKER_ARN, status: 'CREATE PENDING' }],
      });
      personalize
        .on(DescribeEventTrackerCommand, { eventTrackerArn: EVENT_TRACKER_ARN })
        .resolvesOnce({ eventTracker: { status: 'CREATE PENDING' } })
        .resolvesOnce({ eventTracker: { status: 'CREATE PENDING' } })
        .resolves({ eventTracker: { trackingId: TRACKING_ID, status: 'ACTIVE' } });
      const { guard } = guardAt();

      await expect(guard.acceptsEvents(TRACKING_ID)).rejects.toThrow(EventTrackerNotActiveError);
      expect(await guard.acceptsEvents(TRACKING_ID)).toBe(true);
      expect(await guard.acceptsEvents('tracking-id-of-another-application')).toBe(false);
      expect(personalize).toHaveReceivedCommandTimes(ListEventTrackersCommand, 1);
    });
  });
});
