/**
 * Where the functions' metrics go in local mode. On AWS a function's stdout goes to CloudWatch Logs, which
 * turns each EMF line into metrics; here the handlers run in this process, so their EMF lines (Powertools
 * Metrics writes them to stdout) are taken off the terminal, appended to a file of the state directory
 * (`metrics/emf.log`, one line each, as the log group would hold them; the lines of one turn of the event loop
 * in one append at its end) and handed to the metric store.
 * Everything else written to stdout passes through unchanged.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The start of every EMF line Powertools writes (its `_aws` metadata comes first). */
const EMF_PREFIX = '{"_aws":';

type Write = typeof process.stdout.write;

/**
 * Diverts EMF lines written to stdout to `file` and `onLine`; answers what stops it. Stopping restores
 * stdout's previous `write` unless something else wrapped it since (that wrapper then keeps calling ours,
 * which passes everything through once stopped).
 */
export function tapEmfLines(file: string, onLine: (line: string) => void): () => void {
  mkdirSync(dirname(file), { recursive: true });
  // Bound: the previous write (stdout's own, or a test's spy) runs with stdout as `this`.
  const previous = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  const stdout = process.stdout as { write: Write };
  const original = stdout.write;
  let tapping = true;
  // The lines of one turn of the event loop, written together at its end: a synchronous append per line
  // (open, write, close; two a GetRecommendations request) cost the serving thread 11 to 22 µs each. The file
  // stays open for appending while tapping: a turn's lines cost one write, not an open and a close as well.
  let pending: string[] = [];
  let fd: number | undefined;
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    try {
      fd ??= openSync(file, 'a');
      const bytes = Buffer.from(text, 'utf8');
      for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
    } catch {
      // A full disk must not fail the requests that wrote the metrics; the page still got the lines.
    }
  };
  const tapped = function (this: void, chunk: unknown, ...rest: unknown[]): boolean {
    if (tapping && typeof chunk === 'string' && chunk.startsWith(EMF_PREFIX)) {
      const lines = chunk.split('\n').filter((line) => line.length > 0);
      if (pending.length === 0) setImmediate(flush);
      for (const line of lines) pending.push(`${line}\n`);
      for (const line of lines) onLine(line);
      return true;
    }
    return previous(chunk, ...rest);
  } as Write;
  stdout.write = tapped;
  return () => {
    tapping = false;
    flush();
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    if (stdout.write === tapped) stdout.write = original;
  };
}
