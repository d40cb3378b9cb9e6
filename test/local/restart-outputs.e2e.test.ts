/**
 * The outputs file describes what the state holds, whatever the start's options: a restart without
 * `--provision` keeps what an earlier `--provision` wrote while it exists, and drops what was deleted since;
 * what `npm start` says about it is true on a first start and on a restart; Ctrl-C during start-up stops
 * what was started.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROVISIONING_OUTPUTS } from '../../lib/contract/stack-outputs';
import { nextStep } from '../../local/next-step';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, waitFor } from './helpers';

jest.setTimeout(180_000);

const API_KEY = 'restart-outputs-key';
const ROOT = resolve(__dirname, '..', '..');

describe('the outputs file across restarts', () => {
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  /** The handlers create their SDK clients once per module: every start of this file uses the first's port. */
  let personalizePort = 0;

  beforeAll(() => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('restart-outputs');
  });

  afterAll(() => {
    state?.remove();
    restoreStdout?.();
  });

  const start = async (provision: boolean, lines: string[] = []): Promise<LocalMode> => {
    const local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: API_KEY,
      personalizeTransitionMs: 20,
      personalizePort,
      provision,
      log: (line) => lines.push(line),
    });
    personalizePort = Number(new URL(local.personalize.endpoint).port);
    return local;
  };
  const fileOutputs = (local: LocalMode) =>
    (JSON.parse(readFileSync(local.outputsFile, 'utf8')) as Record<string, Record<string, string>>)[
      local.stackName
    ];
  const provisioned = (outputs: Record<string, string> | undefined) =>
    Object.fromEntries(Object.values(PROVISIONING_OUTPUTS).map((name) => [name, outputs?.[name]]));

  it('keeps the campaign, tracker and version of the last --provision while they exist, and drops what was deleted', async () => {
    const firstLines: string[] = [];
    const first = await start(true, firstLines);
    const written = provisioned(first.outputs);
    await first.close();
    expect(Object.values(written).every((value) => typeof value === 'string')).toBe(true);
    expect(firstLines).toContain(
      "Provisioning: the stack's workflow waits for the imports, trains a solution version, then a campaign and the event tracker...",
    );

    // Without --provision: the file still names all four, and the campaign answers.
    const second = await start(false);
    try {
      expect(provisioned(second.outputs)).toEqual(written);
      expect(provisioned(fileOutputs(second))).toEqual(written);
      const campaignArn = written[PROVISIONING_OUTPUTS.campaignArn] ?? '';
      const recommendations = await callApi(
        second.url,
        API_KEY,
        'GET',
        `/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=429&numResults=3`,
      );
      expect(recommendations.status).toBe(200);
      // The campaign is deleted through the API, as the walkthrough's last step does.
      const deleted = await callApi(second.url, API_KEY, 'DELETE', '/deleteResources', { campaignArn });
      expect(deleted.status).toBe(200);
    } finally {
      await second.close();
    }

    // The deleted campaign is no longer in the file; what still exists is.
    const third = await start(false);
    try {
      expect(fileOutputs(third)).not.toHaveProperty(PROVISIONING_OUTPUTS.campaignArn);
      expect(provisioned(third.outputs)).toEqual({
        ...written,
        [PROVISIONING_OUTPUTS.campaignArn]: undefined,
      });
    } finally {
      await third.close();
    }

    // --provision again: a new campaign; the log does not claim a training that does not happen.
    const lines: string[] = [];
    const fourth = await start(true, lines);
    await fourth.close();
    expect(fourth.outputs[PROVISIONING_OUTPUTS.solutionVersionArn]).toBe(
      written[PROVISIONING_OUTPUTS.solutionVersionArn],
    );
    const fifthLines: string[] = [];
    const fifth = await start(true, fifthLines);
    await fifth.close();
    expect(fifthLines).toContain(
      'Provisioning: the solution version, campaign and event tracker of the last --provision are still there (nothing to train)',
    );
    expect(fifthLines.join('\n')).not.toMatch(/training a solution version/);
  });

  it('stops what it started when the start is aborted (Ctrl-C), and leaves the state directory usable', async () => {
    const fresh = temporaryDirectory('restart-outputs-abort');
    try {
      const startUp = new AbortController();
      const lines: string[] = [];
      const aborted = startLocalMode({
        port: 0,
        stateDir: fresh.path,
        apiKey: API_KEY,
        personalizeTransitionMs: 20,
        personalizePort,
        signal: startUp.signal,
        log: (line) => {
          lines.push(line);
          // In the middle of the start: the services are up, provisioning has begun.
          if (line.startsWith('Creating dataset group')) startUp.abort(new Error('Ctrl-C'));
        },
      });
      await expect(aborted).rejects.toThrow('Ctrl-C');
      // The step under way (provisioning) ended; nothing after it started.
      expect(lines.some((line) => line.startsWith('Creating solution'))).toBe(true);
      expect(lines.some((line) => line.startsWith('Provisioning'))).toBe(false);
      // The lock and the ports were released: the next start on the same directory works.
      const again = await startLocalMode({
        port: 0,
        stateDir: fresh.path,
        apiKey: API_KEY,
        personalizeTransitionMs: 20,
        personalizePort,
        log: () => undefined,
      });
      await again.close();
    } finally {
      fresh.remove();
    }
  });

  it("says so on Ctrl-C during npm start's start-up, and exits 130 once what it started has stopped", async () => {
    const fresh = temporaryDirectory('restart-outputs-sigint');
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'local', 'start.ts'), '--state-dir', fresh.path],
        { cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor('the start-up to begin provisioning', () =>
        output.includes('Creating dataset group') ? true : undefined,
      );
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(output).toContain('SIGINT during start-up: stopping once the current step ends');
      expect(output).toContain('Stopped during start-up. The state directory is kept as it is');
      expect(output).not.toContain('Local mode is up');
    } finally {
      fresh.remove();
    }
  });
});

describe("the banner's words for what exists", () => {
  const where = { solutionArn: 'arn:solution', datasetGroupArn: 'arn:group' };
  const held = {
    solutionVersionArn: 'arn:version',
    campaignArn: 'arn:campaign',
    eventTrackerArn: 'arn:tracker',
    trackingId: 'tid',
  };

  it('says "kept from the last run" on a restart, and "provisioned" when this start provisioned them', () => {
    expect(nextStep(held, 'http://localhost:1/prod', 'KEY', where)).toContain('Kept from the last run:');
    const provisionedNow = nextStep(held, 'http://localhost:1/prod', 'KEY', where, 'provisioned');
    expect(provisionedNow).toContain('Provisioned (--provision):');
    expect(provisionedNow).not.toContain('Kept from the last run');
  });

  it('offers npm start -- --provision while steps 1 to 3 are still to do, and not once a campaign serves', () => {
    expect(nextStep({}, 'http://localhost:1/prod', 'KEY', where)).toContain('npm start -- --provision');
    expect(nextStep(held, 'http://localhost:1/prod', 'KEY', where)).not.toContain('--provision');
  });
});
