/**
 * The README walkthrough, over real HTTP, against local mode started on free ports: every route, the
 * stream path to Personalize, and the contract's errors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, temporaryDirectory, waitFor, type ApiResponse, silenceHandlerLogs } from './helpers';

jest.setTimeout(120_000);

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
      expect(response.body).toMatchObject({ code: 'Forbidden', message: expect.any(String) });
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
