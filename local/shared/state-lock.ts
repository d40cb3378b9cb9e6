/**
 * One local mode per state directory: kinesalite's LevelDB, the emulator's files and the checkpoints are
 * not shared safely, and a second `npm start` on the same directory died with LevelDB's lock error. The
 * lock is a file in the directory holding the holder's pid, created atomically (written in full to a file
 * of its own, then hard-linked into place, which fails when the lock exists). A lock whose pid is not
 * running (a local mode killed without closing) is stale and taken over.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'local-mode.lock';

export class StateDirectoryLockedError extends Error {
  constructor(
    readonly stateDir: string,
    readonly pid: number,
  ) {
    super(
      `The state directory ${stateDir} is in use by another local mode (process ${pid}): stop it, or use another --state-dir.`,
    );
    this.name = 'StateDirectoryLockedError';
  }
}

/** Takes the directory's lock, or throws StateDirectoryLockedError; returns what releases it. */
export function lockStateDirectory(stateDir: string): () => void {
  const path = join(stateDir, LOCK_FILE);
  const content = `${process.pid}\n${randomUUID()}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(path, content)) return () => release(path, content);
    const holder = readLock(path);
    if (holder === undefined) continue; // released meanwhile: try again
    if (holder.pid !== undefined && isRunning(holder.pid)) {
      throw new StateDirectoryLockedError(stateDir, holder.pid);
    }
    takeOverStale(path, holder.content);
  }
  throw new Error(`Could not lock the state directory ${stateDir} (${path} keeps changing)`);
}

/** Creates the lock file with its whole content, atomically; false when it exists. */
function tryCreate(path: string, content: string): boolean {
  const draft = `${path}.${process.pid}.${randomUUID()}`;
  writeFileSync(draft, content, { mode: 0o600 });
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}

function readLock(path: string): { content: string; pid?: number } | undefined {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(content.split('\n')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? { content, pid } : { content };
}

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a stale lock aside and deletes it. Two starters may both see it stale: the one whose rename finds a
 * lock other than the stale one it read (the other starter's fresh lock) puts it back.
 */
function takeOverStale(path: string, staleContent: string): void {
  const aside = `${path}.stale.${process.pid}.${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readFileSync(aside, 'utf8') === staleContent) unlinkSync(aside);
  else renameSync(aside, path);
}

/** Deletes the lock if it is still this process's. */
function release(path: string, content: string): void {
  const holder = readLock(path);
  if (holder?.content === content) unlinkSync(path);
}
