import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateEventTrackerCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { INTERACTIONS_SCHEMA, ITEMS_SCHEMA } from '../../lib/contract/personalize-schemas';
import {
  ManualTime,
  startPersonalizeEmulator,
  type PersonalizeEmulator,
  type PersonalizeEmulatorOptions,
} from '../../local/personalize';

/** Lifecycle steps short enough for tests, long enough that PENDING states are observable. */
const TEST_TRANSITION_MS = 30;
const BUCKET = 'test-bucket';

export interface Harness {
  readonly emulator: PersonalizeEmulator;
  readonly s3Dir: string;
  readonly stateDir: string;
  readonly personalize: PersonalizeClient;
  readonly events: PersonalizeEventsClient;
  readonly runtime: PersonalizeRuntimeClient;
  /** The emulator's time when the test passed a ManualTime (`time`): settle() then advances it. */
  readonly time: ManualTime | undefined;
  /** One lifecycle step (`transitionMs`). */
  readonly transitionMs: number;
  /**
   * Restarts the emulator on the same directories (a new process would see the same), with the same
   * options unless `overrides` change some.
   */
  restart(overrides?: Partial<PersonalizeEmulatorOptions>): Promise<Harness>;
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<PersonalizeEmulatorOptions> & { keepState?: boolean } = {},
  dirs?: { s3Dir: string; stateDir: string },
): Promise<Harness> {
  const root = dirs ? undefined : mkdtempSync(join(tmpdir(), 'personalize-emulator-'));
  const s3Dir = dirs?.s3Dir ?? join(root ?? '', 's3');
  const stateDir = dirs?.stateDir ?? join(root ?? '', 'state');
  mkdirSync(join(s3Dir, BUCKET), { recursive: true });
  const emulator = await startPersonalizeEmulator({
    s3Dir,
    stateDir: options.keepState === false ? undefined : stateDir,
    transitionMs: TEST_TRANSITION_MS,
    ...options,
  });
  const config = {
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  const personalize = new PersonalizeClient(config);
  const events = new PersonalizeEventsClient(config);
  const runtime = new PersonalizeRuntimeClient(config);
  const closeClients = (): void => {
    personalize.destroy();
    events.destroy();
    runtime.destroy();
  };
  return {
    emulator,
    s3Dir,
    stateDir,
    personalize,
    events,
    runtime,
    time: options.time instanceof ManualTime ? options.time : undefined,
    transitionMs: options.transitionMs ?? TEST_TRANSITION_MS,
    restart: async (overrides = {}) => {
      closeClients();
      await emulator.close();
      return startHarness({ ...options, ...overrides }, { s3Dir, stateDir });
    },
    close: async () => {
      closeClients();
      await emulator.close();
      if (root) rmSync(root, { recursive: true, force: true });
    },
  };
}

export function writeS3Object(h: Harness, key: string, content: string): string {
  const path = join(h.s3Dir, BUCKET, key);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return `s3://${BUCKET}/${key}`;
}

export const GENRES = ['Action', 'Comedy', 'Drama'] as const;
export const ITEM_COUNT = 60;
export const USER_COUNT = 30;
export const itemId = (i: number): string => `item-${i}`;
/** Items cycle through the genres: item i has genre GENRES[i % 3]. */
export const genreOf = (i: number): string => GENRES[i % GENRES.length] ?? 'Action';

/** A small catalogue where each user watches items of one genre, and low item numbers are the most popular. */
export function fixtureCsvs(): { interactions: string; items: string } {
  const items = ['ITEM_ID,GENRE,YEAR'];
  for (let i = 0; i < ITEM_COUNT; i++)
    items.push(`${itemId(i)},${genreOf(i)}${i % 10 === 0 ? '|Classic' : ''},${1990 + (i % 30)}`);
  const interactions = ['USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP'];
  const start = 1_700_000_000;
  for (let u = 0; u < USER_COUNT; u++) {
    const genre = u % GENRES.length;
    for (let k = 0; k < 12; k++) {
      // Skewed popularity inside the genre: small indices come up more often.
      const rank = (u * 7 + k * k) % 8;
      const item = genre + GENRES.length * rank;
      interactions.push(
        `user-${u},${itemId(item)},${k % 4 === 0 ? 'click' : 'watch'},${start + u * 1000 + k * 60}`,
      );
    }
  }
  return { interactions: interactions.join('\n') + '\n', items: items.join('\n') + '\n' };
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 20000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await probe();
  }
  return last;
}

const terminal = (s: string | undefined): boolean => s === 'ACTIVE' || s === 'CREATE FAILED';

export const statusOf = {
  datasetGroup: async (h: Harness, arn: string) =>
    (await h.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: arn }))).datasetGroup
      ?.status,
  dataset: async (h: Harness, arn: string) =>
    (await h.personalize.send(new DescribeDatasetCommand({ datasetArn: arn }))).dataset?.status,
  importJob: async (h: Harness, arn: string) =>
    (await h.personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: arn })))
      .datasetImportJob?.status,
  solution: async (h: Harness, arn: string) =>
    (await h.personalize.send(new DescribeSolutionCommand({ solutionArn: arn }))).solution?.status,
  solutionVersion: async (h: Harness, arn: string) =>
    (await h.personalize.send(new DescribeSolutionVersionCommand({ solutionVersionArn: arn })))
      .solutionVersion?.status,
  campaign: async (h: Harness, arn: string) =>
    (await h.personalize.send(new DescribeCampaignCommand({ campaignArn: arn }))).campaign?.status,
  eventTracker: async (h: Harness, arn: string) =>
    (await h.personalize.send(new DescribeEventTrackerCommand({ eventTrackerArn: arn }))).eventTracker
      ?.status,
};

