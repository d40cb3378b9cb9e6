/**
 * README's walkthrough, run as a newcomer runs it: its bash block, copied verbatim from README.md, against
 * local mode on a random port. Only the polling pause is shortened. If the README's commands stop working
 * (a route, a field, a status, an output name), this fails.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory } from './helpers';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');

/** The walkthrough's bash block of README.md (the one that starts by reading the outputs file). */
function readmeWalkthrough(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const block = blocks.find((text) => text.includes('OUT=${OUT:-.local-state/outputs.json}'));
  if (!block)
    throw new Error('README.md has no walkthrough block reading OUT=${OUT:-.local-state/outputs.json}');
  return block;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the block in bash, asynchronously: local mode serves its requests from this very process. */
function runWalkthrough(outputsFile: string): Promise<Run> {
  const script = [
    'set -euo pipefail',
    readmeWalkthrough().replaceAll('sleep 5', 'sleep 0.2'),
    'echo "CAMPAIGN=$CAMPAIGN_ARN"',
    'echo "CLICKED=$ITEM_ID"',
  ];
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', script.join('\n')], {
      cwd: ROOT,
      env: { ...process.env, OUT: outputsFile },
      timeout: 180_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const itemIds = (line: string | undefined): string[] =>
  (JSON.parse(line ?? '{}') as { itemList?: Array<{ itemId: string }> }).itemList?.map(
    (item) => item.itemId,
  ) ?? [];

describe("README's walkthrough, verbatim", () => {
  let local: LocalMode;
  let state: { path: string; remove(): void };
  let restoreLogs: () => void;

  beforeAll(async () => {
    restoreLogs = silenceHandlerLogs();
    state = temporaryDirectory('readme-walkthrough');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      personalizeTransitionMs: 20,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await local?.close();
    state?.remove();
    restoreLogs?.();
  });

  it.each([1, 2])(
    'runs to the end (run %i on the same local mode), and the clicks change the top 10',
    async () => {
      const result = await runWalkthrough(local.outputsFile);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      const lines = result.stdout.trim().split('\n');
      const [deleted, campaignLine, clickedLine] = lines.slice(-3);
      const campaignArn = campaignLine?.replace('CAMPAIGN=', '') ?? '';
      const clicked = clickedLine?.replace('CLICKED=', '') ?? '';
      const lists = lines.filter((line) => line.startsWith('{"itemList"'));
      expect(lists).toHaveLength(2);
      const [before, after] = lists.map(itemIds);
      expect(before).toHaveLength(10);
      expect(before).not.toContain(clicked);
      // What README's step 6 promises: the list changed (where the clicked item lands is the model's call).
      expect(after).toHaveLength(10);
      expect(after).not.toEqual(before);
      // Step 7: once watched, the item is out of the "unwatched" filter's list.
      expect(lines.filter((line) => line.startsWith('watched '))).toEqual([
        `watched ${clicked} in the unwatched list: false`,
      ]);
      // The campaign it created is being deleted: the block's last line is its status or a 404.
      expect(deleted).toMatch(/DELETE PENDING|DELETE IN_PROGRESS|ResourceNotFoundException/);
      // Each run reuses the tracker the first created, and leaves no campaign serving: its own is listed as
      // being deleted until the emulator has removed it, then not at all.
      const status = (await callApi(local.url, local.apiKey, 'GET', '/status')).body as {
        eventTrackers: Array<{ status: string }>;
        campaigns: Array<{ campaignArn: string; status: string }>;
      };
      expect(status.eventTrackers.map((tracker) => tracker.status)).toEqual(['ACTIVE']);
      expect(status.campaigns.filter((campaign) => campaign.status === 'ACTIVE')).toEqual([]);
      expect(campaignArn).toContain(':campaign/');
      const own = status.campaigns.find((campaign) => campaign.campaignArn === campaignArn);
      expect(own?.status ?? 'gone').toMatch(/^(DELETE |gone$)/);
    },
  );
});
