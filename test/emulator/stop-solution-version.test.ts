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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Training that takes a second, so a version is seen in CREATE IN_PROGRESS. */
const TRAINING_MS = 1000;
const slowTrain: Train = async (recipe, data) => {
  await sleep(TRAINING_MS);
  return train(recipe, data);
};

describe('Personalize emulator StopSolutionVersionCreation and training modes', () => {
  let h: Harness;
  let p: Provisioned;

  beforeAll(async () => {
    h = await startHarness({ transitionMs: 150, models: { train: slowTrain, loadModel } });
    p = await provision(h, 'stop');
  });
  afterAll(() => h.close());

  const newVersion = async () =>
    (await h.personalize.send(new CreateSolutionVersionCommand({ solutionArn: p.solutionArn })))
      .solutionVersionArn ?? '';
  const stop = (solutionVersionArn: string) =>
    h.personalize.send(new StopSolutionVersionCreationCommand({ solutionVersionArn }));

  test('a version in CREATE PENDING goes to CREATE STOPPED, and never trains', async () => {
    const arn = await newVersion();
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE PENDING');
    await stop(arn);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
    await sleep(TRAINING_MS + 500);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
  });

  test('a version in CREATE IN_PROGRESS goes CREATE STOPPING → CREATE STOPPED; what it trained is discarded', async () => {
    const arn = await newVersion();
    await waitFor(
      () => statusOf.solutionVersion(h, arn),
      (s) => s === 'CREATE IN_PROGRESS',
      'training to start',
    );
    await stop(arn);
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPING');
    await waitFor(
      () => statusOf.solutionVersion(h, arn),
      (s) => s === 'CREATE STOPPED',
      'the version to stop',
    );
    await sleep(TRAINING_MS + 500);
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
    const arn = await newVersion();
    await waitFor(
      () => statusOf.solutionVersion(h, arn),
      (s) => s === 'CREATE IN_PROGRESS',
      'training to start',
    );
    await stop(arn);
    h = await h.restart();
    expect(await statusOf.solutionVersion(h, arn)).toBe('CREATE STOPPED');
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