/**
 * Waits for a resource to be ACTIVE or CREATE FAILED. On a ManualTime, each look that finds it still moving
 * advances the emulator's time by one lifecycle step.
 */
export async function settle(
  h: Harness,
  kind: keyof typeof statusOf,
  arn: string,
): Promise<string | undefined> {
  return waitFor(
    async () => {
      const status = await statusOf[kind](h, arn);
      if (!terminal(status)) await h.time?.advance(h.transitionMs);
      return status;
    },
    terminal,
    `${kind} ${arn} to settle`,
  );
}

export interface Provisioned {
  readonly datasetGroupArn: string;
  readonly interactionsDatasetArn: string;
  readonly itemsDatasetArn: string;
  readonly solutionArn: string;
  readonly solutionVersionArn: string;
  readonly campaignArn: string;
  readonly trackingId: string;
  readonly eventTrackerArn: string;
}

/** Everything the stack and local mode provision, then a trained version, a campaign and an event tracker. */
export async function provision(
  h: Harness,
  prefix = 'test',
  recipe = 'aws-user-personalization',
  options: { csv?: { interactions: string; items: string }; performAutoTraining?: boolean } = {},
): Promise<Provisioned> {
  const csv = options.csv ?? fixtureCsvs();
  const interactionsLocation = writeS3Object(h, `${prefix}/interactions.csv`, csv.interactions);
  const itemsLocation = writeS3Object(h, `${prefix}/items.csv`, csv.items);
  const { datasetGroupArn = '' } = await h.personalize.send(
    new CreateDatasetGroupCommand({ name: `${prefix}-dsg` }),
  );
  await settle(h, 'datasetGroup', datasetGroupArn);
  const { schemaArn: interactionsSchemaArn } = await h.personalize.send(
    new CreateSchemaCommand({ name: `${prefix}-interactions`, schema: JSON.stringify(INTERACTIONS_SCHEMA) }),
  );
  const { schemaArn: itemsSchemaArn } = await h.personalize.send(
    new CreateSchemaCommand({ name: `${prefix}-items`, schema: JSON.stringify(ITEMS_SCHEMA) }),
  );
  const { datasetArn: interactionsDatasetArn = '' } = await h.personalize.send(
    new CreateDatasetCommand({
      name: `${prefix}-interactions`,
      datasetGroupArn,
      datasetType: 'Interactions',
      schemaArn: interactionsSchemaArn,
    }),
  );
  const { datasetArn: itemsDatasetArn = '' } = await h.personalize.send(
    new CreateDatasetCommand({
      name: `${prefix}-items`,
      datasetGroupArn,
      datasetType: 'Items',
      schemaArn: itemsSchemaArn,
    }),
  );
  await settle(h, 'dataset', interactionsDatasetArn);
  await settle(h, 'dataset', itemsDatasetArn);
  const jobs = await Promise.all([
    h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: `${prefix}-interactions-import`,
        datasetArn: interactionsDatasetArn,
        dataSource: { dataLocation: interactionsLocation },
        roleArn: 'arn:aws:iam::000000000000:role/personalize',
      }),
    ),
    h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: `${prefix}-items-import`,
        datasetArn: itemsDatasetArn,
        dataSource: { dataLocation: itemsLocation },
        roleArn: 'arn:aws:iam::000000000000:role/personalize',
      }),
    ),
  ]);
  for (const job of jobs)
    expectActive(await settle(h, 'importJob', job.datasetImportJobArn ?? ''), 'import job');
  const { solutionArn = '' } = await h.personalize.send(
    new CreateSolutionCommand({
      name: `${prefix}-solution`,
      datasetGroupArn,
      recipeArn: `arn:aws:personalize:::recipe/${recipe}`,
      ...(options.performAutoTraining === undefined
        ? {}
        : { performAutoTraining: options.performAutoTraining }),
    }),
  );
  await settle(h, 'solution', solutionArn);
  const { solutionVersionArn = '' } = await h.personalize.send(
    new CreateSolutionVersionCommand({ solutionArn }),
  );
  expectActive(await settle(h, 'solutionVersion', solutionVersionArn), 'solution version');
  const { campaignArn = '' } = await h.personalize.send(
    new CreateCampaignCommand({ name: `${prefix}-campaign`, solutionVersionArn }),
  );
  await settle(h, 'campaign', campaignArn);
  const { eventTrackerArn = '', trackingId = '' } = await h.personalize.send(
    new CreateEventTrackerCommand({ name: `${prefix}-tracker`, datasetGroupArn }),
  );
  await settle(h, 'eventTracker', eventTrackerArn);
  return {
    datasetGroupArn,
    interactionsDatasetArn,
    itemsDatasetArn,
    solutionArn,
    solutionVersionArn,
    campaignArn,
    trackingId,
    eventTrackerArn,
  };
}

function expectActive(status: string | undefined, what: string): void {
  if (status !== 'ACTIVE') throw new Error(`Expected the ${what} to be ACTIVE, got ${status}`);
}
