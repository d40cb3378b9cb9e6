/**
 * `npm run benchmark`: measures local mode on this machine. Starts its own instance on free ports with a
 * temporary state directory, then measures
 *   1. /data → Personalize latency: one event at a time, from the POST until the emulator has accepted it
 *      (the stack's event source settings, batching window included), and a burst of events;
 *   2. gateway throughput and latency under concurrency for /data, /putEvents and a rejected request.
 *
 *   npm run benchmark -- [--events 30] [--burst 200] [--requests 2000] [--concurrency 16]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../lib/stack-outputs';
import { startLocalMode } from '../local/start';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summarise(samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(0)} ms, mean ${mean.toFixed(0)} ms`;
}

/** Events the emulator accepted, from its durable log (the emulator-side count). */
function acceptedEventCount(personalizeStateDir: string): number {
  const log = join(personalizeStateDir, 'live-data.jsonl');
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"kind":"event"')).length;
}

async function main(): Promise<void> {
  const events = option('events', 30);
  const burst = option('burst', 200);
  const requests = option('requests', 2000);
  const concurrency = option('concurrency', 16);
  const cpu = cpus();
  console.log(
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node.js ${process.version}`,
  );

  const stateDir = mkdtempSync(join(tmpdir(), 'local-mode-benchmark-'));
  // The handlers log a JSON line per request: keep them out of the figures' output.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('{"timestamp"')
      ? true
      : (write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  const started = Date.now();
  const local = await startLocalMode({ port: 0, stateDir, log: () => undefined });
  console.log(`Local mode started (sample data imported) in ${Date.now() - started} ms`);
  const personalizeState = join(stateDir, 'personalize');
  const call = async (method: string, path: string, body: unknown, apiKey: string | null = local.apiKey) => {
    const response = await fetch(`${local.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };

  try {
    const trackerResponse = await fetch(`${local.url}/eventTracker`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': local.apiKey },
      body: JSON.stringify({
        name: 'benchmark',
        datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
      }),
    });
    const { trackingId } = (await trackerResponse.json()) as { trackingId: string };
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the tracker's lifecycle steps
    const data = (userId: string) => ({
      userId,
      itemId: '1210',
      eventType: 'click',
      trackingId,
      interactions: 1,
    });

    // 1. Latency, one event at a time.
    const latencies: number[] = [];
    for (let index = 0; index < events; index += 1) {
      const before = acceptedEventCount(personalizeState);
      const sentAt = performance.now();
      const status = await call('POST', '/data', {
        Data: data(`latency-${index}`),
        PartitionKey: `latency-${index}`,
      });
      if (status !== 200) throw new Error(`/data answered ${status}`);
      while (acceptedEventCount(personalizeState) <= before)
        await new Promise((resolve) => setTimeout(resolve, 2));
      latencies.push(performance.now() - sentAt);
    }
    console.log(`/data → Personalize, one event at a time (${events} events): ${summarise(latencies)}`);

    // A burst: how long until every event of many concurrent posts has arrived.
    const beforeBurst = acceptedEventCount(personalizeState);
    const burstStart = performance.now();
    await Promise.all(
      Array.from({ length: burst }, (_, index) =>
        call('POST', '/data', { Data: data(`burst-${index % 50}`), PartitionKey: `burst-${index}` }),
      ),
    );
    const posted = performance.now() - burstStart;
    while (acceptedEventCount(personalizeState) < beforeBurst + burst)
      await new Promise((resolve) => setTimeout(resolve, 5));
    console.log(
      `/data burst of ${burst} concurrent posts: all posted in ${posted.toFixed(0)} ms, all in Personalize after ${(performance.now() - burstStart).toFixed(0)} ms`,
    );

    // 2. Gateway throughput under concurrency.
    const load = async (label: string, request: (index: number) => Promise<number>) => {
      const samples: number[] = [];
      let next = 0;
      let errors = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests) {
            const index = next++;
            const t0 = performance.now();
            const status = await request(index);
            samples.push(performance.now() - t0);
            if (status >= 500) errors += 1;
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      console.log(
        `${label}: ${(requests / seconds).toFixed(0)} requests/s (${requests} requests, concurrency ${concurrency}), ${summarise(samples)}${errors ? `, ${errors} errors` : ''}`,
      );
    };
    await load('POST /data (gateway → VTL → Kinesis)', (index) =>
      call('POST', '/data', { Data: data(`load-${index % 100}`), PartitionKey: String(index) }),
    );
    await load('POST /putEvents (gateway → handler → emulator)', (index) =>
      call('POST', '/putEvents', data(`direct-${index % 100}`)),
    );
    await load('POST /describeCampaign without a key (gateway only, 403)', () =>
      call('POST', '/describeCampaign', {}, null),
    );
  } finally {
    await local.close();
    process.stdout.write = write;
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
