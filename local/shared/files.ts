import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** The temporary file, in the same directory as the target (a rename across file systems is no rename). */
  readonly temporary?: string;
  /** Fail if the temporary file exists already (`wx`) instead of overwriting it. */
  readonly exclusive?: boolean;
}

/**
 * Writes `content` to a temporary file, flushes it to disk, renames it over `file` and flushes the directory:
 * a reader sees the old file or the new one, whole, and once this returns the new one survives a crash of the
 * process or of the machine. `content` is the bytes, or a function that writes them to the open descriptor.
 * On failure the temporary file it created is removed and the error thrown; `file` is as it was.
 */
export function writeFileAtomically(
  file: string,
  content: string | Uint8Array | ((fd: number) => void),
  options: AtomicWriteOptions = {},
): void {
  const temporary = options.temporary ?? `${file}.${process.pid}.tmp`;
  // Outside the clean-up: an open that fails created nothing (with exclusive, the file is another writer's).
  const fd = openSync(temporary, options.exclusive ? 'wx' : 'w');
  try {
    try {
      if (typeof content === 'function') content(fd);
      else writeAll(fd, typeof content === 'string' ? Buffer.from(content) : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(dirname(file));
}

/** Writes every byte (writeSync may write fewer than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
}

/**
 * Flushes a directory's entries (a rename is durable only once its directory is). Platforms that cannot open
 * a directory for this (Windows) flush entries with the file, so there it does nothing.
 */
function syncDirectory(directory: string): void {
  let fd: number;
  try {
    fd = openSync(directory, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES') return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    closeSync(fd);
  }
}
