import {
  CreateDatasetGroupCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  InvalidInputException,
  ListSolutionVersionsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateSolutionCommand,
  type CreateSolutionCommandInput,
  type SolutionVersionSummary,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand } from '@aws-sdk/client-personalize-events';
import { DEFAULT_AUTO_TRAINING_DELAY_MS, ManualTime } from '../../local/personalize';
import { itemId, provision, settle, startHarness, statusOf, type Harness } from './harness';

// Every test here runs on a ManualTime with AWS's own delays (an hour to the first automatic training, days
// between them): a test proves that nothing happens by advancing the emulator's time past the moment it
// would have happened, and sees what does happen at the moment it falls due, whatever the machine's load.
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60 * 1000;
const RECIPE = 'arn:aws:personalize:::recipe/aws-user-personalization';

async function versionsOf(h: Harness, solutionArn: string): Promise<SolutionVersionSummary[]> {
  const { solutionVersions = [] } = await h.personalize.send(
    new ListSolutionVersionsCommand({ solutionArn }),
  );
  return solutionVersions;
}

async function solutionOf(h: Harness, solutionArn: string) {
  const { solution } = await h.personalize.send(new DescribeSolutionCommand({ solutionArn }));
  if (!solution) throw new Error(`No solution ${solutionArn}`);
  return solution;
}

/** A dataset group with nothing in it: a version trained on it fails, which is enough to see one start. */
async function emptyGroup(h: Harness, name: string): Promise<string> {
  const { datasetGroupArn = '' } = await h.personalize.send(new CreateDatasetGroupCommand({ name }));
  await settle(h, 'datasetGroup', datasetGroupArn);
  return datasetGroupArn;
}

async function activeSolution(
  h: Harness,
  input: Omit<CreateSolutionCommandInput, 'recipeArn'> & { datasetGroupArn: string },
): Promise<string> {
  const { solutionArn = '' } = await h.personalize.send(
    new CreateSolutionCommand({ recipeArn: RECIPE, ...input }),
  );
  await settle(h, 'solution', solutionArn);
  return solutionArn;
}

