/**
 * The README walkthrough, over real HTTP, against local mode started on free ports: every route, the
 * stream path to Personalize, and the contract's errors.
 */
import { expect } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import {
  acceptedEvents,
  callApi,
  runBashScript,
  silenceHandlerLogs,
  stackStatus,
  temporaryDirectory,
  waitFor,
  type ApiResponse,
  type ScriptRun,
} from './helpers';

// A bound, not a measure: a walkthrough trains, deploys and waits for events; on a machine loaded 10 times over its
// cores, one run took more than two minutes.
jest.setTimeout(360_000);

interface Recommendations {
  itemList: Array<{ itemId: string; score: number }>;
  recommendationId: string;
}

describe('local mode serves the README walkthrough', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  const api = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    callApi(local.url, local.apiKey, method, path, body);
  const expectOk = (response: ApiResponse) => {
    if (response.status !== 200) throw new Error(`Expected 200, got ${response.status}: ${response.text}`);
    return response.body as Record<string, unknown>;
  };
  const waitActive = (path: string, body: unknown) =>
    waitFor(
      `${path} ACTIVE`,
      async () => {
        const status = expectOk(await api('POST', path, body)) as unknown;
        if (typeof status === 'string' && status.includes('FAILED')) throw new Error(`${path}: ${status}`);
        return status === 'ACTIVE' ? status : undefined;
      },
      60_000,
      100,
    );
  const recommendationsFor = async (campaignArn: string, userId: string) =>
    expectOk(
      await api(
        'GET',
        `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=${userId}&numResults=10`,
      ),
    ) as unknown as Recommendations;

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('local-mode-e2e');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: 'e2e-key',
      personalizeTransitionMs: 20,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await local?.close();
    state.remove();
    restoreStdout();
  });

  it('writes the stack outputs, under the stack name, as cdk deploy --outputs-file does', () => {
    const file = JSON.parse(readFileSync(local.outputsFile, 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    const outputs = file[local.stackName]!;
    for (const name of Object.values(STACK_OUTPUTS)) expect(outputs[name]).toEqual(expect.any(String));
    expect(outputs[STACK_OUTPUTS.apiUrl]).toBe(`${local.url}/`);
    expect(outputs[STACK_OUTPUTS.solutionArn]).toMatch(/^arn:aws:personalize:us-east-1:\d{12}:solution\//);
    // The bucket Lambda's on-failure destination and the consumer write to, named like the archive bucket.
    expect(outputs[STACK_OUTPUTS.failedRecordsBucketName]).toBe(
      `${local.stackName.toLowerCase()}-failed-records`,
    );
    expect(outputs[STACK_OUTPUTS.failedRecordsBucketName]).toBe(local.failedRecords.name);
  });

  it('trains, deploys, recommends, reacts to /data events within seconds, and cleans up', async () => {
    const solutionArn = local.outputs[STACK_OUTPUTS.solutionArn];
    const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn];

    const { solutionVersionArn } = expectOk(
      await api('POST', '/solutionVersion', { solutionArn, version: 'v1' }),
    );
    expect(solutionVersionArn).toEqual(expect.stringContaining(':solution/'));
    await waitActive('/describeSolutionVersion', { solutionVersionArn });

    const { campaignArn } = expectOk(
      await api('POST', '/campaign', { solutionVersionArn, name: 'walkthrough' }),
    );
    await waitActive('/describeCampaign', { campaignArn });

    const tracker = expectOk(await api('POST', '/eventTracker', { name: 'walkthrough', datasetGroupArn }));
    const trackingId = tracker.trackingId as string;
    expect(trackingId).toEqual(expect.any(String));

    const before = await recommendationsFor(campaignArn as string, '429');
    expect(before.itemList).toHaveLength(10);
    expect(before.recommendationId.length).toBeLessThanOrEqual(40);

    // Three clicks on an item the user was not recommended: the next recommendations must move.
    const clicked = before.itemList[9]!.itemId;
    const data = { userId: '429', itemId: clicked, eventType: 'click', trackingId, interactions: 3 };
    const put = expectOk(
      await api('POST', '/data', { 'stream-name': 'ignored', Data: data, PartitionKey: '429' }),
    );
    expect(put).toMatchObject({
      Message: 'Event sent successfully',
      data: { ShardId: 'shardId-000000000000' },
    });

    const after = await waitFor(
      'recommendations to change',
      async () => {
        const now = await recommendationsFor(campaignArn as string, '429');
        return JSON.stringify(now.itemList) !== JSON.stringify(before.itemList) ? now : undefined;
      },
      5_000,
      100,
    );
    expect(after.itemList.map((item) => item.itemId)).not.toEqual(before.itemList.map((item) => item.itemId));

    const sent = expectOk(
      await api('POST', '/putEvents', { ...data, interactions: 2 }),
    ) as unknown as unknown[];
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ itemId: clicked, eventType: 'click', userId: '429' });

    const eventTrackerArn = tracker.eventTrackerArn as string;
    const deleted = await api('DELETE', '/deleteResources', { campaignArn, eventTrackerArn });
    expect(deleted.status).toBe(200);

    const gone = await waitFor(
      'the campaign to be gone',
      async () => {
        const response = await api('POST', '/describeCampaign', { campaignArn });
        return response.status === 404 ? response : undefined;
      },
      10_000,
      100,
    );
    expect(gone.body).toMatchObject({ message: 'Campaign is deleted or does not exist' });
  });

  it('archives the /data records under the archive bucket in local S3 on close', async () => {
    await local.archive.close();
    expect(local.archive.files.length).toBeGreaterThan(0);
    expect(existsSync(local.archive.files[0]!)).toBe(true);
    expect(local.archive.files[0]).toContain(local.outputs[STACK_OUTPUTS.archiveBucketName]);
  });

  describe('bad requests get the contract errors', () => {
    const campaignArn = 'arn:aws:personalize:us-east-1:000000000000:campaign/never-created';

    it('missing key: 403', async () => {
      const response = await callApi(local.url, null, 'POST', '/describeCampaign', { campaignArn });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    });

    it('bad body: 400 naming the field', async () => {
      const response = await api('POST', '/solutionVersion', { solutionArn: 'not-an-arn', version: 'v1' });
      expect(response.status).toBe(400);
      expect((response.body as { message: string }).message).toContain('solutionArn');
    });

    it('unknown campaign: 404 Campaign is deleted or does not exist', async () => {
      const response = await api('POST', '/describeCampaign', { campaignArn });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ message: 'Campaign is deleted or does not exist' });
    });
  });
});

