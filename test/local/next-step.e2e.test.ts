/**
 * What `npm start` tells a returning user: what the kept state holds and the walkthrough step that comes
 * next (not "train first" when a campaign is serving), and that `--reset` replaced the API key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextStep, readLocalState } from '../../local/next-step';
import { startLocalMode, type LocalMode } from '../../local/start';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { callApi, silenceHandlerLogs, temporaryDirectory, waitFor } from './helpers';

jest.setTimeout(180_000);

const where = { solutionArn: 'arn:solution', datasetGroupArn: 'arn:group' };

describe('the next step', () => {
  it('follows the walkthrough: train, then campaign, then tracker, then recommendations', () => {
    const at = (state: Parameters<typeof nextStep>[0]) =>
      nextStep(state, 'http://localhost:1/prod', 'KEY', where);
    expect(at({})).toContain("POST 'http://localhost:1/prod/solutionVersion'");
    expect(at({})).not.toContain('Kept from the last run');
    const version = { solutionVersionArn: 'arn:version' };
    expect(at(version)).toContain('/campaign');
    expect(at(version)).toContain('"solutionVersionArn":"arn:version"');
    const campaign = { ...version, campaignArn: 'arn:campaign' };
    expect(at(campaign)).toContain('/eventTracker');
    expect(at(campaign)).toContain('"datasetGroupArn":"arn:group"');
    const ready = { ...campaign, eventTrackerArn: 'arn:tracker', trackingId: 'tid' };
    expect(at(ready)).toContain(`/getRecommendations?campaignArn=${encodeURIComponent('arn:campaign')}`);
    expect(at(ready)).toContain('tracking id tid');
    expect(at(ready)).not.toContain('/solutionVersion');
  });
});

describe('a restart on kept state', () => {
  let restoreLogs: () => void;
  beforeAll(() => (restoreLogs = silenceHandlerLogs()));
  afterAll(() => restoreLogs());
  const start = (stateDir: string, log: (line: string) => void, reset = false): Promise<LocalMode> =>
    startLocalMode({ port: 0, stateDir, personalizeTransitionMs: 20, log, reset });

  it('reads the ACTIVE solution version, campaign and tracker it holds', async () => {
    const state = temporaryDirectory('local-mode-next-step');
    try {
      const local = await start(state.path, () => undefined);
      try {
        const read = () => readLocalState(local.url, local.apiKey);
        expect(await read()).toEqual({});
        const call = (method: string, path: string, body?: unknown) =>
          callApi(local.url, local.apiKey, method, path, body);
        const version = await call('POST', '/solutionVersion', {
          solutionArn: local.outputs[STACK_OUTPUTS.solutionArn],
          version: 'next-step',
        });
        const solutionVersionArn = (version.body as { solutionVersionArn: string }).solutionVersionArn;
        // Bounds for a loaded machine (training and each poll slow down with it), not for the emulator.
        await waitFor(
          'the version to be ACTIVE',
          async () => ((await read()).solutionVersionArn ? true : undefined),
          90_000,
        );
        const campaign = await call('POST', '/campaign', { solutionVersionArn, name: 'next-step' });
        const campaignArn = (campaign.body as { campaignArn: string }).campaignArn;
        const tracker = await call('POST', '/eventTracker', {
          name: 'next-step',
          datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
        });
        const { trackingId } = tracker.body as { trackingId: string };
        const held = await waitFor(
          'campaign and tracker ACTIVE',
          async () => {
            const now = await read();
            return now.campaignArn && now.trackingId ? now : undefined;
          },
          90_000,
        );
        expect(held).toEqual({
          solutionVersionArn,
          campaignArn,
          eventTrackerArn: (tracker.body as { eventTrackerArn: string }).eventTrackerArn,
          trackingId,
        });
      } finally {
        await local.close();
      }
    } finally {
      state.remove();
    }
  });

  it('says that --reset replaced the API key, and only then', async () => {
    const state = temporaryDirectory('local-mode-reset-key');
    try {
      const lines: string[] = [];
      const log = (line: string) => lines.push(line);
      await (await start(state.path, log)).close();
      const before = readFileSync(join(state.path, 'api-key'), 'utf8').trim();
      expect(lines.join('\n')).not.toContain('--reset');
      await (await start(state.path, log)).close();
      expect(lines.join('\n')).not.toContain('--reset');
      await (await start(state.path, log, true)).close();
      const after = readFileSync(join(state.path, 'api-key'), 'utf8').trim();
      expect(after).not.toBe(before);
      expect(lines.filter((line) => line.startsWith('--reset'))).toEqual([
        `--reset deleted the state directory and its API key: the key is now ${after} (the old one is refused)`,
      ]);
    } finally {
      state.remove();
    }
  });
});