describe('Personalize emulator automatic training (performAutoTraining, UpdateSolution)', () => {
  describe('defaults and schedules', () => {
    let h: Harness;
    let group: string;

    beforeAll(async () => {
      h = await startHarness({ keepState: false, time: new ManualTime() });
      group = await emptyGroup(h, 'auto-defaults');
    });
    afterAll(() => h.close());

    test('a new solution trains automatically by default, every 7 days, the first within an hour of ACTIVE (as on AWS)', async () => {
      expect(DEFAULT_AUTO_TRAINING_DELAY_MS).toBe(60 * 60 * 1000);
      const solutionArn = await activeSolution(h, { name: 'by-default', datasetGroupArn: group });
      const solution = await solutionOf(h, solutionArn);
      expect(solution.performAutoTraining).toBe(true);
      expect(solution.solutionConfig?.autoTrainingConfig).toEqual({ schedulingExpression: 'rate(7 days)' });
      // Nothing trains before the hour is up; within the hour, one automatic version starts.
      await time(h).advance(HOUR_MS - MINUTE_MS);
      expect(await versionsOf(h, solutionArn)).toEqual([]);
      await time(h).advance(MINUTE_MS);
      expect((await versionsOf(h, solutionArn)).map((v) => v.trainingType)).toEqual(['AUTOMATIC']);
    });

    test('performAutoTraining false is kept, with no schedule shown', async () => {
      const solutionArn = await activeSolution(h, {
        name: 'manual-only',
        datasetGroupArn: group,
        performAutoTraining: false,
      });
      const solution = await solutionOf(h, solutionArn);
      expect(solution.performAutoTraining).toBe(false);
      expect(solution.solutionConfig?.autoTrainingConfig).toBeUndefined();
    });

    test('schedulingExpression is rate(N days) with N from 1 to 30; anything else is InvalidInputException naming it', async () => {
      for (const [i, schedulingExpression] of ['rate(1 day)', 'rate(30 days)', 'rate(3 days)'].entries()) {
        const solutionArn = await activeSolution(h, {
          name: `every-${i}`,
          datasetGroupArn: group,
          solutionConfig: { autoTrainingConfig: { schedulingExpression } },
        });
        expect((await solutionOf(h, solutionArn)).solutionConfig?.autoTrainingConfig).toEqual({
          schedulingExpression,
        });
      }
      for (const schedulingExpression of [
        'rate(0 days)',
        'rate(31 days)',
        'rate(7 hours)',
        'rate(7days)',
        'cron(0 0 * * ? *)',
        'rate(100000 days)',
        '',
      ]) {
        const error = await h.personalize
          .send(
            new CreateSolutionCommand({
              name: 'bad-schedule',
              datasetGroupArn: group,
              recipeArn: RECIPE,
              solutionConfig: { autoTrainingConfig: { schedulingExpression } },
            }),
          )
          .then(
            () => new Error(`${schedulingExpression} accepted`),
            (e: Error) => e,
          );
        expect(error).toBeInstanceOf(InvalidInputException);
        expect(error.message).toMatch(/solutionConfig.autoTrainingConfig.schedulingExpression/);
      }
    });
  });

  describe('automatic versions', () => {
    let h: Harness;

    afterEach(() => h.close());

    test('after the delay an AUTOTRAIN version (trainingType AUTOMATIC) starts, then one per period while interactions arrive', async () => {
      h = await startHarness({ keepState: false, time: new ManualTime() });
      const p = await provision(h, 'auto');
      const solutionArn = await activeSolution(h, {
        name: 'auto-daily',
        datasetGroupArn: p.datasetGroupArn,
        solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(1 day)' } },
      });
      await time(h).advance(HOUR_MS - MINUTE_MS);
      expect(await versionsOf(h, solutionArn)).toEqual([]);
      await time(h).advance(MINUTE_MS);
      const [first, ...others] = await versionsOf(h, solutionArn);
      expect(others).toEqual([]);
      expect(first).toMatchObject({ trainingMode: 'AUTOTRAIN', trainingType: 'AUTOMATIC' });
      const firstArn = first?.solutionVersionArn ?? '';
      expect(await settle(h, 'solutionVersion', firstArn)).toBe('ACTIVE');
      const { solutionVersion } = await h.personalize.send(
        new DescribeSolutionVersionCommand({ solutionVersionArn: firstArn }),
      );
      expect(solutionVersion).toMatchObject({ trainingMode: 'AUTOTRAIN', trainingType: 'AUTOMATIC' });
      expect((await solutionOf(h, solutionArn)).latestSolutionVersion).toMatchObject({
        solutionVersionArn: firstArn,
        trainingType: 'AUTOMATIC',
      });

      // New interactions: the next period trains again, a day after the first.
      await h.events.send(
        new PutEventsCommand({
          trackingId: p.trackingId,
          userId: 'user-1',
          sessionId: 's1',
          eventList: [{ eventType: 'click', itemId: itemId(3), sentAt: new Date() }],
        }),
      );
      await time(h).advance(DAY_MS - 10 * MINUTE_MS);
      expect(await versionsOf(h, solutionArn)).toHaveLength(1);
      await time(h).advance(10 * MINUTE_MS);
      const versions = await versionsOf(h, solutionArn);
      expect(versions.map((v) => v.trainingType)).toEqual(['AUTOMATIC', 'AUTOMATIC']);
      expect(await settle(h, 'solutionVersion', versions[0]?.solutionVersionArn ?? '')).toBe('ACTIVE');

      // No interactions since the last training: AWS skips the rounds, and so does the emulator.
      await time(h).advance(3 * DAY_MS);
      expect(await versionsOf(h, solutionArn)).toHaveLength(2);
    });

    test('a solution with performAutoTraining false never trains by itself', async () => {
      h = await startHarness({ keepState: false, time: new ManualTime() });
      const group = await emptyGroup(h, 'auto-off');
      const on = await activeSolution(h, {
        name: 'on',
        datasetGroupArn: group,
        solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(1 day)' } },
      });
      const off = await activeSolution(h, {
        name: 'off',
        datasetGroupArn: group,
        performAutoTraining: false,
        solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(1 day)' } },
      });
      // The solution with auto training on, on the same clock, trains (and fails: the group is empty).
      await time(h).advance(HOUR_MS + 3 * DAY_MS);
      expect((await versionsOf(h, on)).length).toBeGreaterThanOrEqual(1);
      expect(await versionsOf(h, off)).toEqual([]);
    });

    test('a version created by hand before the first automatic one skips it, as on AWS', async () => {
      h = await startHarness({ keepState: false, time: new ManualTime() });
      const group = await emptyGroup(h, 'auto-skip');
      const solutionArn = await activeSolution(h, { name: 'skip-first', datasetGroupArn: group });
      const { solutionVersionArn } = await h.personalize.send(
        new CreateSolutionVersionCommand({ solutionArn }),
      );
      await settle(h, 'solutionVersion', solutionVersionArn ?? '');
      // Past the first automatic training, short of the next (7 days on).
      await time(h).advance(2 * HOUR_MS);
      expect((await versionsOf(h, solutionArn)).map((v) => [v.solutionVersionArn, v.trainingType])).toEqual([
        [solutionVersionArn, 'MANUAL'],
      ]);
    });

    test('a round that falls due while a version is being created is skipped (ResourceInUseException), and the schedule holds', async () => {
      // Steps of 20 minutes: a version created by hand 10 minutes before a round is still CREATE PENDING at it.
      h = await startHarness({ keepState: false, time: new ManualTime(), transitionMs: 20 * MINUTE_MS });
      const group = await emptyGroup(h, 'auto-busy');
      const solutionArn = await activeSolution(h, {
        name: 'busy',
        datasetGroupArn: group,
        solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(1 day)' } },
      });
      const activeAt = time(h).now();
      const advanceTo = (at: number) => time(h).advance(at - time(h).now());
      const trainingTypes = async () => (await versionsOf(h, solutionArn)).map((v) => v.trainingType);
      // The first round (an hour on) trains, and fails: the group is empty.
      await advanceTo(activeAt + HOUR_MS);
      const [first] = await versionsOf(h, solutionArn);
      await settle(h, 'solutionVersion', first?.solutionVersionArn ?? '');

      await advanceTo(activeAt + HOUR_MS + DAY_MS - 10 * MINUTE_MS);
      const { solutionVersionArn: manual = '' } = await h.personalize.send(
        new CreateSolutionVersionCommand({ solutionArn }),
      );
      const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await advanceTo(activeAt + HOUR_MS + DAY_MS);
        expect(await statusOf.solutionVersion(h, manual)).toBe('CREATE PENDING');
        expect(await trainingTypes()).toEqual(['MANUAL', 'AUTOMATIC']);
        expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([
          expect.stringMatching(/automatic training of .*solution\/busy skipped: .*in progress/),
        ]);
      } finally {
        logged.mockRestore();
      }
      await settle(h, 'solutionVersion', manual);
      // The next round, a day later, trains.
      await advanceTo(activeAt + HOUR_MS + 2 * DAY_MS - MINUTE_MS);
      expect(await trainingTypes()).toEqual(['MANUAL', 'AUTOMATIC']);
      await advanceTo(activeAt + HOUR_MS + 2 * DAY_MS);
      expect(await trainingTypes()).toEqual(['AUTOMATIC', 'MANUAL', 'AUTOMATIC']);
    });

    test('the schedule is kept in the state directory: a restart does not move the next automatic training', async () => {
      h = await startHarness({ time: new ManualTime() });
      const group = await emptyGroup(h, 'auto-durable');
      const solutionArn = await activeSolution(h, { name: 'durable', datasetGroupArn: group });
      await time(h).advance(30 * MINUTE_MS);
      // Restarted with a delay of a day: a schedule worked out again at start would not train for a day;
      // the stored one is due an hour after the solution became ACTIVE.
      h = await h.restart({ autoTrainingDelayMs: DAY_MS });
      await time(h).advance(29 * MINUTE_MS);
      expect(await versionsOf(h, solutionArn)).toEqual([]);
      await time(h).advance(MINUTE_MS);
      const versions = await versionsOf(h, solutionArn);
      expect(versions.map((v) => v.trainingType)).toEqual(['AUTOMATIC']);
    });
  });

  describe('UpdateSolution', () => {
    let h: Harness;

    afterEach(() => h.close());

    test('needs an ACTIVE solution (ResourceInUseException) that exists (ResourceNotFoundException)', async () => {
      h = await startHarness({ keepState: false, time: new ManualTime() });
      const group = await emptyGroup(h, 'update-pending');
      const { solutionArn = '' } = await h.personalize.send(
        new CreateSolutionCommand({ name: 'pending', datasetGroupArn: group, recipeArn: RECIPE }),
      );
      expect(await statusOf.solution(h, solutionArn)).toBe('CREATE PENDING');
      await expect(
        h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: false })),
      ).rejects.toThrow(ResourceInUseException);
      await expect(
        h.personalize.send(
          new UpdateSolutionCommand({ solutionArn: `${solutionArn}-nope`, performAutoTraining: false }),
        ),
      ).rejects.toThrow(ResourceNotFoundException);
      await settle(h, 'solution', solutionArn);
    });

    test('the update goes CREATE PENDING → CREATE IN_PROGRESS → ACTIVE in latestSolutionUpdate, and applies at ACTIVE', async () => {
      h = await startHarness({ keepState: false, time: new ManualTime() });
      const group = await emptyGroup(h, 'update-steps');
      const solutionArn = await activeSolution(h, { name: 'steps', datasetGroupArn: group });
      const { solutionArn: answered } = await h.personalize.send(
        new UpdateSolutionCommand({
          solutionArn,
          solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: 'rate(3 days)' } },
        }),
      );
      expect(answered).toBe(solutionArn);
      // One update at a time.
      await expect(
        h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: false })),
      ).rejects.toThrow(ResourceInUseException);
      const seen = [(await solutionOf(h, solutionArn)).latestSolutionUpdate?.status];
      // Each step is one transition of the emulator's clock.
      for (const _ of ['to IN_PROGRESS', 'to ACTIVE']) {
        await time(h).advance(h.transitionMs);
        seen.push((await solutionOf(h, solutionArn)).latestSolutionUpdate?.status);
      }
      expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
      const last = await solutionOf(h, solutionArn);
      expect(last.status).toBe('ACTIVE');
      expect(last.latestSolutionUpdate).toMatchObject({
        performAutoTraining: true,
        solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: 'rate(3 days)' } },
      });
      expect(last.latestSolutionUpdate?.creationDateTime).toBeInstanceOf(Date);
      expect(last.solutionConfig?.autoTrainingConfig).toEqual({ schedulingExpression: 'rate(3 days)' });
      await expect(
        h.personalize.send(
          new UpdateSolutionCommand({
            solutionArn,
            solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: 'rate(31 days)' } },
          }),
        ),
      ).rejects.toThrow(/solutionUpdateConfig.autoTrainingConfig.schedulingExpression/);
    });

    test('turning auto training off cancels the automatic versions to come; turning it on starts them again', async () => {
      h = await startHarness({ keepState: false, time: new ManualTime() });
      const group = await emptyGroup(h, 'update-off');
      const solutionArn = await activeSolution(h, { name: 'off-then-on', datasetGroupArn: group });
      await h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: false }));
      await time(h).advance(2 * h.transitionMs);
      expect((await solutionOf(h, solutionArn)).latestSolutionUpdate?.status).toBe('ACTIVE');
      expect((await solutionOf(h, solutionArn)).performAutoTraining).toBe(false);
      await time(h).advance(8 * DAY_MS);
      expect(await versionsOf(h, solutionArn)).toEqual([]);

      await h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: true }));
      await time(h).advance(2 * h.transitionMs + HOUR_MS - MINUTE_MS);
      expect(await versionsOf(h, solutionArn)).toEqual([]);
      await time(h).advance(MINUTE_MS);
      const versions = await versionsOf(h, solutionArn);
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ trainingMode: 'AUTOTRAIN', trainingType: 'AUTOMATIC' });
      expect((await solutionOf(h, solutionArn)).performAutoTraining).toBe(true);
    });

    test('an update and auto training being off are kept across a restart', async () => {
      h = await startHarness({ time: new ManualTime() });
      const group = await emptyGroup(h, 'update-durable');
      const solutionArn = await activeSolution(h, { name: 'durable-off', datasetGroupArn: group });
      await h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: false }));
      // Restarted mid-update: the update completes.
      h = await h.restart();
      const solution = await solutionOf(h, solutionArn);
      expect(solution.performAutoTraining).toBe(false);
      expect(solution.latestSolutionUpdate).toMatchObject({ status: 'ACTIVE', performAutoTraining: false });
      await time(h).advance(8 * DAY_MS);
      expect(await versionsOf(h, solutionArn)).toEqual([]);
    });
  });
});

function time(h: Harness): ManualTime {
  if (!h.time) throw new Error('This test needs a harness on a ManualTime');
  return h.time;
}
