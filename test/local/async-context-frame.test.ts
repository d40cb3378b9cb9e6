/**
 * npm start (and the benchmark, which starts local mode as npm start does) runs Node with
 * --experimental-async-context-frame: AsyncLocalStorage, which the handlers' logger and metrics keep per
 * invocation, then rides on V8's continuation context instead of Node's promise hooks, which cost every promise
 * of the gateway's thread (the SDK clients' middleware awaits many a request). The handlers must see the same
 * per-invocation context either way.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PROJECT_ROOT = join(__dirname, '..', '..');
const FLAG = '--experimental-async-context-frame';

describe("local mode's Node flag for AsyncLocalStorage", () => {
  it('is on for npm start and for the benchmark', () => {
    const { scripts } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.start).toBe(`tsx ${FLAG} local/start.ts`);
    expect(scripts.benchmark).toBe(`tsx ${FLAG} scripts/benchmark.ts`);
  });

  it("keeps each of two overlapping invocations' log lines tagged with its own request id, and none after", () => {
    const script = `
      const { logger } = require('./lambda/shared/logger.ts');
      const { setTimeout: sleep } = require('node:timers/promises');
      const run = (id, waits) => logger.withRequestId(id, async () => {
        for (const ms of waits) { await sleep(ms); logger.info('step', { ms }); }
      });
      Promise.all([run('a', [5, 1, 10]), run('b', [1, 8, 2])]).then(() => logger.info('after'));
    `;
    const out = execFileSync(process.execPath, [FLAG, '--import', 'tsx', '-e', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'INFO' },
    });
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string; requestId?: string; ms?: number });
    const steps = (id: string) => lines.filter((line) => line.requestId === id).map((line) => line.ms);
    expect(steps('a')).toEqual([5, 1, 10]);
    expect(steps('b')).toEqual([1, 8, 2]);
    const after = lines.at(-1);
    expect([after?.message, after && 'requestId' in after]).toEqual(['after', false]);
    expect(lines).toHaveLength(7);
  });
});
