import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSolutionVersionCommand,
  DescribeDatasetImportJobCommand,
  ListDatasetGroupsCommand,
  ListSolutionVersionsCommand,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { itemId, provision, settle, startHarness, type Harness } from './harness';

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
});
