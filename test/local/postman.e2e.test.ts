/** The Postman collection, run by newman against local mode: the same collection that runs against AWS. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { runBashScript, silenceHandlerLogs, stackStatus, temporaryDirectory } from './helpers';

jest.setTimeout(300_000);

interface NewmanSummary {
  run: {
    stats: Record<'requests' | 'assertions' | 'testScripts', { total: number; failed: number }>;
    failures: Array<{ source?: { name?: string }; error: { message: string } }>;
    executions: Array<{
      item: { name: string };
      response?: { code: number; stream?: Buffer };
      assertions?: Array<{ assertion: string; error?: { message: string } }>;
    }>;
  };
}
type NewmanRun = (
  options: Record<string, unknown>,
  callback: (error: Error | null, summary: NewmanSummary) => void,
) => void;

// newman ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const newman = require('newman') as { run: NewmanRun };

describe('postman_collection.json against local mode', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('local-mode-postman');
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

  const runCollection = (extra: Record<string, string> = {}) =>
    new Promise<NewmanSummary>((resolve, reject) => {
      newman.run(
        {
          collection: join(__dirname, '..', '..', 'postman_collection.json'),
          // Environment values take precedence over the collection's defaults: only the deployment changes.
          environment: {
            values: [
              { key: 'baseUrl', value: local.url },
              { key: 'apiKey', value: local.apiKey },
              { key: 'solutionArn', value: local.outputs[STACK_OUTPUTS.solutionArn] },
              { key: 'datasetGroupArn', value: local.outputs[STACK_OUTPUTS.datasetGroupArn] },
              { key: 'pollIntervalMs', value: '200' },
              ...Object.entries(extra).map(([key, value]) => ({ key, value })),
            ],
          },
          reporters: [],
          timeoutRequest: 30_000,
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
  const executionsOf = (summary: NewmanSummary, name: string) =>
    summary.run.executions.filter((execution) => execution.item.name === name);
  const expectNoFailure = (summary: NewmanSummary) => {
    const failures = summary.run.failures.map(
      (failure) => `${failure.source?.name ?? '?'}: ${failure.error.message}`,
    );
    expect(failures).toEqual([]);
    expect(summary.run.stats.assertions.total).toBeGreaterThan(0);
    expect(summary.run.stats.assertions.failed).toBe(0);
  };
  /** The collection's check that the clicks changed the list ran, and passed. */
  const expectListChanged = (summary: NewmanSummary) => {
    const checks = executionsOf(summary, 'Recommendations after events')
      .flatMap((execution) => execution.assertions ?? [])
      .filter((assertion) => assertion.assertion.startsWith('the clicks changed the recommendations'));
    expect(checks).toHaveLength(1);
    expect(checks[0]!.error).toBeUndefined();
  };
  const createdCampaign = (summary: NewmanSummary) => {
    const [created] = executionsOf(summary, 'Create campaign');
    return (JSON.parse(created!.response!.stream!.toString('utf8')) as { campaignArn: string }).campaignArn;
  };

  it('runs after a walkthrough that kept its tracker, reuses it, and leaves no campaign of its own', async () => {
    const walkthrough = await runBashScript('scripts/walkthrough.sh', {
      OUTPUTS_FILE: local.outputsFile,
      POLL_SECONDS: '0.1',
    });
    if (walkthrough.code !== 0)
      throw new Error(`walkthrough.sh failed\n${walkthrough.stdout}\n${walkthrough.stderr}`);
    const [tracker] = (await stackStatus(local.url, local.apiKey)).eventTrackers;
    expect(tracker?.status).toBe('ACTIVE');

    const summary = await runCollection();
    expectNoFailure(summary);
    expectListChanged(summary);
    expect(executionsOf(summary, 'Create event tracker')).toHaveLength(0);
    // The catalogue: PutItems through POST /items, and its 400 naming a bad field (their tests passed above).
    expect(executionsOf(summary, 'Add an item (PutItems)')).toHaveLength(1);
    expect(executionsOf(summary, 'Invalid item')).toHaveLength(1);

    const campaignArn = createdCampaign(summary);
    const after = await stackStatus(local.url, local.apiKey);
    expect(after.eventTrackers.map((t) => [t.eventTrackerArn, t.status])).toEqual([
      [tracker!.eventTrackerArn, 'ACTIVE'],
    ]);
    expect(after.campaigns.find((c) => c.campaignArn === campaignArn)?.status ?? 'gone').not.toBe('ACTIVE');
    expect(after.campaigns.filter((c) => c.status === 'ACTIVE')).toEqual([]);
  });

  let keptCampaign: string;

  it('runs again on the same deployment; keepCampaign=true keeps the campaign it created', async () => {
    const summary = await runCollection({ keepCampaign: 'true' });
    expectNoFailure(summary);
    expectListChanged(summary);
    expect(executionsOf(summary, 'Create event tracker')).toHaveLength(0);
    expect(executionsOf(summary, 'Delete what this run created')).toHaveLength(0);
    keptCampaign = createdCampaign(summary);
    const campaigns = (await stackStatus(local.url, local.apiKey)).campaigns;
    expect(campaigns.filter((c) => c.status === 'ACTIVE').map((c) => c.campaignArn)).toEqual([keptCampaign]);
  });

  it('uses the campaign and tracker given as environment values (local mode --provision), deleting neither', async () => {
    const [tracker] = (await stackStatus(local.url, local.apiKey)).eventTrackers;
    const summary = await runCollection({
      campaignArn: keptCampaign,
      eventTrackerArn: tracker!.eventTrackerArn,
      trackingId: tracker!.trackingId!,
    });
    expectNoFailure(summary);
    expectListChanged(summary);
    for (const name of [
      'Create solution version',
      'Create campaign',
      'Create event tracker',
      'Delete what this run created',
    ])
      expect(executionsOf(summary, name)).toHaveLength(0);
    const after = await stackStatus(local.url, local.apiKey);
    expect(after.campaigns.filter((c) => c.status === 'ACTIVE').map((c) => c.campaignArn)).toEqual([
      keptCampaign,
    ]);
    expect(after.eventTrackers.map((t) => [t.eventTrackerArn, t.status])).toEqual([
      [tracker!.eventTrackerArn, 'ACTIVE'],
    ]);
  });

  it('runs from a terminal with nothing set, as npm run newman: the outputs file gives every value', async () => {
    const root = join(__dirname, '..', '..');
    // A new terminal: none of the walkthrough's variables.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !['API', 'API_URL', 'API_KEY', 'SOLUTION_ARN', 'DATASET_GROUP_ARN'].includes(name),
      ),
    );
    const run = await new Promise<{ code: number | null; output: string }>((done, fail) => {
      const child = spawn(
        'bash',
        ['scripts/newman.sh', '--env-var', 'pollIntervalMs=200', '--color', 'off'],
        {
          cwd: root,
          env: { ...env, OUTPUTS_FILE: local.outputsFile },
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', fail);
      child.on('close', (code) => done({ code, output }));
    });
    expect(run.output).not.toContain('Invalid URI');
    expect(run.output).toMatch(/assertions\s*│\s*\d+\s*│\s*0\s*│/);
    expect(run.code).toBe(0);
  });
});
