import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorStore } from '../../local/personalize/store';

// kill -9 at any moment, compactions included, loses no accepted event and records none twice: a writer
// process appends events one by one (compacting every 8 KiB of log) and is killed at random points.

const GROUP = 'arn:aws:personalize:us-east-1:000000000000:dataset-group/crash';

/** Runs the writer until it has acknowledged `events` events, then kills it; the last acknowledged. */
function runAndKill(stateDir: string, events: number): Promise<number> {
  const writer = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'crash-writer.ts'), stateDir, GROUP],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let last = -1;
    let seen = 0;
    let pending = '';
    // A writer that stops printing (it never should) fails the test with what it had done.
    const stalled = setTimeout(() => {
      writer.kill('SIGKILL');
      reject(new Error(`The writer stalled after ${seen} of ${events} events`));
    }, 60_000);
    writer.stdout.setEncoding('utf8');
    writer.stdout.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) last = Number(line);
      seen += lines.length;
      if (seen >= events) writer.kill('SIGKILL');
    });
    writer.on('error', reject);
    writer.on('exit', (code, signal) => {
      clearTimeout(stalled);
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`The writer stopped by itself (code ${code}, signal ${signal})`));
    });
  });
}

test('a writer killed with SIGKILL, compacting or not, keeps every acknowledged event exactly once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kill-9-'));
  try {
    const group = { kind: 'datasetGroup', arn: GROUP, name: 'crash', status: 'ACTIVE' };
    writeFileSync(join(dir, 'resources.json'), JSON.stringify({ resources: [group] }));
    for (const events of [700, 1_300, 2_900, 4_100]) {
      const acknowledged = await runAndKill(dir, events);
      const stored = new EmulatorStore(dir).eventsAfter(GROUP, 0).map((e) => e.timestamp);
      // Event i has timestamp i: exactly 0, 1, 2, ... with none missing and none twice.
      expect(stored).toEqual(stored.map((_, i) => i));
      expect(stored.length).toBeGreaterThan(acknowledged);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