describe('scripts/walkthrough.sh runs any number of times on one deployment', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  const status = () => stackStatus(local.url, local.apiKey);
  const walkthrough = (
    env: Record<string, string> = {},
    onStdout?: Parameters<typeof runBashScript>[2],
  ): Promise<ScriptRun> =>
    runBashScript(
      'scripts/walkthrough.sh',
      { OUTPUTS_FILE: local.outputsFile, POLL_SECONDS: '0.1', EVENT_WAIT_SECONDS: '30', ...env },
      onStdout,
    );
  const succeeded = (run: ScriptRun) => {
    if (run.code !== 0) throw new Error(`walkthrough.sh exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    return run.stdout;
  };
  /** Fails with the end of what the script printed, so that a wrong exit explains itself. */
  const exitedWith = (run: ScriptRun, code: number) => {
    const tail = (text: string) => text.split('\n').slice(-40).join('\n');
    if (run.code !== code)
      throw new Error(
        `walkthrough.sh exited ${run.code} (signal ${run.signal}), not ${code}\n` +
          `--- stdout, last lines\n${tail(run.stdout)}\n--- stderr, last lines\n${tail(run.stderr)}`,
      );
    return run.stdout;
  };
  const created = (stdout: string, what: 'campaign' | 'event tracker') =>
    new RegExp(`^Created ${what} (\\S+)`, 'm').exec(stdout)?.[1];
  const line = (stdout: string, label: string) =>
    new RegExp(`^${label}:\\s+(.*)$`, 'm').exec(stdout)?.[1]?.trim().split(' ') ?? [];

  /** The clicked item was not in the top 10 before, the top 10 changed, and Personalize got the clicks. */
  const expectClicksChangedTheList = (stdout: string) => {
    const item = /Three clicks on item (\S+)/.exec(stdout)?.[1];
    const before = line(stdout, 'Before');
    const after = line(stdout, 'After');
    expect(before).toHaveLength(10);
    expect(after).toHaveLength(10);
    expect(before).not.toContain(item);
    expect(after).not.toEqual(before);
    const clicks = acceptedEvents(join(state.path, 'personalize')).filter(
      (event) => event.interaction.userId === '429' && event.interaction.itemId === item,
    );
    expect(clicks.length).toBeGreaterThanOrEqual(3);
  };
  const statusOf = async (campaignArn: string) =>
    (await status()).campaigns.find((campaign) => campaign.campaignArn === campaignArn)?.status ?? 'gone';

  beforeAll(async () => {
    // A second local mode in this file: its handlers load afresh (a cold start), or they would keep the SDK
    // clients of the first, which resolved the first emulator's endpoint and keep it.
    jest.resetModules();
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('local-mode-walkthrough-script');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      personalizeTransitionMs: 20,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await local?.close();
    state.remove();
    restoreStdout();
  });

  let trackerArn: string;
  let keptCampaign: string;

  it('KEEP=1 keeps the campaign it created, and says so', async () => {
    const run = await walkthrough({ KEEP: '1' });
    const kept = succeeded(run);
    // GET /status is read several times a run: summed up in a line each time, never the whole listing.
    const statusLines = run.stderr.split('\n').filter((text) => /^< 200 importJobs: /.test(text));
    expect(statusLines.length).toBeGreaterThanOrEqual(2);
    expect(statusLines[0]).toMatch(
      /^< 200 importJobs: 2 ACTIVE; solutionVersions: .*; campaigns: .*; eventTrackers: /,
    );
    expect(run.stderr).not.toContain('"importJobs":[');
    keptCampaign = created(kept, 'campaign')!;
    trackerArn = created(kept, 'event tracker')!;
    expect(trackerArn).toContain(':event-tracker/');
    expectClicksChangedTheList(kept);
    expect(kept).toContain(`Kept: campaign ${keptCampaign}`);
    expect(await statusOf(keptCampaign)).toBe('ACTIVE');
  });

  it('then runs twice in a row: both reuse the tracker, and each deletes only the campaign it created', async () => {
    const first = succeeded(await walkthrough());
    const second = succeeded(await walkthrough());
    for (const run of [first, second]) {
      expect(created(run, 'event tracker')).toBeUndefined();
      expect(run).toContain(`Reusing the dataset group's event tracker ${trackerArn}`);
      expectClicksChangedTheList(run);
    }

    const campaigns = [created(first, 'campaign')!, created(second, 'campaign')!];
    expect(new Set([...campaigns, keptCampaign]).size).toBe(3);
    for (const campaignArn of campaigns) expect(await statusOf(campaignArn)).not.toBe('ACTIVE');
    expect(await statusOf(keptCampaign)).toBe('ACTIVE');
    const { eventTrackers } = await status();
    expect(eventTrackers.map((tracker) => [tracker.eventTrackerArn, tracker.status])).toEqual([
      [trackerArn, 'ACTIVE'],
    ]);
  }, 300_000);

  it('REUSE=1 uses the ACTIVE campaign instead of training, and leaves it', async () => {
    const before = await status();
    const reused = succeeded(await walkthrough({ REUSE: '1' }));
    expect(reused).toContain(`reusing the ACTIVE campaign ${keptCampaign}`);
    expect(created(reused, 'campaign')).toBeUndefined();
    expectClicksChangedTheList(reused);
    const after = await status();
    expect(after.solutionVersions).toHaveLength(before.solutionVersions.length);
    expect(await statusOf(keptCampaign)).toBe('ACTIVE');
  });

  it('uses the resources an outputs file names (local mode --provision) and never deletes them', async () => {
    const outputs = JSON.parse(readFileSync(local.outputsFile, 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    const tracker = (await status()).eventTrackers[0]!;
    const provisioned = join(state.path, 'provisioned-outputs.json');
    writeFileSync(
      provisioned,
      JSON.stringify({
        [local.stackName]: {
          ...outputs[local.stackName],
          CampaignArn: keptCampaign,
          TrackingId: tracker.trackingId,
          EventTrackerArn: tracker.eventTrackerArn,
        },
      }),
    );
    const run = succeeded(await walkthrough({ OUTPUTS_FILE: provisioned }));
    expect(run).toContain(`Using the given campaign ${keptCampaign}`);
    expect(run).toContain(`Using the given event tracker ${tracker.eventTrackerArn}`);
    expect(created(run, 'campaign')).toBeUndefined();
    expectClicksChangedTheList(run);
    expect(await statusOf(keptCampaign)).toBe('ACTIVE');
    expect(run).toMatch(/Left behind by this run\nNothing\./);
  });

  /**
   * Deploys a trained solution version (no training to wait for) and signals SIGINT once the output matches
   * `when`: the run ends with 130, having deleted the campaign it created.
   */
  const expectInterruptedRunDeletesItsCampaign = async (when: RegExp, to: 'script' | 'group') => {
    const trained = (await status()).solutionVersions.find((version) => version.status === 'ACTIVE')!;
    let interrupted = false;
    const run = await walkthrough({ SOLUTION_VERSION_ARN: trained.solutionVersionArn }, (stdout, signal) => {
      if (!interrupted && when.test(stdout)) {
        interrupted = true;
        signal('SIGINT', to);
      }
    });
    expect(interrupted).toBe(true);
    const stdout = exitedWith(run, 130);
    const campaignArn = created(stdout, 'campaign')!;
    expect(stdout).toContain(`Delete what this run created: campaign ${campaignArn}`);
    expect(stdout).not.toContain(`Kept: campaign ${campaignArn}`);
    expect(await statusOf(campaignArn)).toMatch(/^(DELETE |gone)/);
  };

  it('Ctrl-C midway still deletes the campaign it created, and says so', async () => {
    await expectInterruptedRunDeletesItsCampaign(/^Created campaign /m, 'script');
  });

  it('Ctrl-C in a terminal (SIGINT to curl and node too) deletes the campaign it created', async () => {
    await expectInterruptedRunDeletesItsCampaign(/^Created campaign /m, 'group');
  });

  it('Ctrl-C while it polls for the clicks to show (a $(...) after another) deletes the campaign it created', async () => {
    await expectInterruptedRunDeletesItsCampaign(/^== 6\. /m, 'script');
  });
});
