/**
 * The state directory: one local mode at a time (a lock file with the holder's pid; a stale one is taken
 * over), and the files holding the API key readable by their owner only.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalMode, type LocalMode } from '../../local/start';
import { LOCK_FILE } from '../../local/shared/state-lock';
import { temporaryDirectory } from './helpers';

jest.setTimeout(120_000);

const start = (stateDir: string, reset = false): Promise<LocalMode> =>
  startLocalMode({ port: 0, stateDir, personalizeTransitionMs: 20, log: () => undefined, reset });

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('the state directory', () => {
  it('is locked by the local mode using it: a second start is refused, naming the directory and the holder', async () => {
    const state = temporaryDirectory('local-mode-lock');
    try {
      const first = await start(state.path);
      try {
        expect(readFileSync(join(state.path, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
        const refusal = `The state directory ${state.path} is in use by another local mode (process ${process.pid}): stop it, or use another --state-dir.`;
        await expect(start(state.path)).rejects.toThrow(refusal);
        // A reset is refused too, before it deletes anything of the running local mode.
        await expect(start(state.path, true)).rejects.toThrow(refusal);
        expect(existsSync(join(state.path, 'api-key'))).toBe(true);
        expect(existsSync(join(state.path, LOCK_FILE))).toBe(true);
      } finally {
        await first.close();
      }
      expect(existsSync(join(state.path, LOCK_FILE))).toBe(false);
    } finally {
      state.remove();
    }
  });

  it('takes over a stale lock, whose process is not running', async () => {
    const state = temporaryDirectory('local-mode-stale-lock');
    try {
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(join(state.path, LOCK_FILE), `${gone}\nleft by a local mode that was killed\n`);
      const local = await start(state.path);
      expect(readFileSync(join(state.path, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
      await local.close();
      expect(existsSync(join(state.path, LOCK_FILE))).toBe(false);
    } finally {
      state.remove();
    }
  });

  it('keeps outputs.json and api-key (they hold the key) readable by their owner only, also when they existed', async () => {
    const state = temporaryDirectory('local-mode-modes');
    try {
      const apiKey = join(state.path, 'api-key');
      const outputs = join(state.path, 'outputs.json');
      writeFileSync(apiKey, 'kept-key-0123456789\n');
      writeFileSync(outputs, '{}\n');
      chmodSync(apiKey, 0o644);
      chmodSync(outputs, 0o644);
      const local = await start(state.path);
      await local.close();
      expect(local.apiKey).toBe('kept-key-0123456789');
      expect(JSON.parse(readFileSync(outputs, 'utf8'))).toEqual({ [local.stackName]: local.outputs });
      expect(modeOf(apiKey).toString(8)).toBe('600');
      expect(modeOf(outputs).toString(8)).toBe('600');

      // New files too.
      const fresh = await start(join(state.path, 'fresh'));
      await fresh.close();
      expect(modeOf(join(state.path, 'fresh', 'api-key')).toString(8)).toBe('600');
      expect(modeOf(join(state.path, 'fresh', 'outputs.json')).toString(8)).toBe('600');
    } finally {
      state.remove();
    }
  });
});
