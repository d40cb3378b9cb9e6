import {
  CreateCampaignCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  InvalidInputException,
  ResourceInUseException,
  ResourceNotFoundException,
  StopSolutionVersionCreationCommand,
} from '@aws-sdk/client-personalize';
import { ManualTime } from '../../local/personalize';
import { loadModel, train } from '../../local/personalize/model';
import type { Train } from '../../local/personalize/model/types';
import {
  provision,
  settle,
  startHarness,
  statusOf,
  waitFor,
  type Harness,
  type Provisioned,
} from './harness';

/**
 * Training that the test can hold (a version then stays CREATE IN_PROGRESS however long the machine takes)
 * and release; `trainings` counts those started and finished.
 */
const gate = {
  held: Promise.resolve(),
  release: () => undefined as void,
  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  },
};
const trainings = { started: 0, finished: 0 };
const heldTrain: Train = async (recipe, data, pacer) => {
  trainings.started += 1;
  await gate.held;
  const trained = await train(recipe, data, pacer);
  trainings.finished += 1;
  return trained;
};

describe('Personalize emulator StopSolutionVersionCreation and training modes', () => {
  let h: Harness;
  let p: Provisioned;

  beforeAll(async () => {
    h = await startHarness({ time: new ManualTime(), models: { train: heldTrain, loadModel } });
    p = await provision(h, 'stop');
  });
  afterEach(() => gate.release());
  afterAll(() => h.close());

  const time = (): ManualTime => {
    if (!h.time) throw new Error('The harness runs on a ManualTime');
    return h.time;
  };
  /** Lets held training finish, and waits until the one started after `startedBefore` trainings has. */
  const releaseTraining = async (startedBefore: number): Promise<void> => {
    gate.release();
    await waitFor(
      () => Promise.resolve({ ...trainings }),
      (t) => t.started > startedBefore && t.finished === t.started,
      'the training released to finish',
    );
  };

  const newVersion = async () =>
    (await h.personalize.send(new CreateSolutionVersionCommand({ solutionArn: p.solutionArn })))
      .solutionVersionArn ?? '';
  const stop = (solutionVersionArn: string) =>
    h.personalize.send(new StopSolutionVersionCreationCommand({ solutionVersionArn }));

  test('a version in CREATE PENDING goes to CREATE STOPPED, and never trains', async () => {
    const started = trainings.started;
    const arn = await newVersion();
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE PENDING');
    await stop(arn);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
    await time().advance(10 * h.transitionMs);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
    expect(trainings.started).toBe(started);
  });

  test('a version in CREATE IN_PROGRESS goes CREATE STOPPING → CREATE STOPPED; what it trained is discarded', async () => {
    gate.hold();
    const startedBefore = trainings.started;
    const arn = await newVersion();
    await time().advance(h.transitionMs);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE IN_PROGRESS');
    await stop(arn);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPING');
    await time().advance(h.transitionMs);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
    // The training finishes after the stop: its result is discarded, and the version stays stopped.
    await releaseTraining(startedBefore);
    await time().advance(10 * h.transitionMs);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
    await expect(
      h.personalize.send(new GetSolutionMetricsCommand({ solutionVersionArn: arn })),
    ).rejects.toThrow(ResourceInUseException);
    await expect(
      h.personalize.send(new CreateCampaignCommand({ name: 'stopped-campaign', solutionVersionArn: arn })),
    ).rejects.toThrow(ResourceInUseException);
  });

  test('after a stop the solution trains a new version', async () => {
    const stopped = await newVersion();
    await stop(stopped);
    const next = await newVersion();
    expect(await settle(h, 'solutionVersion', next)).toBe('ACTIVE');
  });

  test('a version no longer being created cannot be stopped (ResourceInUseException); an unknown one is ResourceNotFoundException', async () => {
    await expect(stop(p.solutionVersionArn)).rejects.toThrow(ResourceInUseException);
    await expect(stop(p.solutionVersionArn)).rejects.toThrow(/ACTIVE/);
    await expect(stop(`${p.solutionArn}/00000000`)).rejects.toThrow(ResourceNotFoundException);
  });

  test('a version still CREATE STOPPING when the emulator stops is CREATE STOPPED after the restart', async () => {
    gate.hold();
    const startedBefore = trainings.started;
    const arn = await newVersion();
    await time().advance(h.transitionMs);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE IN_PROGRESS');
    await stop(arn);
    h = await h.restart();
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
    await releaseTraining(startedBefore);
  });

  test('trainingMode takes the three values of the model; AUTOTRAIN by hand trains fully and is MANUAL', async () => {
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: p.solutionArn, trainingMode: 'AUTOTRAIN' }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    const { solutionVersion } = await h.personalize.send(
      new DescribeSolutionVersionCommand({ solutionVersionArn }),
    );
    expect(solutionVersion).toMatchObject({ trainingMode: 'AUTOTRAIN', trainingType: 'MANUAL' });
    await expect(
      h.personalize.send(
        new CreateSolutionVersionCommand({
          solutionArn: p.solutionArn,
          trainingMode: 'INCREMENTAL' as 'FULL',
        }),
      ),
    ).rejects.toThrow(/enum value set: \[FULL, UPDATE, AUTOTRAIN\]/);
  });

  test('UPDATE needs user-personalization and an ACTIVE version trained in full (InvalidInputException)', async () => {
    const { solutionArn = '' } = await h.personalize.send(
      new CreateSolutionCommand({
        name: 'stop-popular',
        datasetGroupArn: p.datasetGroupArn,
        recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count',
        performAutoTraining: false,
      }),
    );
    await settle(h, 'solution', solutionArn);
    await expect(
      h.personalize.send(new CreateSolutionVersionCommand({ solutionArn, trainingMode: 'UPDATE' })),
    ).rejects.toThrow(InvalidInputException);
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: p.solutionArn, trainingMode: 'UPDATE' }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
  });
});
