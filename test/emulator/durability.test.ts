import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  DeleteDatasetGroupCommand,
  DeleteEventTrackerCommand,
  DescribeDatasetImportJobCommand,
  ListDatasetGroupsCommand,
  ListSolutionVersionsCommand,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand, PutItemsCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { INTERACTIONS_SCHEMA } from '../../lib/contract/personalize-schemas';
import {
  ITEM_COUNT,
  itemId,
  provision,
  settle,
  startHarness,
  statusOf,
  waitFor,
  writeS3Object,
  type Harness,
} from './harness';

const gone = (probe: () => Promise<unknown>, what: string) =>
  waitFor(
    () =>
      probe().then(
        () => 'present',
        (e: Error) => e.name,
      ),
    (s) => s === 'ResourceNotFoundException',
    what,
  );

function interactionRows(stateDir: string, datasetArn: string): number {
  for (const file of readdirSync(join(stateDir, 'datasets'))) {
    const saved = JSON.parse(readFileSync(join(stateDir, 'datasets', file), 'utf8')) as {
      datasetArn: string;
      rows: { interactions: unknown[] };
    };
    if (saved.datasetArn === datasetArn) return saved.rows.interactions.length;
  }
  throw new Error(`No rows stored for ${datasetArn}`);
}

describe('Personalize emulator state directory', () => {
  let h: Harness;

  afterEach(() => h.close());

  test('a restart keeps resources, imported data, accepted events and the trained model serving', async () => {
    h = await startHarness();
    const p = await provision(h, 'durable');
    await h.events.send(
      new PutEventsCommand({
        trackingId: p.trackingId,
        userId: 'user-0',
        sessionId: 's0',
        eventList: [2, 5, 8].map((i) => ({ eventType: 'click', itemId: itemId(i), sentAt: new Date() })),
      }),
    );
    const before = await h.runtime.send(
      new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'user-0', numResults: 10 }),
    );

    h = await h.restart();

    const { datasetGroups = [] } = await h.personalize.send(new ListDatasetGroupsCommand({}));
    expect(datasetGroups.map((g) => [g.datasetGroupArn, g.status])).toEqual([[p.datasetGroupArn, 'ACTIVE']]);
    const after = await h.runtime.send(
      new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'user-0', numResults: 10 }),
    );
    // Same model, same live events: the same recommendations as before the restart.
    expect(after.itemList).toEqual(before.itemList);
    // The tracker survived with its trackingId, and the imported data still trains a new version.
    await h.events.send(
      new PutEventsCommand({
        trackingId: p.trackingId,
        userId: 'user-1',
        sessionId: 's1',
        eventList: [{ eventType: 'click', itemId: itemId(1), sentAt: new Date() }],
      }),
    );
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: p.solutionArn }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
  });

  test('a version that was training when the emulator stopped trains again after the restart', async () => {
    h = await startHarness();
    const p = await provision(h, 'resume');
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: p.solutionArn }),
    );

    h = await h.restart();

    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    const { solutionVersions = [] } = await h.personalize.send(
      new ListSolutionVersionsCommand({ solutionArn: p.solutionArn }),
    );
    expect(solutionVersions.map((v) => v.status)).toEqual(['ACTIVE', 'ACTIVE']);
    const job = await h.personalize.send(
      new DescribeDatasetImportJobCommand({
        datasetImportJobArn:
          'arn:aws:personalize:us-east-1:000000000000:dataset-import-job/resume-interactions-import',
      }),
    );
    expect(job.datasetImportJob?.status).toBe('ACTIVE');
  });

  test('a torn last line in the event log (a crash mid-write) is dropped and the log stays usable', async () => {
    h = await startHarness();
    const p = await provision(h, 'torn');
    const send = (userId: string) =>
      h.events.send(
        new PutEventsCommand({
          trackingId: p.trackingId,
          userId,
          sessionId: userId,
          eventList: [{ eventType: 'click', itemId: itemId(4), sentAt: new Date() }],
        }),
      );
    await send('user-1');
    const stopped = h;
    await stopped.emulator.close();
    appendFileSync(join(stopped.stateDir, 'live-data.jsonl'), '{"seq": 99, "kind": "ev');

    h = await stopped.restart();

    await expect(send('user-2')).resolves.toBeDefined();
    await expect(
      h.runtime.send(new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'user-2' })),
    ).resolves.toBeDefined();
  });

  test('events, items and event ids accepted after training are all there after a restart', async () => {
    h = await startHarness();
    const p = await provision(h, 'after');
    const put = (eventId: string, item: number) =>
      h.events.send(
        new PutEventsCommand({
          trackingId: p.trackingId,
          userId: 'user-3',
          sessionId: 's3',
          eventList: [{ eventId, eventType: 'click', itemId: itemId(item), sentAt: new Date() }],
        }),
      );
    await put('after-1', 2);
    await put('after-2', 5);
    await h.events.send(
      new PutItemsCommand({
        datasetArn: p.itemsDatasetArn,
        items: [
          { itemId: 'added-after-training', properties: JSON.stringify({ genre: 'Drama', year: '2024' }) },
        ],
      }),
    );
    // The automatic update that brings the item in is kept across the restart too.
    h.emulator.runAutomaticUpdates();
    const everything = () =>
      h.runtime.send(
        new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId: 'user-3', numResults: 500 }),
      );
    const before = await everything();
    expect(before.itemList).toHaveLength(ITEM_COUNT + 1);

    h = await h.restart();

    const after = await everything();
    expect(after.itemList).toEqual(before.itemList);
    // A client retry of an event accepted before the restart is still recognised.
    await put('after-1', 2);
    const log = readFileSync(join(h.stateDir, 'live-data.jsonl'), 'utf8');
    expect(log.split('\n').filter((line) => line.includes('"after-1"'))).toHaveLength(1);
  });

  test('an INCREMENTAL import resumed after a crash that followed its rows does not add them twice', async () => {
    h = await startHarness();
    const p = await provision(h, 'incr');
    const imported = interactionRows(h.stateDir, p.interactionsDatasetArn);
    const dataLocation = writeS3Object(
      h,
      'incr/more.csv',
      'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu-a,item-1,click,1700000000\nu-b,item-2,click,1700000001\n',
    );
    const { datasetImportJobArn = '' } = await h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: 'incr-more',
        datasetArn: p.interactionsDatasetArn,
        dataSource: { dataLocation },
        importMode: 'INCREMENTAL',
      }),
    );
    expect(await settle(h, 'importJob', datasetImportJobArn)).toBe('ACTIVE');
    expect(interactionRows(h.stateDir, p.interactionsDatasetArn)).toBe(imported + 2);
    const stopped = h;
    await stopped.emulator.close();
    // The state a crash leaves between storing the job's rows and recording the job ACTIVE.
    const stateFile = join(stopped.stateDir, 'resources.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      resources: { arn: string; status: string }[];
    };
    for (const record of state.resources)
      if (record.arn === datasetImportJobArn) record.status = 'CREATE IN_PROGRESS';
    writeFileSync(stateFile, JSON.stringify(state));

    h = await stopped.restart();

    expect(await settle(h, 'importJob', datasetImportJobArn)).toBe('ACTIVE');
    expect(interactionRows(h.stateDir, p.interactionsDatasetArn)).toBe(imported + 2);
  });

  test("a dataset group deleted and created again under the same name does not inherit the old one's events", async () => {
    h = await startHarness();
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'reborn' }),
    );
    await settle(h, 'datasetGroup', datasetGroupArn);
    const tracker = await h.personalize.send(
      new CreateEventTrackerCommand({ name: 'reborn-tracker', datasetGroupArn }),
    );
    await settle(h, 'eventTracker', tracker.eventTrackerArn ?? '');
    await h.events.send(
      new PutEventsCommand({
        trackingId: tracker.trackingId,
        userId: 'old-user',
        sessionId: 'old',
        eventList: [1, 2, 3].map((i) => ({
          eventType: 'click',
          itemId: 'old-item',
          sentAt: new Date(1_700_000_000_000 + i),
        })),
      }),
    );
    await h.personalize.send(new DeleteEventTrackerCommand({ eventTrackerArn: tracker.eventTrackerArn }));
    await gone(() => statusOf.eventTracker(h, tracker.eventTrackerArn ?? ''), 'the tracker to be gone');
    await h.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn }));
    await gone(() => statusOf.datasetGroup(h, datasetGroupArn), 'the dataset group to be gone');
    await h.personalize.send(new CreateDatasetGroupCommand({ name: 'reborn' }));
    await settle(h, 'datasetGroup', datasetGroupArn);

    h = await h.restart();

    const { schemaArn } = await h.personalize.send(
      new CreateSchemaCommand({ name: 'reborn-interactions', schema: JSON.stringify(INTERACTIONS_SCHEMA) }),
    );
    const { datasetArn = '' } = await h.personalize.send(
      new CreateDatasetCommand({ name: 'reborn-i', datasetGroupArn, datasetType: 'Interactions', schemaArn }),
    );
    await settle(h, 'dataset', datasetArn);
    const dataLocation = writeS3Object(
      h,
      'reborn/interactions.csv',
      'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,new-item,click,1700000000\nu2,new-item,click,1700000001\n',
    );
    const job = await h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: 'reborn-import',
        datasetArn,
        dataSource: { dataLocation },
      }),
    );
    expect(await settle(h, 'importJob', job.datasetImportJobArn ?? '')).toBe('ACTIVE');
    const { solutionArn = '' } = await h.personalize.send(
      new CreateSolutionCommand({
        name: 'reborn-solution',
        datasetGroupArn,
        recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count',
      }),
    );
    await settle(h, 'solution', solutionArn);
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    const { campaignArn = '' } = await h.personalize.send(
      new CreateCampaignCommand({ name: 'reborn-campaign', solutionVersionArn }),
    );
    await settle(h, 'campaign', campaignArn);
    const { itemList = [] } = await h.runtime.send(
      new GetRecommendationsCommand({ campaignArn, userId: 'anyone', numResults: 500 }),
    );
    expect(itemList.map((i) => i.itemId)).toEqual(['new-item']);
  });
});
