/** jest globalTeardown: stops the template producer if it still runs, and removes the run's cache directory. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SYNTH_CACHE_VARIABLE } from './synth-cache-setup';

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

export default function teardown(): void {
  const directory = process.env[SYNTH_CACHE_VARIABLE];
  if (!directory) return;
  let pid = 0;
  try {
    pid = Number(readFileSync(join(directory, 'producer.pid'), 'utf8'));
  } catch (error) {
    if (code(error) !== 'ENOENT') throw error; // no test asked for a shared template
  }
  try {
    if (pid) process.kill(pid);
  } catch (error) {
    if (code(error) !== 'ESRCH') throw error; // it had finished
  }
  rmSync(directory, { recursive: true, force: true });
}
