/**
 * jest globalSetup: one directory per test run for the synthesized templates the infra tests share
 * (test/infra/synth.ts); test/synth-cache-teardown.ts removes it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable naming the run's cache directory. */
export const SYNTH_CACHE_VARIABLE = 'NRT_SYNTH_CACHE_DIR';

export default function setup(): void {
  // The workers start after this, with this environment.
  process.env[SYNTH_CACHE_VARIABLE] = mkdtempSync(join(tmpdir(), 'synth-cache-'));
}
