/**
 * `npm run benchmark`: measures local mode on this machine, with the load coming from a separate process
 * (autocannon), never from the event loop under test. Starts local mode on free ports with a temporary state
 * directory, trains a version, deploys a campaign, and prints one Markdown table:
 *
 * - a bare Node HTTP server in the same process: the machine's ceiling for this load generator;
 * - the emulator's runtime endpoint direct, and each gateway route (GetRecommendations first);
 * - GetRecommendations again after N live events were received since training (cost must not grow);
 * - the event path: POST /data until the user's recommendations change, p50 / p99;
 * - PutEvents calls per event: what the consumer sent the emulator (its call recorder) for the events that
 *   POST /data accepted under load;
 * - training time per recipe the emulator supports, on the sample data;
 * - each function's bundle and source map (scripts/bundle-report.ts), with its module init time (median of
 *   10 fresh processes, without and with --enable-source-maps), and the time of one `npx cdk synth -q`:
 *   sizes only with --quick, which leaves init and synth out.
 *
 * Every run has a warm-up; every answer that is not 2xx (or the expected 403) counts as an error.
 *
 *   npm run benchmark -- [--quick] [--connections 10] [--seconds 10] [--live-events 1000000] [--event-samples 40]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { STACK_OUTPUTS } from '../lib/contract/stack-outputs';
import { RECIPES, train } from '../local/personalize/model';
import { readSampleData } from '../local/personalize/model/sampleData';
import { startLocalMode, type LocalMode } from '../local/start';
import { buildBundle, bundleReport, formatInit, functionEntries, kib } from './bundle-report';

const PROJECT_ROOT = join(__dirname, '..');
const AUTOCANNON = join(PROJECT_ROOT, 'node_modules', 'autocannon', 'autocannon.js');

interface Options {
  readonly quick: boolean;
  readonly connections: number;
  readonly seconds: number;
  readonly liveEvents: number;
  readonly eventSamples: number;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      connections: { type: 'string' },
      seconds: { type: 'string' },
      'live-events': { type: 'string' },
      'event-samples': { type: 'string' },
    },
  });
  const quick = values.quick;
  const number = (name: 'connections' | 'seconds' | 'live-events' | 'event-samples', fallback: number) => {
    const given = values[name];
    const value = given === undefined ? fallback : Number(given);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return {
    quick,
    connections: number('connections', 10),
    seconds: number('seconds', quick ? 3 : 10),
    liveEvents: number('live-events', quick ? 100_000 : 1_000_000),
    eventSamples: number('event-samples', quick ? 10 : 40),
  };
}

interface LoadSpec {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly connections: number;
  /** Seconds of measured load, after a warm-up. */
  readonly seconds?: number;
  /** Or a fixed number of requests, with no warm-up (for loading data). */
  readonly amount?: number;
  /** Status that counts as success when it is not 2xx (the 403 route). */
  readonly expectStatus?: number;
}

interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly errors: number;
}

/** Runs autocannon in its own process and reads its JSON summary. */
function autocannon(spec: LoadSpec, seconds: number | undefined, amount?: number): Promise<LoadResult> {
  const args = [AUTOCANNON, '--json', '-c', String(spec.connections), '-m', spec.method ?? 'GET'];
  if (amount !== undefined) args.push('-a', String(amount));
  else args.push('-d', String(seconds ?? 1));
  for (const [name, value] of Object.entries(spec.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (spec.body !== undefined)
    args.push('-H', 'content-type=application/json', '-b', JSON.stringify(spec.body));
  args.push(spec.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const report = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number };
        errors: number;
        timeouts: number;
        non2xx: number;
        statusCodeStats?: Record<string, { count: number }>;
      };
      const expected = spec.expectStatus
        ? (report.statusCodeStats?.[String(spec.expectStatus)]?.count ?? 0)
        : 0;
      resolve({
        requestsPerSecond: report.requests.average,
        p50: report.latency.p50,
        p99: report.latency.p99,
        requests: report.requests.total,
        errors: report.errors + report.timeouts + report.non2xx - expected,
      });
    });
  });
}

/** A warm-up of a second (discarded), then the measured run. */
async function measure(spec: LoadSpec): Promise<LoadResult> {
  await autocannon(spec, 1);
  return autocannon(spec, spec.seconds);
}

