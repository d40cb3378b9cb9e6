/**
 * `GET /status` in local mode: the unchanged handler, its real SDK client and the Personalize emulator, over
 * HTTP through the local gateway. Right after local mode provisioned, the two import jobs are ACTIVE and
 * nothing else exists; each resource the API creates then appears, with its status, newest first.
 */
import { expect } from '@jest/globals';
import { DEFAULT_FILTERS, filterOutputName } from '../../lib/contract/personalize-filters';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, waitFor, type ApiResponse } from './helpers';

jest.setTimeout(120_000);

interface Status {
  datasetGroupArn: string;
  importJobs: Array<Record<string, string>>;
  solutionVersions: Array<Record<string, string>>;
  campaigns: Array<Record<string, string>>;
  eventTrackers: Array<Record<string, string>>;
  filters: Array<Record<string, string>>;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('GET /status in local mode', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;

  const api = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    callApi(local.url, local.apiKey, method, path, body);
  const status = async (): Promise<Status> => {
    const response = await api('GET', '/status');
    expect(response.status).toBe(200);
    return response.body as Status;
  };
  const ok = async (path: string, body: unknown) => {
    const response = await api('POST', path, body);
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${response.text}`);
    return response.body as Record<string, string>;
  };

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('status-e2e');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: 'status-key',
      personalizeTransitionMs: 20,
      recordCalls: true,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('shows the two import jobs ACTIVE once local mode is provisioned, and nothing else yet', async () => {
    const initial = await status();

    expect(initial.datasetGroupArn).toBe(local.outputs[STACK_OUTPUTS.datasetGroupArn]);
    expect(initial.importJobs.map((job) => [job.datasetType, job.status]).sort()).toEqual([
      ['Interactions', 'ACTIVE'],
      ['Items', 'ACTIVE'],
    ]);
    for (const job of initial.importJobs) {
      expect(job.datasetImportJobArn).toMatch(/^arn:aws:personalize:.*:dataset-import-job\//);
      expect(job.jobName).toEqual(expect.any(String));
      expect(job.creationDateTime).toMatch(ISO_8601);
      expect(job).not.toHaveProperty('failureReason');
    }
    expect(initial.solutionVersions).toEqual([]);
    expect(initial.campaigns).toEqual([]);
    expect(initial.eventTrackers).toEqual([]);
  });

  it("lists the stack's declared filters, provisioned by local mode, with the fields DescribeFilter names", async () => {
    const { filters } = await status();
    expect(
      filters
        .map(({ name, filterArn, filterExpression, status }) => ({
          name,
          filterArn,
          filterExpression,
          status,
        }))
        .sort((a, b) => (a.filterArn ?? '').localeCompare(b.filterArn ?? '')),
    ).toEqual(
      DEFAULT_FILTERS.map((definition) => ({
        name: expect.stringContaining(`-${definition.name}-`),
        filterArn: local.outputs[filterOutputName(definition)],
        filterExpression: definition.expression,
        status: 'ACTIVE',
      })).sort((a, b) => (a.filterArn ?? '').localeCompare(b.filterArn ?? '')),
    );
    expect(local.outputs['FilterArnUnwatched']).toMatch(
      /^arn:aws:personalize:us-east-1:\d{12}:filter\/.*-unwatched-[0-9a-f]{8}$/,
    );
  });

  it('shows each version, campaign and tracker the API creates, with its status, newest first', async () => {
    const solutionArn = local.outputs[STACK_OUTPUTS.solutionArn]!;
    const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn]!;

    const first = await ok('/solutionVersion', { solutionArn, version: 'v1' });
    const training = await status();
    expect(training.solutionVersions).toEqual([
      expect.objectContaining({ solutionVersionArn: first.solutionVersionArn, trainingMode: 'FULL' }),
    ]);
    // Training the sample data takes seconds, longer on a loaded machine: a generous bound.
    const active = await waitFor(
      'v1 ACTIVE in /status',
      async () => {
        const current = await status();
        return current.solutionVersions[0]?.status === 'ACTIVE' ? current : undefined;
      },
      120_000,
      250,
    );
    expect(active.solutionVersions[0]?.creationDateTime).toMatch(ISO_8601);

    const campaign = await ok('/campaign', { solutionVersionArn: first.solutionVersionArn, name: 'status' });
    const tracker = await ok('/eventTracker', { name: 'status', datasetGroupArn });
    // A second version, trained after the campaign: the newest comes first.
    const second = await ok('/solutionVersion', { solutionArn, version: 'v2', trainingMode: 'UPDATE' });

    const after = await waitFor('the campaign and the tracker ACTIVE in /status', async () => {
      const current = await status();
      const settled =
        current.campaigns[0]?.status === 'ACTIVE' && current.eventTrackers[0]?.status === 'ACTIVE';
      return settled ? current : undefined;
    });
    expect(after.solutionVersions.map((version) => version.solutionVersionArn)).toEqual([
      second.solutionVersionArn,
      first.solutionVersionArn,
    ]);
    expect(after.solutionVersions[0]?.trainingMode).toBe('UPDATE');
    expect(after.campaigns).toEqual([
      {
        campaignArn: campaign.campaignArn,
        name: 'status',
        status: 'ACTIVE',
        creationDateTime: expect.stringMatching(ISO_8601),
      },
    ]);
    // The stack tagged the tracker it created, so its tracking id is readable.
    expect(after.eventTrackers).toEqual([
      {
        eventTrackerArn: tracker.eventTrackerArn,
        name: 'status',
        status: 'ACTIVE',
        creationDateTime: expect.stringMatching(ISO_8601),
        trackingId: tracker.trackingId,
      },
    ]);
    expect(after.importJobs.map((job) => job.status)).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('is read-only: the only calls it makes are List*, DescribeEventTracker and DescribeFilter', async () => {
    const from = local.personalize.calls.length;
    await status();
    const operations = new Set(local.personalize.calls.slice(from).map((call) => call.operation));

    expect([...operations].sort()).toEqual([
      'DescribeEventTracker',
      'DescribeFilter',
      'ListCampaigns',
      'ListDatasetImportJobs',
      'ListEventTrackers',
      'ListFilters',
      'ListSolutionVersions',
    ]);
  });
});
