/**
 * The benchmark's load generator: autocannon in a process of its own, so the load never comes from the event loop
 * under test. scripts/benchmark.ts forks it once and keeps it for the whole run, sending one run at a time over
 * IPC: each row then pays for its requests, not for starting Node and autocannon (about 0.4 s of CPU and more of
 * wall clock a row, twice a row with its warm-up). Each answer is autocannon's summary, what `autocannon --json`
 * prints.
 */
import { createRequire } from 'node:module';

/** One run: a fixed number of requests (`amount`) or a duration in seconds. */
export interface LoadRun {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly connections: number;
  readonly duration?: number;
  readonly amount?: number;
}

/** The fields of autocannon's summary the benchmark reads. */
interface LoadSummary {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodeStats?: Record<string, { readonly count: number }>;
}

export type LoadAnswer = { readonly summary: LoadSummary } | { readonly error: string };

type Autocannon = (run: LoadRun, done: (error: Error | null, summary: LoadSummary) => void) => unknown;

// autocannon ships no types; its programmatic API takes the CLI's options by their long names.
const autocannon = createRequire(__filename)('autocannon') as Autocannon;

process.on('message', (run: LoadRun) => {
  const answer = (reply: LoadAnswer) => process.send?.(reply);
  try {
    autocannon(run, (error, summary) => answer(error ? { error: String(error) } : { summary }));
  } catch (error) {
    // autocannon throws on options it refuses (more connections than requests): an answer, not a crash.
    answer({ error: String(error) });
  }
});
// The benchmark ends with this process's channel: nothing keeps it after its parent.
process.on('disconnect', () => process.exit(0));
