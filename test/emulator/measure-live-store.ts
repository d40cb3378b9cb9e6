import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { EmulatorStore } from '../../local/personalize/store';

// Measures the live store at scale (not a test: run by hand, once).
//   npx tsx test/emulator/measure-live-store.ts build <stateDir> <events>   appends events as PutEvents does
//   node --expose-gc --import tsx test/emulator/measure-live-store.ts restart <stateDir>   (then compacts)
// The restart runs in a fresh process so its RSS is the restored state's.

const GROUP = 'arn:aws:personalize:us-east-1:000000000000:dataset-group/scale';
const USERS = 100_000;
const ITEMS = 10_000;

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, Node.js ${process.version}`;
}

function build(stateDir: string, events: number): void {
  mkdirSync(stateDir, { recursive: true });
  const group = { kind: 'datasetGroup', arn: GROUP, name: 'scale', status: 'ACTIVE' };
  writeFileSync(`${stateDir}/resources.json`, JSON.stringify({ resources: [group] }));
  const store = new EmulatorStore(stateDir);
  const started = Date.now();
  for (let i = store.liveSeq; i < events; i += 10) {
    const user = (i * 7919) % USERS;
    store.appendLive(
      Array.from({ length: 10 }, (_, j) => ({
        kind: 'event' as const,
        datasetGroupArn: GROUP,
        trackerArn: `${GROUP.replace('dataset-group/scale', 'event-tracker/0a1b2c3d')}`,
        sessionId: `session-${user}`,
        eventId: `49650000000000000000000000000000000000${i + j}-0`,
        interaction: {
          userId: `user-${user}`,
          itemId: `item-${((i + j) * 104729) % ITEMS}`,
          eventType: 'click',
          timestamp: 1_700_000_000 + i + j,
        },
      })),
    );
  }
  console.log(`built ${events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function restart(stateDir: string): void {
  const started = process.hrtime.bigint();
  const store = new EmulatorStore(stateDir);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  (globalThis as { gc?: () => void }).gc?.();
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(`restart: ${store.liveSeq} records in ${seconds.toFixed(2)} s, RSS ${rss.toFixed(0)} MiB`);
  const compacting = Date.now();
  store.compactLive();
  console.log(`compaction (the event loop is blocked for it): ${Date.now() - compacting} ms`);
  console.log(execFileSync('ls', ['-la', stateDir]).toString());
}

console.log(machine());
const [command, stateDir = '', events = '5000000'] = process.argv.slice(2);
if (command === 'build') build(stateDir, Number(events));
else if (command === 'restart') restart(stateDir);
else throw new Error('usage: build <stateDir> <events> | restart <stateDir>');
