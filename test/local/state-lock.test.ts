/**
 * The state directory's lock dies with its holder: a holder killed with `kill -9` that is still a zombie,
 * or a pid now used by an unrelated process, no longer holds it; a live holder does, and the refusal says
 * how to recover.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LOCK_FILE,
  StateDirectoryLockedError,
  lockStateDirectory,
  processInfo,
} from '../../local/shared/state-lock';
import { temporaryDirectory, waitFor } from './helpers';

/**
 * A process whose parent never reaps it: `sh` starts `sleep` in the background, prints its pid and replaces
 * itself with another `sleep`, which never waits. Killed, the first sleep stays a zombie, as a local mode
 * killed with `kill -9` does until its parent (a shell, npm) reaps it.
 */
async function unreapedProcess(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('sh', ['-c', 'sleep 120 & echo $!; exec sleep 121'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    parent.once('error', reject);
  });
  return { pid, parent };
}

const lockNaming = (pid: number, startTime: string) => `${pid}\n${startTime}\nholder's own id\n`;

describe('the state directory lock', () => {
  const holders: ChildProcess[] = [];
  afterEach(() => {
    for (const holder of holders.splice(0)) holder.kill('SIGKILL');
  });

  it('refuses while its holder runs, saying how to recover, and is taken over once the holder was killed (a zombie)', async () => {
    const state = temporaryDirectory('state-lock-zombie');
    try {
      const { pid, parent } = await unreapedProcess();
      holders.push(parent);
      const started = processInfo(pid)?.startTime ?? '';
      expect(started).not.toBe('');
      writeFileSync(join(state.path, LOCK_FILE), lockNaming(pid, started));

      expect(() => lockStateDirectory(state.path)).toThrow(StateDirectoryLockedError);
      expect(() => lockStateDirectory(state.path)).toThrow(
        `If process ${pid} is not a local mode (its pid was reused), delete ${join(state.path, LOCK_FILE)} and start again.`,
      );

      process.kill(pid, 'SIGKILL');
      await waitFor(
        'the killed holder to be a zombie',
        () => (processInfo(pid)?.state.startsWith('Z') ? true : undefined),
        10_000,
      );
      // The zombie still answers kill(pid, 0): the lock must not trust that.
      expect(() => process.kill(pid, 0)).not.toThrow();

      const release = lockStateDirectory(state.path);
      expect(readFileSync(join(state.path, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
      release();
      expect(existsSync(join(state.path, LOCK_FILE))).toBe(false);
    } finally {
      state.remove();
    }
  });

  it('is taken over when its pid now belongs to another process (a pid reused), even a live parent', () => {
    const state = temporaryDirectory('state-lock-pid-reuse');
    try {
      const parent = processInfo(process.ppid);
      expect(parent?.state.startsWith('Z')).toBe(false);
      // The lock's holder had the parent's pid but started at another time.
      writeFileSync(join(state.path, LOCK_FILE), lockNaming(process.ppid, `${parent?.startTime ?? ''}1`));

      const release = lockStateDirectory(state.path);
      expect(readFileSync(join(state.path, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
      release();
    } finally {
      state.remove();
    }
  });

  it('records its holder with the start time the operating system gives', () => {
    const state = temporaryDirectory('state-lock-content');
    try {
      const release = lockStateDirectory(state.path);
      const [pid, startTime] = readFileSync(join(state.path, LOCK_FILE), 'utf8').split('\n');
      expect(pid).toBe(String(process.pid));
      expect(startTime).toBe(processInfo(process.pid)?.startTime);
      // A second taker in the same live process is refused.
      expect(() => lockStateDirectory(state.path)).toThrow(StateDirectoryLockedError);
      release();
    } finally {
      state.remove();
    }
  });
});