function startCeiling(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Calls the API from this process: only for set-up and the event path, never for throughput. */
async function api(local: LocalMode, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': local.apiKey },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

async function untilActive(local: LocalMode, path: string, body: unknown): Promise<void> {
  for (;;) {
    const status = await api(local, 'POST', path, body);
    if (status === 'ACTIVE') return;
    if (typeof status === 'string' && status.includes('FAILED')) throw new Error(`${path}: ${status}`);
    await sleep(100);
  }
}

interface Deployment {
  readonly campaignArn: string;
  readonly trackingId: string;
}

/** The walkthrough's set-up: a trained version, a campaign and an event tracker. */
async function deploy(local: LocalMode): Promise<Deployment> {
  const solutionArn = local.outputs[STACK_OUTPUTS.solutionArn];
  const datasetGroupArn = local.outputs[STACK_OUTPUTS.datasetGroupArn];
  const { solutionVersionArn } = (await api(local, 'POST', '/solutionVersion', {
    solutionArn,
    version: 'benchmark',
  })) as { solutionVersionArn: string };
  await untilActive(local, '/describeSolutionVersion', { solutionVersionArn });
  const { campaignArn } = (await api(local, 'POST', '/campaign', {
    solutionVersionArn,
    name: 'benchmark',
  })) as { campaignArn: string };
  await untilActive(local, '/describeCampaign', { campaignArn });
  const { trackingId } = (await api(local, 'POST', '/eventTracker', {
    name: 'benchmark',
    datasetGroupArn,
  })) as { trackingId: string };
  await sleep(500); // the tracker's lifecycle steps
  return { campaignArn, trackingId };
}

/** POST /data of a click, until the user's recommendations change: what a user of the system sees. */
async function eventPath(local: LocalMode, deployment: Deployment, samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const userId = String(1 + ((index * 37) % 600));
    const path = `/getRecommendations?campaignArn=${encodeURIComponent(deployment.campaignArn)}&userId=${userId}&numResults=10`;
    const before = JSON.stringify(((await api(local, 'GET', path)) as { itemList: unknown }).itemList);
    const itemId = String(1 + ((index * 211) % 1200));
    const sentAt = performance.now();
    await api(local, 'POST', '/data', {
      Data: { userId, itemId, eventType: 'click', trackingId: deployment.trackingId, interactions: 3 },
      PartitionKey: userId,
    });
    for (;;) {
      const now = JSON.stringify(((await api(local, 'GET', path)) as { itemList: unknown }).itemList);
      if (now !== before) break;
      if (performance.now() - sentAt > 30_000) throw new Error(`user ${userId}: no change after 30 s`);
      await sleep(5);
    }
    latencies.push(performance.now() - sentAt);
  }
  return latencies;
}

type Row = [string, LoadResult | string];

/**
 * The PutEvents calls the emulator answered since its calls were cleared, once the consumer has drained the
 * stream (no new call for 3 s: three of the stack's 1 s batching windows), then clears them.
 */
async function putEventsCallsOnceDrained(local: LocalMode): Promise<number> {
  const count = () => local.personalize.calls.filter((call) => call.operation === 'PutEvents').length;
  let last = -1;
  let stableSince = performance.now();
  const started = performance.now();
  for (;;) {
    const now = count();
    if (now !== last) {
      last = now;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 3_000) break;
    if (performance.now() - started > 120_000)
      throw new Error('the consumer did not drain POST /data in 120 s');
    await sleep(250);
  }
  local.personalize.clearCalls();
  return last;
}

/** Trains each recipe the emulator supports on the sample data (data/), in this process, one at a time. */
async function trainingRows(): Promise<Row[]> {
  const data = readSampleData();
  const rows: Row[] = [];
  for (const recipe of RECIPES) {
    const started = performance.now();
    await train(recipe, data);
    rows.push([
      `training ${recipe} on the sample data (with its metrics)`,
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
    ]);
  }
  return rows;
}

/** Each function's bundle as the stack builds it; with its init times unless quick (sizes only). */
async function bundleRows(quick: boolean): Promise<Row[]> {
  if (quick) {
    const outdir = mkdtempSync(join(tmpdir(), 'benchmark-bundles-'));
    try {
      const bundles = await Promise.all(functionEntries().map(({ entry }) => buildBundle(entry, outdir)));
      return bundles.map((bundle) => [
        `bundle of ${bundle.entry}`,
        `${kib(bundle.bytes)}, source map ${kib(bundle.mapBytes)}`,
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  const figures = await bundleReport({ runs: 10 });
  return figures.map((figure) => [
    `bundle of ${figure.entry}: size, init (median of 10), init with --enable-source-maps`,
    `${kib(figure.bytes)} (map ${kib(figure.mapBytes)}), ${formatInit(figure.init)}, ${formatInit(figure.initWithSourceMaps)}`,
  ]);
}

/** Seconds of one `npx cdk synth -q` (every function bundled), into a temporary output directory. */
function synthSeconds(): Promise<number> {
  const outdir = mkdtempSync(join(tmpdir(), 'benchmark-cdk-out-'));
  const started = performance.now();
  const child = spawn('npx', ['cdk', 'synth', '-q', '-o', outdir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(outdir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`cdk synth exited with ${code}: ${err.slice(-500)}`));
      resolve((performance.now() - started) / 1000);
    });
  });
}

function formatRow([label, result]: Row, ceiling: number): string {
  if (typeof result === 'string') return `| ${label} | ${result} | | | | |`;
  const share = `${((100 * result.requestsPerSecond) / ceiling).toFixed(0)}%`;
  return `| ${label} | ${result.requestsPerSecond.toFixed(0)} | ${share} | ${result.p50} ms | ${result.p99} ms | ${result.errors} |`;
}

async function loadLiveEvents(local: LocalMode, deployment: Deployment, events: number): Promise<number> {
  const eventList = Array.from({ length: 10 }, (_, index) => ({
    eventType: 'click',
    itemId: String(1 + index * 97),
    sentAt: Math.floor(Date.now() / 1000),
  }));
  const started = performance.now();
  const result = await autocannon(
    {
      url: `${local.personalize.endpoint}/events`,
      method: 'POST',
      body: { trackingId: deployment.trackingId, userId: 'load', sessionId: 'load', eventList },
      connections: 10,
    },
    undefined,
    Math.ceil(events / 10),
  );
  if (result.errors > 0) throw new Error(`${result.errors} PutEvents calls failed while loading live events`);
  return performance.now() - started;
}

/**
 * `npm start` on the state just written, in its own process: seconds until it is up, and its resident memory
 * then (everything it loaded, stored events included).
 */
function restart(stateDir: string): Promise<{ seconds: number; rssMb: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'local', 'start.ts'), '--state-dir', stateDir],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('close', (code) =>
      reject(new Error(`npm start exited with ${code} before it was up: ${out.slice(-500)}`)),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('Local mode is up')) return;
      const seconds = (performance.now() - started) / 1000;
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
      child.removeAllListeners('close');
      child.on('close', () => resolve({ seconds, rssMb }));
      child.kill('SIGINT');
    });
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cpu = cpus();
  console.log(
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node.js ${process.version}; load average before: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  const stateDir = mkdtempSync(join(tmpdir(), 'local-mode-benchmark-'));
  const write = process.stdout.write.bind(process.stdout);
  // The handlers log a JSON line per request: keep them out of the table.
  process.stdout.write = (chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('{"timestamp"')
      ? true
      : (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  const ceilingServer = await startCeiling();
  const started = performance.now();
  // Recording the calls that reach the emulator counts the consumer's PutEvents calls; cleared after each use.
  const local = await startLocalMode({ port: 0, stateDir, log: () => undefined, recordCalls: true });
  const startup = performance.now() - started;
  try {
    const rows = await runAll(local, ceilingServer, options);
    await local.close();
    const again = await restart(stateDir);
    rows.push([
      `npm start again on that state (${options.liveEvents.toLocaleString('en-US')} stored events)`,
      `up in ${again.seconds.toFixed(1)} s, ${again.rssMb.toFixed(0)} MB resident`,
    ]);
    rows.push(...(await trainingRows()));
    rows.push(...(await bundleRows(options.quick)));
    if (!options.quick)
      rows.push(['npx cdk synth -q (every function bundled)', `${(await synthSeconds()).toFixed(1)} s`]);
    printTable(rows, options, startup);
  } finally {
    await local.close();
    ceilingServer.close();
    process.stdout.write = write;
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** What the runs load: the measured options, the API key, and the requests the routes are given. */
interface Targets {
  readonly base: { readonly connections: number; readonly seconds: number };
  readonly key: Record<string, string>;
  /** GET /getRecommendations for user 429. */
  readonly recommendations: string;
  /** The emulator's runtime endpoint, GetRecommendations of 25 items for user 429. */
  readonly direct: LoadSpec;
  /** The write routes' event. */
  readonly data: Record<string, unknown>;
}

function targetsOf(local: LocalMode, deployment: Deployment, options: Options): Targets {
  const base = { connections: options.connections, seconds: options.seconds };
  return {
    base,
    key: { 'x-api-key': local.apiKey },
    recommendations: `${local.url}/getRecommendations?campaignArn=${encodeURIComponent(deployment.campaignArn)}&userId=429`,
    direct: {
      ...base,
      url: `${local.personalize.endpoint}/recommendations`,
      method: 'POST',
      body: { campaignArn: deployment.campaignArn, userId: '429', numResults: 25 },
    },
    // The write routes' events go to a user of their own: GetRecommendations for 429 measures the cost of
    // many events received, not of one user's history (which the emulator bounds separately).
    data: {
      userId: 'bench-writer',
      itemId: '12',
      eventType: 'click',
      trackingId: deployment.trackingId,
      interactions: 1,
    },
  };
}

async function runAll(local: LocalMode, ceilingServer: Server, options: Options): Promise<Row[]> {
  const deployment = await deploy(local);
  const targets = targetsOf(local, deployment, options);
  const ceilingPort = (ceilingServer.address() as AddressInfo).port;
  const rows: Row[] = [];
  const ceiling = await measure({ ...targets.base, url: `http://127.0.0.1:${ceilingPort}/` });
  rows.push(['bare Node HTTP server (ceiling)', ceiling]);
  rows.push(...(await routeRows(local, targets)));
  rows.push(...(await liveEventRows(local, deployment, targets, options.liveEvents)));
  const path = await eventPath(local, deployment, options.eventSamples);
  rows.push([
    `POST /data → the user's recommendations change (${path.length} clicks)`,
    `p50 ${percentile(path, 50).toFixed(0)} ms, p99 ${percentile(path, 99).toFixed(0)} ms`,
  ]);
  return rows;
}

/** The emulator direct and each gateway route, on the state the deployment left (no live events yet). */
async function routeRows(local: LocalMode, targets: Targets): Promise<Row[]> {
  const { base, key, data } = targets;
  const rows: Row[] = [];
  rows.push(['emulator GetRecommendations direct (25 items)', await measure(targets.direct)]);
  rows.push([
    'GET /getRecommendations (gateway → handler → emulator)',
    await measure({ ...base, url: targets.recommendations, headers: key }),
  ]);
  rows.push([
    'POST /putEvents (1 event)',
    await measure({ ...base, url: `${local.url}/putEvents`, method: 'POST', headers: key, body: data }),
  ]);
  rows.push(...(await dataRows(local, targets)));
  rows.push([
    'POST /describeCampaign without a key (403)',
    await measure({
      ...base,
      url: `${local.url}/describeCampaign`,
      method: 'POST',
      body: {},
      expectStatus: 403,
    }),
  ]);
  return rows;
}

/** POST /data under load, and the PutEvents calls the consumer made for the events it accepted. */
async function dataRows(local: LocalMode, targets: Targets): Promise<Row[]> {
  const dataLoad: LoadSpec = {
    ...targets.base,
    url: `${local.url}/data`,
    method: 'POST',
    headers: targets.key,
    body: { Data: targets.data, PartitionKey: 'bench-writer' },
  };
  local.personalize.clearCalls();
  const dataWarmUp = await autocannon(dataLoad, 1);
  const dataResult = await autocannon(dataLoad, dataLoad.seconds);
  const accepted = dataWarmUp.requests - dataWarmUp.errors + dataResult.requests - dataResult.errors;
  const calls = await putEventsCallsOnceDrained(local);
  return [
    ['POST /data (gateway → VTL → Kinesis)', dataResult],
    [
      'PutEvents calls per event sent through POST /data under load (consumer → emulator)',
      `${(calls / accepted).toFixed(3)} (${calls.toLocaleString('en-US')} calls for ${accepted.toLocaleString('en-US')} events)`,
    ],
  ];
}

/** Loads `events` live events into the emulator, then GetRecommendations again, direct and through the API. */
async function liveEventRows(
  local: LocalMode,
  deployment: Deployment,
  targets: Targets,
  events: number,
): Promise<Row[]> {
  const loadMs = await loadLiveEvents(local, deployment, events);
  local.personalize.clearCalls();
  const label = `${events.toLocaleString('en-US')} live events since training`;
  return [
    [`loading ${label} (PutEvents direct, 10 per call)`, `${(loadMs / 1000).toFixed(1)} s`],
    [`emulator GetRecommendations direct, ${label}`, await measure(targets.direct)],
    [
      `GET /getRecommendations, ${label}`,
      await measure({ ...targets.base, url: targets.recommendations, headers: targets.key }),
    ],
  ];
}

function printTable(rows: readonly Row[], options: Options, startup: number): void {
  const ceiling = rows[0]?.[1];
  const ceilingRate = typeof ceiling === 'object' ? ceiling.requestsPerSecond : NaN;
  console.log(`Local mode started (sample data imported) in ${(startup / 1000).toFixed(1)} s`);
  console.log(
    `Load: autocannon in a separate process, ${options.connections} connections, ${options.seconds} s after a 1 s warm-up`,
  );
  console.log('');
  console.log('| Measure | requests/s | of ceiling | p50 | p99 | errors |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(formatRow(row, ceilingRate));
  console.log('');
  console.log(
    `Load average after: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
