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
import { DEFAULT_AUTO_TRAINING_DELAY_MS } from '../../local/personalize';
import { itemId, provision, settle, startHarness, waitFor, type Harness } from './harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
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
      h = await startHarness({ keepState: false });
      group = await emptyGroup(h, 'auto-defaults');
    });
    afterAll(() => h.close());

    test('a new solution trains automatically by default, every 7 days, the first within an hour of ACTIVE (as on AWS)', async () => {
      expect(DEFAULT_AUTO_TRAINING_DELAY_MS).toBe(60 * 60 * 1000);
      const solutionArn = await activeSolution(h, { name: 'by-default', datasetGroupArn: group });
      const solution = await solutionOf(h, solutionArn);
      expect(solution.performAutoTraining).toBe(true);
      expect(solution.solutionConfig?.autoTrainingConfig).toEqual({ schedulingExpression: 'rate(7 days)' });
      // Nothing trains before the hour is up.
      await sleep(300);
      expect(await versionsOf(h, solutionArn)).toEqual([]);
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
      // A "day" of 1.5 s: rate(1 day) trains every 1.5 s.
      h = await startHarness({ keepState: false, autoTrainingDelayMs: 400, autoTrainingDayMs: 1500 });
      const p = await provision(h, 'auto');
      const solutionArn = await activeSolution(h, {
        name: 'auto-daily',
        datasetGroupArn: p.datasetGroupArn,
        solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(1 day)' } },
      });
      const activeAt = Date.now();
      const [first] = await waitFor(
        () => versionsOf(h, solutionArn),
        (v) => v.length === 1,
        'the first automatic version',
      );
      expect(Date.now() - activeAt).toBeGreaterThanOrEqual(300);
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

      // New interactions: the next period trains again.
      await h.events.send(
        new PutEventsCommand({
          trackingId: p.trackingId,
          userId: 'user-1',
          sessionId: 's1',
          eventList: [{ eventType: 'click', itemId: itemId(3), sentAt: new Date() }],
        }),
      );
      const versions = await waitFor(
        () => versionsOf(h, solutionArn),
        (v) => v.length === 2,
        'the second automatic version',
      );
      expect(versions.map((v) => v.trainingType)).toEqual(['AUTOMATIC', 'AUTOMATIC']);
      await settle(h, 'solutionVersion', versions[0]?.solutionVersionArn ?? '');

      // No interactions since the last training: AWS skips the round, and so does the emulator.
      await sleep(2000);
      expect(await versionsOf(h, solutionArn)).toHaveLength(2);
    });

    test('a solution with performAutoTraining false never trains by itself', async () => {
      h = await startHarness({ keepState: false, autoTrainingDelayMs: 100, autoTrainingDayMs: 200 });
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
      await waitFor(
        () => versionsOf(h, on),
        (v) => v.length >= 1,
        'an automatic version of the solution with auto training on',
      );
      await sleep(800);
      expect(await versionsOf(h, off)).toEqual([]);
    });

    test('a version created by hand before the first automatic one skips it, as on AWS', async () => {
      h = await startHarness({ keepState: false, autoTrainingDelayMs: 800, autoTrainingDayMs: 60_000 });
      const group = await emptyGroup(h, 'auto-skip');
      const solutionArn = await activeSolution(h, { name: 'skip-first', datasetGroupArn: group });
      const { solutionVersionArn } = await h.personalize.send(
        new CreateSolutionVersionCommand({ solutionArn }),
      );
      await settle(h, 'solutionVersion', solutionVersionArn ?? '');
      await sleep(1500);
      expect((await versionsOf(h, solutionArn)).map((v) => [v.solutionVersionArn, v.trainingType])).toEqual([
        [solutionVersionArn, 'MANUAL'],
      ]);
    });

    test('the schedule is kept in the state directory: a restart does not move the next automatic training', async () => {
      h = await startHarness({ autoTrainingDelayMs: 1500 });
      const group = await emptyGroup(h, 'auto-durable');
      const solutionArn = await activeSolution(h, { name: 'durable', datasetGroupArn: group });
      // Restarted with a delay of a minute: a schedule worked out again at start would not train for a
      // minute; the stored one is due 1.5 s after the solution became ACTIVE.
      h = await h.restart({ autoTrainingDelayMs: 60_000 });
      const versions = await waitFor(
        () => versionsOf(h, solutionArn),
        (v) => v.length === 1,
        'the automatic version due before the restart',
        10_000,
      );
      expect(versions[0]?.trainingType).toBe('AUTOMATIC');
    });
  });

  describe('UpdateSolution', () => {
    let h: Harness;

    afterEach(() => h.close());

    test('needs an ACTIVE solution (ResourceInUseException) that exists (ResourceNotFoundException)', async () => {
      h = await startHarness({ keepState: false, transitionMs: 300 });
      const group = await emptyGroup(h, 'update-pending');
      const { solutionArn = '' } = await h.personalize.send(
        new CreateSolutionCommand({ name: 'pending', datasetGroupArn: group, recipeArn: RECIPE }),
      );
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
      h = await startHarness({ keepState: false, transitionMs: 300 });
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
      const seen: string[] = [];
      const last = await waitFor(
        async () => {
          const solution = await solutionOf(h, solutionArn);
          const status = solution.latestSolutionUpdate?.status ?? '';
          if (seen[seen.length - 1] !== status) seen.push(status);
          return solution;
        },
        (s) => s.latestSolutionUpdate?.status === 'ACTIVE',
        'the update',
      );
      expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
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
      h = await startHarness({ keepState: false, autoTrainingDelayMs: 700, autoTrainingDayMs: 60_000 });
      const group = await emptyGroup(h, 'update-off');
      const solutionArn = await activeSolution(h, { name: 'off-then-on', datasetGroupArn: group });
      await h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: false }));
      await waitFor(
        () => solutionOf(h, solutionArn),
        (s) => s.latestSolutionUpdate?.status === 'ACTIVE',
        'the update turning auto training off',
      );
      expect((await solutionOf(h, solutionArn)).performAutoTraining).toBe(false);
      await sleep(1200);
      expect(await versionsOf(h, solutionArn)).toEqual([]);

      await h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: true }));
      const versions = await waitFor(
        () => versionsOf(h, solutionArn),
        (v) => v.length === 1,
        'the first automatic version after turning auto training on',
      );
      expect(versions[0]).toMatchObject({ trainingMode: 'AUTOTRAIN', trainingType: 'AUTOMATIC' });
      expect((await solutionOf(h, solutionArn)).performAutoTraining).toBe(true);
    });

    test('an update and auto training being off are kept across a restart', async () => {
      h = await startHarness({ autoTrainingDelayMs: 500 });
      const group = await emptyGroup(h, 'update-durable');
      const solutionArn = await activeSolution(h, { name: 'durable-off', datasetGroupArn: group });
      await h.personalize.send(new UpdateSolutionCommand({ solutionArn, performAutoTraining: false }));
      // Restarted mid-update: the update completes.
      h = await h.restart();
      const solution = await solutionOf(h, solutionArn);
      expect(solution.performAutoTraining).toBe(false);
      expect(solution.latestSolutionUpdate).toMatchObject({ status: 'ACTIVE', performAutoTraining: false });
      await sleep(1000);
      expect(await versionsOf(h, solutionArn)).toEqual([]);
    });
  });
});
