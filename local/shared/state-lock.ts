/**
 * One local mode per state directory: kinesalite's LevelDB, the emulator's files and the checkpoints are
 * not shared safely, and a second `npm start` on the same directory died with LevelDB's lock error. The
 * lock is a file in the directory naming its holder: the pid and the process's start time, created
 * atomically (written in full to a file of its own, then hard-linked into place, which fails when the lock
 * exists).
 *
 * The lock dies with its holder. A pid alone cannot tell: a process killed with `kill -9` stays a zombie
 * until its parent reaps it (it still answers `kill(pid, 0)`), and a pid is reused, by any process. So the
 * holder is alive only while a process with its pid exists, is not a zombie, and started when the holder
 * did (Linux: /proc/<pid>/stat; elsewhere: `ps`). A lock whose holder is gone is stale and taken over.
 */
import { execFileSync } from 'node:child_process';
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
      `The state directory ${stateDir} is in use by another local mode (process ${pid}): stop it, or use another --state-dir. ` +
        `If process ${pid} is not a local mode (its pid was reused), delete ${join(stateDir, LOCK_FILE)} and start again.`,
    );
    this.name = 'StateDirectoryLockedError';
  }
}

/** What the operating system says of a process: its state letter (`Z`: a zombie) and its start time. */
export interface ProcessInfo {
  readonly state: string;
  /** Opaque, only compared: clock ticks since boot on Linux, `ps`'s lstart elsewhere. */
  readonly startTime: string;
}

/** Reads a process's state and start time; undefined when no such process exists. */
export type ProcessInfoReader = (pid: number) => ProcessInfo | undefined;

/** Takes the directory's lock, or throws StateDirectoryLockedError; returns what releases it. */
export function lockStateDirectory(
  stateDir: string,
  readProcess: ProcessInfoReader = processInfo,
): () => void {
  const path = join(stateDir, LOCK_FILE);
  const own = readProcess(process.pid);
  const content = `${process.pid}\n${own?.startTime ?? ''}\n${randomUUID()}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(path, content)) return () => release(path, content);
    const holder = readLock(path);
    if (holder === undefined) continue; // released meanwhile: try again
    if (holder.pid !== undefined && isAlive(holder, readProcess)) {
      throw new StateDirectoryLockedError(stateDir, holder.pid);
    }
    takeOverStale(path, holder.content);
  }
  throw new Error(`Could not lock the state directory ${stateDir} (${path} keeps changing)`);
}

/** Whether the lock's holder still runs: its pid exists, is no zombie, and (when recorded) started when it did. */
function isAlive(holder: LockHolder, readProcess: ProcessInfoReader): boolean {
  const info = readProcess(holder.pid as number);
  if (!info || info.state.startsWith('Z') || info.state.startsWith('X')) return false;
  // A lock without a start time (written before it was recorded, or where none could be read) trusts the pid.
  return holder.startTime === undefined || info.startTime === '' || info.startTime === holder.startTime;
}

/**
 * The process's state and start time, from /proc on Linux and from `ps` elsewhere. When neither can be read
 * the process is reported as running with an unknown start time if `kill(pid, 0)` finds it.
 */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (process.platform === 'linux') {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return signalProbe(pid);
    }
    // `pid (comm) state ...`: comm may hold spaces and parentheses, so fields count from the last `)`;
    // starttime is field 22 of proc(5), the 20th after the state.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  }
  try {
    const line = execFileSync('ps', ['-o', 'stat=,lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const [state = '', ...start] = line.split(/\s+/);
    return line ? { state, startTime: start.join(' ') } : undefined;
  } catch {
    // ps exits 1 when there is no such process.
    return signalProbe(pid);
  }
}

/** Whether a process with this pid exists (EPERM: it does, as another user's); start time unknown. */
function signalProbe(pid: number): ProcessInfo | undefined {
  try {
    process.kill(pid, 0);
    return { state: 'R', startTime: '' };
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? { state: 'R', startTime: '' } : undefined;
  }
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

interface LockHolder {
  readonly content: string;
  readonly pid?: number;
  readonly startTime?: string;
}

function readLock(path: string): LockHolder | undefined {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pidLine = '', startLine = ''] = content.split('\n');
  const pid = Number(pidLine);
  if (!Number.isSafeInteger(pid) || pid <= 0) return { content };
  // The second line is the start time, digits on Linux; older locks had a free-form note there.
  const startTime = /^\d+$|^[A-Z][a-z]{2} /.test(startLine) ? startLine : undefined;
  return { content, pid, startTime };
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
