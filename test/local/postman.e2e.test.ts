/** The Postman collection, run by newman against local mode: the same collection that runs against AWS. */
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { silenceHandlerLogs, temporaryDirectory } from './helpers';

jest.setTimeout(180_000);

interface NewmanSummary {
  run: {
    stats: Record<'requests' | 'assertions' | 'testScripts', { total: number; failed: number }>;
    failures: Array<{ source?: { name?: string }; error: { message: string } }>;
  };
}
type NewmanRun = (
  options: Record<string, unknown>,
  callback: (error: Error | null, summary: NewmanSummary) => void,
) => void;

// newman ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const newman = require('newman') as { run: NewmanRun };

describe('postman_collection.json against local mode', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;

  beforeAll(async () => {
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('local-mode-postman');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      personalizeTransitionMs: 20,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await local?.close();
    state.remove();
    restoreStdout();
  });

  it('runs every request with zero failed assertions', async () => {
    const summary = await new Promise<NewmanSummary>((resolve, reject) => {
      newman.run(
        {
          collection: join(__dirname, '..', '..', 'postman_collection.json'),
          // Environment values take precedence over the collection's defaults: only the deployment changes.
          environment: {
            values: [
              { key: 'baseUrl', value: local.url },
              { key: 'apiKey', value: local.apiKey },
              { key: 'solutionArn', value: local.outputs[STACK_OUTPUTS.solutionArn] },
              { key: 'datasetGroupArn', value: local.outputs[STACK_OUTPUTS.datasetGroupArn] },
              { key: 'pollIntervalMs', value: '200' },
            ],
          },
          reporters: [],
          timeoutRequest: 30_000,
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });

    const failures = summary.run.failures.map(
      (failure) => `${failure.source?.name ?? '?'}: ${failure.error.message}`,
    );
    expect(failures).toEqual([]);
    expect(summary.run.stats.requests.total).toBeGreaterThanOrEqual(12);
    expect(summary.run.stats.assertions.total).toBeGreaterThan(0);
    expect(summary.run.stats.assertions.failed).toBe(0);
  });
});
