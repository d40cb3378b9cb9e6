/**
 * `npm run benchmark`: measures local mode on this machine, with the load coming from a separate process
 * (autocannon), never from the event loop under test. Starts local mode on free ports with a temporary state
 * directory, trains a version, deploys a campaign, and prints one Markdown table:
 *
 * - a bare Node HTTP server in the same process: the machine's ceiling for this load generator;
 * - GetRecommendations cold (its first seconds after the start, no warm-up); then the emulator's runtime
 *   endpoint direct, and each gateway route warm, after a warm-up of its own (WARM_UP): the warm
 *   GetRecommendations row is the baseline of every ratio to it;
 * - GetRecommendations for one user of the sample data throughout: fresh; after that user sent 1,000 events of
 *   their own; after N realistic live events (the sample's users and items replayed); after N events on N
 *   distinct item ids; and reads mixed with writes (two load processes) fresh and at that size, with local
 *   mode's resident memory; live events are loaded by scripts/benchmark-load.ts in a process of its own;
 * - GetRecommendations with the stack's filters (unwatched; genre with filterValues) against unfiltered in the
 *   same run, each with local mode's CPU time per request; one watch through POST /data until the item is gone
 *   from the user's unwatched list, p50 / p99;
 * - the event path: POST /data until the user's recommendations change, p50 / p99;
 * - PutEvents calls per event: what the consumer sent the emulator (its PutEventsRequests data points) for the events that
 *   POST /data accepted under load;
 * - training time per recipe the emulator supports, on the sample data;
 * - each function's bundle and source map (scripts/bundle-report.ts), with its module init time (median of
 *   10 fresh processes, without and with --enable-source-maps), and the time of one `npx cdk synth -q`:
 *   sizes only with --quick, which leaves init and synth out.
 *
 * Every run but the cold one has a warm-up; every answer that is not 2xx (or the expected 403) counts as an error. A second table
 * gives each target of issues 18, 20 and 22 with the figure this run measured (ratios to the same run's figures).
 *
 * As npm start runs it, the emulator and Kinesis each in a process of their own; `--one-process` runs everything
 * in one, as before (a before/after on the same machine). Each load row gives the CPU time per request of each
 * process, which a busy machine changes far less than the rates.
 *
 *   npm run benchmark -- [--quick] [--connections 10] [--seconds 10] [--live-events 1000000] [--event-samples 40]
 *     [--one-process] [--invocation-workers N]
 *
 * The handlers run as npm start runs them (INVOCATION_WORKERS, default 0: in the gateway's thread);
 * `--invocation-workers N` runs them on N invocation workers, for a before/after.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PUT_EVENTS_SOURCE_SETTINGS } from '../lib/contract/event-source-settings';
import { STACK_OUTPUTS } from '../lib/contract/stack-outputs';
import { RECIPES, train } from '../local/personalize/model';
import { PUT_EVENTS_REQUESTS } from '../local/personalize/service-metrics';
import { readSampleData } from '../local/personalize/model/sampleData';
import { startLocalMode, type LocalMode } from '../local/start';
import { invocationWorkersSetting } from '../local/start/options';
import { buildBundle, bundleReport, formatInit, functionEntries, kib } from './bundle-report';
import type { LoadAnswer, LoadRun } from './load-generator';

const PROJECT_ROOT = join(__dirname, '..');
/** The user every GetRecommendations row asks for: a user of the sample data, who sends live events later. */
const QUERIED_USER = '429';

interface Options {
  readonly quick: boolean;
  readonly connections: number;
  readonly seconds: number;
  readonly liveEvents: number;
  readonly eventSamples: number;
  /** Everything in one process, as before the emulator and Kinesis had their own: for a before/after. */
  readonly oneProcess: boolean;
  /** The invocation workers the handlers run on (0: the gateway's thread). */
  readonly invocationWorkers: number;
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
      'one-process': { type: 'boolean', default: false },
      'invocation-workers': { type: 'string' },
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
    // Quick: every row, on shorter runs and smaller sizes (under 2 minutes on a quiet machine).
    seconds: number('seconds', quick ? 2 : 10),
    liveEvents: number('live-events', quick ? 20_000 : 1_000_000),
    eventSamples: number('event-samples', quick ? 5 : 40),
    oneProcess: values['one-process'],
    invocationWorkers: invocationWorkersSetting(values['invocation-workers']),
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
  /**
   * The warm-up: this many requests of the same route (WARM_UP), none (0), or 1 s when absent: every row's
   * code is warm but for the gateway routes' first rows and the cold row.
   */
  readonly warmUpRequests?: number;
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
  /**
   * CPU time per request in each of local mode's processes (this one: gateway, handlers, consumer; then the
   * emulator's and Kinesis's), in µs: what the load of a shared machine leaves nearly unchanged.
   */
  readonly cpuPerRequestUs?: readonly number[];
}

/** The load generators (scripts/load-generator.ts) not running a load: one per concurrent run, kept all run. */
const idleGenerators: ChildProcess[] = [];
const generators: ChildProcess[] = [];

function loadGenerator(): ChildProcess {
  const idle = idleGenerators.pop();
  if (idle) return idle;
  const child = fork(join(PROJECT_ROOT, 'scripts', 'load-generator.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  generators.push(child);
  return child;
}

/** Ends the load generators (each exits when its channel closes). */
function closeLoadGenerators(): void {
  for (const child of generators.splice(0)) if (child.connected) child.disconnect();
  idleGenerators.length = 0;
}

/** Runs autocannon in a load generator, a process of its own, and reads its summary. */
function autocannon(spec: LoadSpec, seconds: number | undefined, amount?: number): Promise<LoadResult> {
  const headers = { ...spec.headers };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  const run: LoadRun = {
    url: spec.url,
    method: spec.method ?? 'GET',
    headers,
    connections: spec.connections,
    ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
    ...(amount === undefined ? { duration: seconds ?? 1 } : { amount }),
  };
  const child = loadGenerator();
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`the load generator exited with ${code}`));
    child.once('exit', exited);
    child.once('message', (answer: LoadAnswer) => {
      child.off('exit', exited);
      idleGenerators.push(child);
      if ('error' in answer) return reject(new Error(`autocannon: ${answer.error}`));
      const { summary } = answer;
      const expected = spec.expectStatus
        ? (summary.statusCodeStats?.[String(spec.expectStatus)]?.count ?? 0)
        : 0;
      resolve({
        requestsPerSecond: summary.requests.average,
        p50: summary.latency.p50,
        p99: summary.latency.p99,
        requests: summary.requests.total,
        errors: summary.errors + summary.timeouts + summary.non2xx - expected,
      });
    });
    child.send(run);
  });
}

/**
 * Requests of each gateway route's warm-up before its first measured row. Local mode's gateway process serves
 * its first requests of a route with code V8 has not optimized yet (the handler, its SDK client, Node's HTTP):
 * measured with --trace-opt, GET /getRecommendations right after the start had V8 optimize 200 to 440
 * functions in each of its first 4,000 requests and under 20 from the 5,000th on, its CPU a request falling
 * to about a third; POST /putEvents then (sharing most of that code) about 100 more in its first 3,000,
 * POST /data (its templates, the Kinesis client) about 250. A deployed API's functions serve warm after their
 * first invocations; the cold row keeps what the first seconds cost.
 */
const WARM_UP = { getRecommendations: 5_000, putEvents: 3_000, data: 3_000 } as const;

/** The warm-up (WARM_UP's requests, or a second), discarded. */
function warmUp(spec: LoadSpec): Promise<LoadResult | undefined> {
  if (spec.warmUpRequests === 0) return Promise.resolve(undefined);
  return spec.warmUpRequests === undefined
    ? autocannon(spec, 1)
    : autocannon(spec, undefined, spec.warmUpRequests);
}

/** The warm-up (discarded), then the measured run, with the CPU time local mode spent on it. */
async function measure(spec: LoadSpec): Promise<LoadResult> {
  await warmUp(spec);
  const before = cpuTimesUs();
  const result = await autocannon(spec, spec.seconds);
  return { ...result, cpuPerRequestUs: cpuPerRequest(before, result.requests) };
}

/** The CPU time each process of local mode used since `before`, per request. */
function cpuPerRequest(before: readonly number[], requests: number): number[] {
  return cpuTimesUs().map((us, k) => (us - (before[k] ?? 0)) / Math.max(1, requests));
}

/** The service processes of local mode whose CPU time is reported beside this process's. */
const serviceProcesses: number[] = [];
/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) used so far by this process, then by each service process, in µs. */
function cpuTimesUs(): number[] {
  const own = process.cpuUsage();
  return [
    own.user + own.system,
    ...serviceProcesses.map((pid) => {
      // Fields 14 and 15 (utime, stime), counted after the command name's closing parenthesis.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
    }),
  ];
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
 * The PutEvents calls the emulator accepted since `since` (epoch ms), once the consumer has drained the stream
 * (no new call for 3 s: three of the stack's 1 s batching windows): its PutEventsRequests data points per
 * event tracker, one a call (service-metrics.ts), which reach this process each second. Counted from them
 * rather than from a record of every call, which costs the emulator process CPU on every request
 * (`recordCalls`, for the IAM tests), and npm start does not keep one.
 */
async function putEventsCallsOnceDrained(local: LocalMode, since: number): Promise<number> {
  const count = () =>
    local.personalize.serviceMetrics
      .since(since)
      .filter(
        (point) => point.metricName === PUT_EVENTS_REQUESTS && Object.keys(point.dimensions).length === 1,
      ).length;
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
  return last;
}

/**
 * Trains each recipe the emulator supports on the sample data (data/), in this process, one at a time; quick:
 * on its first quarter.
 */
async function trainingRows(quick: boolean): Promise<Row[]> {
  const sample = readSampleData();
  const data = quick
    ? { ...sample, interactions: sample.interactions.slice(0, Math.ceil(sample.interactions.length / 4)) }
    : sample;
  const rows: Row[] = [];
  for (const recipe of RECIPES) {
    const started = performance.now();
    await train(recipe, data);
    rows.push([
      `training ${recipe} on the sample data${quick ? "'s first quarter" : ''} (with its metrics)`,
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
  if (typeof result === 'string') return `| ${label} | ${result} | | | | | |`;
  const share = `${((100 * result.requestsPerSecond) / ceiling).toFixed(0)}%`;
  const cpu = result.cpuPerRequestUs?.map((us) => us.toFixed(0)).join(' / ') ?? '';
  return `| ${label} | ${result.requestsPerSecond.toFixed(0)} | ${share} | ${result.p50} ms | ${result.p99} ms | ${result.errors} | ${cpu} |`;
}

/**
 * Sends live events straight to the emulator from a loader in its own process (scripts/benchmark-load.ts):
 * the seconds it took.
 */
function loadLiveEvents(
  local: LocalMode,
  deployment: Deployment,
  shape: 'distinct' | 'realistic' | 'user',
  events: number,
  userId = 'load',
): Promise<string> {
  const args = ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'benchmark-load.ts')];
  args.push(local.personalize.endpoint, deployment.trackingId, shape, String(events), userId);
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`loading ${shape} events failed: ${err.slice(-500)}`));
      resolve(out.trim());
    });
  });
}

/** The resident memory of local mode, in MB: this process (the gateway and handlers) and its service processes. */
function residentMb(local: LocalMode): number {
  const children = [local.processes.personalize?.pid, local.processes.kinesis?.pid].filter(
    (pid): pid is number => pid !== undefined,
  );
  return process.memoryUsage().rss / 2 ** 20 + children.reduce((sum, pid) => sum + processRssMb(pid), 0);
}

/** A process's resident memory from /proc, in MB. */
function processRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

function rate(result: LoadResult): string {
  return `${result.requestsPerSecond.toFixed(0)} req/s`;
}

interface MixedResult {
  readonly read: LoadResult;
  readonly write: LoadResult;
  readonly rssBefore: number;
  readonly rssAfter: number;
}

/** The table's rows, and the targets with the figure each run measured. */
class Report {
  readonly rows: Row[] = [];
  readonly targets: { figure: string; measured: string; target: string; met: boolean }[] = [];

  private readonly started = performance.now();

  row(label: string, result: LoadResult | string): void {
    this.rows.push([label, result]);
    // Progress on stderr: the table on stdout stays the tool's output as it is pasted.
    console.error(`[${((performance.now() - this.started) / 1000).toFixed(0)} s] ${label}`);
  }

  target(figure: string, measured: string, target: string, met: boolean): void {
    this.targets.push({ figure, measured, target, met });
  }
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
      // npm start and its service processes.
      const rssMb = [child.pid ?? -1, ...childPids(child.pid ?? -1)].reduce(
        (sum, pid) => sum + processRssMb(pid),
        0,
      );
      child.removeAllListeners('close');
      child.on('close', () => resolve({ seconds, rssMb }));
      child.kill('SIGINT');
    });
  });
}

/** This process's resident memory after a full garbage collection, in MB. */
function ownResidentAfterGcMb(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().rss / 2 ** 20;
}

/** The pids of a process's children, from /proc. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((text) => text.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = machineLine();
  console.log(machine);
  const stateDir = mkdtempSync(join(tmpdir(), 'local-mode-benchmark-'));
  const write = process.stdout.write.bind(process.stdout);
  // The handlers log a JSON line per request, and their metrics one (EMF): keep them out of the table.
  process.stdout.write = (chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && (chunk.startsWith('{"timestamp"') || chunk.startsWith('{"_aws"'))
      ? true
      : (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  const ceilingServer = await startCeiling();
  const started = performance.now();
  // As npm start runs it: the emulator and Kinesis in processes of their own, no record of the calls.
  const local = await startLocalMode({
    port: 0,
    stateDir,
    log: () => undefined,
    separateProcesses: !options.oneProcess,
    invocationWorkers: options.invocationWorkers,
  });
  const startup = performance.now() - started;
  serviceProcesses.push(
    ...[local.processes.personalize?.pid, local.processes.kinesis?.pid].filter(
      (pid): pid is number => pid !== undefined,
    ),
  );
  try {
    const { report, deployment } = await runAll(local, ceilingServer, options);
    // The handlers keep the SDK clients they made at load: local mode again must listen on the same ports.
    const ports = {
      personalizePort: local.personalize.port,
      kinesisPort: Number(new URL(process.env.AWS_ENDPOINT_URL_KINESIS ?? 'http://x:0').port),
      s3Port: Number(new URL(local.s3.endpoint).port),
    };
    await local.close();
    await zeroWindowRow(stateDir, deployment, report, options, ports).catch((error: unknown) =>
      report.row(
        "POST /data → the user's recommendations change (0 s batching window)",
        `failed: ${String(error)}`,
      ),
    );
    const again = await restart(stateDir);
    report.row(
      `npm start again on that state (${(2 * options.liveEvents + 1_000).toLocaleString('en-US')} stored events and more)`,
      `up in ${again.seconds.toFixed(1)} s, ${again.rssMb.toFixed(0)} MB resident`,
    );
    for (const row of await trainingRows(options.quick)) report.row(...row);
    for (const row of await bundleRows(options.quick)) report.row(...row);
    if (!options.quick)
      report.row('npx cdk synth -q (every function bundled)', `${(await synthSeconds()).toFixed(1)} s`);
    printTable(report, options, startup, machine);
  } finally {
    await local.close();
    ceilingServer.close();
    closeLoadGenerators();
    process.stdout.write = write;
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** What the runs load: the measured options, the API key, and the requests the routes are given. */
interface Targets {
  readonly base: { readonly connections: number; readonly seconds: number };
  readonly key: Record<string, string>;
  /** GET /getRecommendations for the queried user. */
  readonly recommendations: string;
  /** The emulator's runtime endpoint, GetRecommendations of 25 items for the queried user. */
  readonly direct: LoadSpec;
  /** The write routes' event. */
  readonly data: Record<string, unknown>;
}

function targetsOf(local: LocalMode, deployment: Deployment, options: Options): Targets {
  const base = { connections: options.connections, seconds: options.seconds };
  return {
    base,
    key: { 'x-api-key': local.apiKey },
    recommendations: `${local.url}/getRecommendations?campaignArn=${encodeURIComponent(deployment.campaignArn)}&userId=${QUERIED_USER}`,
    direct: {
      ...base,
      url: `${local.personalize.endpoint}/recommendations`,
      method: 'POST',
      body: { campaignArn: deployment.campaignArn, userId: QUERIED_USER, numResults: 25 },
    },
    // The write routes' events go to a user of their own; the queried user's own events are a row of their own.
    data: {
      userId: 'bench-writer',
      itemId: '12',
      eventType: 'click',
      trackingId: deployment.trackingId,
      interactions: 1,
    },
  };
}

async function runAll(
  local: LocalMode,
  ceilingServer: Server,
  options: Options,
): Promise<{ report: Report; deployment: Deployment }> {
  const deployment = await deploy(local);
  const targets = targetsOf(local, deployment, options);
  const ceilingPort = (ceilingServer.address() as AddressInfo).port;
  const report = new Report();
  const ceiling = await measure({ ...targets.base, url: `http://127.0.0.1:${ceilingPort}/` });
  report.row('bare Node HTTP server (ceiling)', ceiling);
  const fresh = await routeRows(local, targets, report);
  await filterRows(local, deployment, targets, report, {
    samples: options.eventSamples,
    rounds: options.quick ? 1 : 2,
  });
  const mixedFresh = await mixedRow(local, targets, report, 'no live events yet');
  await userHistoryRows(local, deployment, targets, report, fresh);
  await realisticRows(local, deployment, targets, report, fresh, options.liveEvents);
  await versionTrainingRows(local, deployment, report, options.quick ? 2 : 5);
  await distinctIdRows(local, deployment, targets, report, { fresh, mixedFresh }, options.liveEvents);
  const path = await eventPath(local, deployment, options.eventSamples);
  report.row(
    `POST /data → the user's recommendations change (${path.length} clicks, ${PUT_EVENTS_SOURCE_SETTINGS.maxBatchingWindowSeconds} s batching window)`,
    `p50 ${percentile(path, 50).toFixed(0)} ms, p99 ${percentile(path, 99).toFixed(0)} ms`,
  );
  return { report, deployment };
}

/** A measured run, and the CPU time local mode spent on it. */
interface CostedResult {
  readonly result: LoadResult;
  /** CPU microseconds (user + system) of local mode's processes per request answered. */
  readonly cpuUs: number;
}

/** Clock ticks a second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux's usual builds). */
const USER_HZ = 100;

/**
 * CPU microseconds used so far by local mode: this process (gateway, handlers) and its service processes
 * (the emulator, Kinesis) when they run apart, from /proc/<pid>/stat (fields 14 and 15, utime and stime).
 */
function localModeCpuUs(local: LocalMode): number {
  const own = process.cpuUsage();
  const children = [local.processes.personalize?.pid, local.processes.kinesis?.pid].filter(
    (pid): pid is number => pid !== undefined,
  );
  return (
    own.user +
    own.system +
    children.reduce((sum, pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      return sum + ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ;
    }, 0)
  );
}

async function measureCost(local: LocalMode, spec: LoadSpec): Promise<CostedResult> {
  await warmUp(spec);
  const before = localModeCpuUs(local);
  const result = await autocannon(spec, spec.seconds);
  const used = localModeCpuUs(local) - before;
  return { result, cpuUs: used / Math.max(1, result.requests) };
}

/**
 * GET /getRecommendations with the stack's filters (issue 20): unfiltered, the `unwatched` filter (the queried
 * user's interactions) and the `genre` filter with filterValues (the catalogue), in turn, twice (A B C A B C, so
 * that the warming of the process and the load of the moment weigh on each alike; once with --quick). A
 * filtered call's cost is its CPU time per request in local mode's processes over all of its runs against the
 * unfiltered one's: on a shared machine the requests per second swing more between runs than a filter changes
 * them. Each row shows its last run. Then one watch through POST /data until the item is gone from that user's unwatched list.
 */
async function filterRows(
  local: LocalMode,
  deployment: Deployment,
  targets: Targets,
  report: Report,
  { samples, rounds }: { samples: number; rounds: number },
): Promise<void> {
  const unwatchedArn = local.outputs['FilterArnUnwatched'] ?? '';
  const genreArn = local.outputs['FilterArnGenre'] ?? '';
  const genreValues = JSON.stringify({ GENRE: '"Comedy"' });
  const variants = [
    { label: 'unfiltered', query: '' },
    { label: 'filter unwatched', query: `&filterArn=${encodeURIComponent(unwatchedArn)}` },
    {
      label: `filter genre, filterValues ${genreValues}`,
      query: `&filterArn=${encodeURIComponent(genreArn)}&filterValues=${encodeURIComponent(genreValues)}`,
    },
  ];
  const runs: CostedResult[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, { query }] of variants.entries()) {
      // The second round's code is warm from the first's warm-up and run.
      const spec = {
        ...targets.base,
        url: `${targets.recommendations}${query}`,
        headers: targets.key,
        ...(round > 0 ? { warmUpRequests: 0 } : {}),
      };
      runs[index]?.push(await measureCost(local, spec));
    }
  }
  const cpuUs = runs.map((both) => {
    const requests = both.reduce((sum, run) => sum + run.result.requests, 0);
    return both.reduce((sum, run) => sum + run.cpuUs * run.result.requests, 0) / Math.max(1, requests);
  });
  variants.forEach(({ label }, index) => {
    const last = runs[index]?.at(-1);
    if (last) {
      report.row(
        `GET /getRecommendations, ${label} (${(cpuUs[index] ?? NaN).toFixed(0)} us CPU a request)`,
        last.result,
      );
    }
  });
  const [unfiltered = NaN, unwatched = NaN, genre = NaN] = cpuUs;
  const costs = [unwatched / unfiltered, genre / unfiltered];
  report.target(
    'a filtered `GET /prod/getRecommendations` (unwatched / genre), CPU a request against unfiltered',
    `${costs.map((c) => `${c.toFixed(2)}×`).join(' / ')} (${unwatched.toFixed(0)} / ${genre.toFixed(0)} against ${unfiltered.toFixed(0)} us)`,
    'at most 1.5×',
    costs.every((c) => c <= 1.5),
  );
  const gone = await watchGone(local, deployment, unwatchedArn, samples);
  const p99 = percentile(gone, 99);
  report.row(
    `POST /data of one watch → the item gone from the user's unwatched list (${gone.length} watches)`,
    `p50 ${percentile(gone, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`,
  );
  report.target(
    'one watch through `/data` → the item gone from the unwatched list',
    `p99 ${p99.toFixed(0)} ms`,
    'within 2 s',
    p99 <= 2_000,
  );
}

/** One watch of the top unwatched item through POST /data per user, until the filtered list leaves it out. */
async function watchGone(
  local: LocalMode,
  deployment: Deployment,
  filterArn: string,
  samples: number,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const userId = String(1 + ((index * 53) % 600));
    const path = `/getRecommendations?campaignArn=${encodeURIComponent(deployment.campaignArn)}&userId=${userId}&numResults=10&filterArn=${encodeURIComponent(filterArn)}`;
    const listed = async () =>
      ((await api(local, 'GET', path)) as { itemList: Array<{ itemId: string }> }).itemList.map(
        (item) => item.itemId,
      );
    const itemId = (await listed())[0];
    if (itemId === undefined) throw new Error(`user ${userId}: an empty unwatched list`);
    const sentAt = performance.now();
    await api(local, 'POST', '/data', {
      Data: { userId, itemId, eventType: 'watch', trackingId: deployment.trackingId, interactions: 1 },
      PartitionKey: userId,
    });
    while ((await listed()).includes(itemId)) {
      if (performance.now() - sentAt > 30_000)
        throw new Error(`user ${userId}: item still listed after 30 s`);
      await sleep(5);
    }
    latencies.push(performance.now() - sentAt);
  }
  return latencies;
}

/** Local mode again on the same state with a 0 s batching window (`--batching-window 0`): the event path. */
async function zeroWindowRow(
  stateDir: string,
  deployment: Deployment,
  report: Report,
  options: Options,
  ports: { personalizePort: number; kinesisPort: number; s3Port: number },
): Promise<void> {
  const local = await startLocalMode({
    port: 0,
    ...ports,
    stateDir,
    log: () => undefined,
    separateProcesses: !options.oneProcess,
    invocationWorkers: options.invocationWorkers,
    eventSourceSettings: { maxBatchingWindowSeconds: 0 },
  });
  try {
    const path = await eventPath(local, deployment, options.eventSamples);
    const p50 = percentile(path, 50);
    report.row(
      `POST /data → the user's recommendations change (${path.length} clicks, 0 s batching window)`,
      `p50 ${p50.toFixed(0)} ms, p99 ${percentile(path, 99).toFixed(0)} ms`,
    );
    report.target(
      '`/data` to changed list with a 0 s window',
      `p50 ${p50.toFixed(0)} ms`,
      'p50 under 300 ms',
      p50 < 300,
    );
  } finally {
    await local.close();
  }
}

/**
 * The gateway routes and the emulator direct, on the state the deployment left (no live events yet). First
 * GET /getRecommendations cold: its first seconds after local mode started, with no warm-up (only the
 * deployment's calls before it), which is what the first minute of a fresh local mode costs. Then the
 * emulator direct, and each gateway route warm: after WARM_UP requests of its own (GET's cold run counted
 * among its), as a deployed API serves once its functions' first invocations are past. The warm GET row is
 * the baseline ("fresh") of every ratio to it and of its targets.
 */
async function routeRows(local: LocalMode, targets: Targets, report: Report): Promise<LoadResult> {
  const { base, key, data } = targets;
  const recommendations: LoadSpec = { ...base, url: targets.recommendations, headers: key };
  const cold = await measure({ ...recommendations, warmUpRequests: 0 });
  report.row(
    `GET /getRecommendations, cold: its first ${base.seconds} s after local mode started (no warm-up)`,
    cold,
  );
  report.row('emulator GetRecommendations direct (25 items)', await measure(targets.direct));
  const fresh = await measure({
    ...recommendations,
    // What the cold run left of the warm-up, if anything (autocannon sends at least one request a connection).
    warmUpRequests:
      cold.requests >= WARM_UP.getRecommendations
        ? 0
        : Math.max(base.connections, WARM_UP.getRecommendations - cold.requests),
  });
  report.row(
    `GET /getRecommendations (gateway → handler → emulator), warm: after ${count(WARM_UP.getRecommendations)} requests`,
    fresh,
  );
  const putEvents = await measure({
    ...base,
    url: `${local.url}/putEvents`,
    method: 'POST',
    headers: key,
    body: data,
    warmUpRequests: WARM_UP.putEvents,
  });
  report.row(`POST /putEvents (1 event), warm: after ${count(WARM_UP.putEvents)} requests`, putEvents);
  report.target(
    '`POST /prod/putEvents` (warm)',
    rate(putEvents),
    'at least 1,500 req/s',
    putEvents.requestsPerSecond >= 1500,
  );
  await dataRows(local, targets, report);
  report.row(
    'POST /describeCampaign without a key (403)',
    await measure({
      ...base,
      url: `${local.url}/describeCampaign`,
      method: 'POST',
      body: {},
      expectStatus: 403,
    }),
  );
  // First in the targets table, as the issue lists them.
  report.targets.unshift(
    {
      figure: '`GET /prod/getRecommendations` (warm: the baseline "fresh" below)',
      measured: `${rate(fresh)} (cold, its first ${base.seconds} s after the start: ${rate(cold)})`,
      target: 'at least 1,500 req/s',
      met: fresh.requestsPerSecond >= 1500,
    },
    {
      figure: '`GET /prod/getRecommendations` p99 (the same run)',
      measured: `${fresh.p99} ms (cold: ${cold.p99} ms)`,
      target: 'under 25 ms',
      met: fresh.p99 < 25,
    },
  );
  return fresh;
}

function count(requests: number): string {
  return requests.toLocaleString('en-US');
}

/** POST /data under load, and the PutEvents calls the consumer made for the events it accepted. */
async function dataRows(local: LocalMode, targets: Targets, report: Report): Promise<void> {
  const dataLoad: LoadSpec = {
    ...targets.base,
    url: `${local.url}/data`,
    method: 'POST',
    headers: targets.key,
    body: { Data: targets.data, PartitionKey: 'bench-writer' },
  };
  const since = Date.now();
  const dataWarmUp = await autocannon(dataLoad, undefined, WARM_UP.data);
  const before = cpuTimesUs();
  const measured = await autocannon(dataLoad, dataLoad.seconds);
  const dataResult = { ...measured, cpuPerRequestUs: cpuPerRequest(before, measured.requests) };
  const accepted = dataWarmUp.requests - dataWarmUp.errors + dataResult.requests - dataResult.errors;
  const calls = await putEventsCallsOnceDrained(local, since);
  report.row(`POST /data (gateway → VTL → Kinesis), warm: after ${count(WARM_UP.data)} requests`, dataResult);
  report.target(
    '`POST /prod/data` (warm)',
    rate(dataResult),
    'at least 800 req/s',
    dataResult.requestsPerSecond >= 800,
  );
  report.row(
    'PutEvents calls per event sent through POST /data under load (consumer → emulator)',
    `${(calls / accepted).toFixed(3)} (${calls.toLocaleString('en-US')} calls for ${accepted.toLocaleString('en-US')} events)`,
  );
}

/**
 * GET /getRecommendations and POST /putEvents at once, from two load processes: the reads and writes per
 * second, and the resident memory of local mode before and after.
 */
async function mixedRow(
  local: LocalMode,
  targets: Targets,
  report: Report,
  label: string,
): Promise<MixedResult> {
  const half = { ...targets.base, connections: Math.max(1, Math.floor(targets.base.connections / 2)) };
  const reads: LoadSpec = { ...half, url: targets.recommendations, headers: targets.key };
  const writes: LoadSpec = {
    ...half,
    url: `${local.url}/putEvents`,
    method: 'POST',
    headers: targets.key,
    body: targets.data,
  };
  const rssBefore = residentMb(local);
  await Promise.all([autocannon(reads, 1), autocannon(writes, 1)]);
  const [read, write] = await Promise.all([
    autocannon(reads, reads.seconds),
    autocannon(writes, writes.seconds),
  ]);
  const rssAfter = residentMb(local);
  report.row(`mixed, ${label}: GET /getRecommendations`, read);
  report.row(`mixed, ${label}: POST /putEvents at the same time`, write);
  report.row(
    `mixed, ${label}: local mode's resident memory before → after`,
    `${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
  );
  return { read, write, rssBefore, rssAfter };
}

/** The emulator's control plane (awsJson1_1), for what the API has no route for. */
async function control(local: LocalMode, operation: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${local.personalize.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonPersonalize.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${operation}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Trains `versions` solution versions on everything the group holds (the imported data and every live event so
 * far), each deployed to the campaign and served once: the longest event-loop stall of each serving process
 * while each trains (the gateway's here, the emulator's in its own process), and the emulator process's memory
 * after each (after a full GC).
 */
async function versionTrainingRows(
  local: LocalMode,
  deployment: Deployment,
  report: Report,
  versions: number,
): Promise<void> {
  const solutionArn = local.outputs[STACK_OUTPUTS.solutionArn];
  // With --one-process the emulator shares this process: its stall is the gateway's, its memory this process's.
  const emulator = local.processes.personalize ?? {
    stats: ({ gc = false } = {}) =>
      Promise.resolve({ rssMb: gc ? ownResidentAfterGcMb() : NaN, longestStallMs: NaN }),
  };
  const stalls: { gateway: number; emulator: number }[] = [];
  const memory: number[] = [];
  for (let v = 1; v <= versions; v++) {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await emulator.stats();
    const { solutionVersionArn } = (await api(local, 'POST', '/solutionVersion', {
      solutionArn,
      version: `benchmark-${v}`,
    })) as { solutionVersionArn: string };
    await untilActive(local, '/describeSolutionVersion', { solutionVersionArn });
    delay.disable();
    stalls.push({ gateway: delay.max / 1e6, emulator: (await emulator.stats()).longestStallMs });
    await control(local, 'UpdateCampaign', { campaignArn: deployment.campaignArn, solutionVersionArn });
    for (;;) {
      const { campaign } = (await control(local, 'DescribeCampaign', {
        campaignArn: deployment.campaignArn,
      })) as {
        campaign: { status: string };
      };
      if (campaign.status === 'ACTIVE') break;
      await sleep(100);
    }
    await api(
      local,
      'GET',
      `/getRecommendations?campaignArn=${encodeURIComponent(deployment.campaignArn)}&userId=${QUERIED_USER}`,
    );
    memory.push((await emulator.stats({ gc: true })).rssMb);
  }
  const longest = Math.max(...stalls.map((stall) => Math.max(stall.gateway, stall.emulator || 0)));
  report.row(
    `training ${versions} versions on the imported data and every live event so far: longest event-loop stall of the gateway process / of the emulator process, each`,
    stalls
      .map(
        (stall) =>
          `${stall.gateway.toFixed(0)} / ${Number.isNaN(stall.emulator) ? '–' : stall.emulator.toFixed(0)} ms`,
      )
      .join(', '),
  );
  report.target(
    'longest event-loop stall of a serving process (gateway, emulator) during training (imported data and the realistic live events)',
    `${longest.toFixed(0)} ms`,
    'under 50 ms, at load 4',
    longest < 50,
  );
  const first = memory[0] ?? NaN;
  const last = memory[memory.length - 1] ?? NaN;
  report.row(
    `the emulator process's resident memory after each of ${versions} versions trained, deployed and served (after a full GC)`,
    memory.map((mb) => `${mb.toFixed(0)} MB`).join(', '),
  );
  report.target(
    `memory after training ${versions} versions, against after the first`,
    `${(last / first).toFixed(2)}× (${first.toFixed(0)} → ${last.toFixed(0)} MB)`,
    'within 1.2×',
    last / first <= 1.2,
  );
}

/** The queried user sends 1,000 events of their own, then asks again: their history must not cost more. */
async function userHistoryRows(
  local: LocalMode,
  deployment: Deployment,
  targets: Targets,
  report: Report,
  fresh: LoadResult,
): Promise<void> {
  const seconds = await loadLiveEvents(local, deployment, 'user', 1_000, QUERIED_USER);
  const label = `user ${QUERIED_USER} after sending 1,000 events of their own (the sample's items, in ${seconds} s)`;
  const result = await measure({ ...targets.base, url: targets.recommendations, headers: targets.key });
  report.row(`GET /getRecommendations, ${label}`, result);
  const ratio = result.requestsPerSecond / fresh.requestsPerSecond;
  report.target(
    'a user with 1,000 live events since training, against the same user with none',
    `${ratio.toFixed(2)}× (${rate(result)} against ${rate(fresh)})`,
    'at least 0.9×',
    ratio >= 0.9,
  );
}

/** The sample data's interactions replayed live (its users and items, the queried user among them). */
async function realisticRows(
  local: LocalMode,
  deployment: Deployment,
  targets: Targets,
  report: Report,
  fresh: LoadResult,
  events: number,
): Promise<void> {
  const count = events.toLocaleString('en-US');
  const seconds = await loadLiveEvents(local, deployment, 'realistic', events);
  report.row(
    `loading ${count} realistic live events (the sample's users and items; PutEvents direct, 10 per call)`,
    `${seconds} s`,
  );
  report.row(
    `emulator GetRecommendations direct, after ${count} realistic live events`,
    await measure(targets.direct),
  );
  const result = await measure({ ...targets.base, url: targets.recommendations, headers: targets.key });
  report.row(`GET /getRecommendations, after ${count} realistic live events`, result);
  const ratio = result.requestsPerSecond / fresh.requestsPerSecond;
  report.target(
    `the realistic ${count}-event workload, against fresh`,
    `${ratio.toFixed(2)}× (${rate(result)} against ${rate(fresh)})`,
    'at least 0.8×',
    ratio >= 0.8,
  );
}

/** Events on as many distinct item ids as events, then the reads alone and mixed with writes. */
async function distinctIdRows(
  local: LocalMode,
  deployment: Deployment,
  targets: Targets,
  report: Report,
  before: { fresh: LoadResult; mixedFresh: MixedResult },
  events: number,
): Promise<void> {
  const count = events.toLocaleString('en-US');
  const seconds = await loadLiveEvents(local, deployment, 'distinct', events);
  report.row(
    `loading ${count} live events on ${count} distinct item ids (PutEvents direct, 10 per call)`,
    `${seconds} s`,
  );
  report.row(
    `emulator GetRecommendations direct, after ${count} distinct item ids`,
    await measure(targets.direct),
  );
  const result = await measure({ ...targets.base, url: targets.recommendations, headers: targets.key });
  report.row(`GET /getRecommendations, after ${count} distinct item ids`, result);
  const ratio = result.requestsPerSecond / before.fresh.requestsPerSecond;
  report.target(
    `GET /prod/getRecommendations after ${count} events on ${count} distinct item ids, against fresh`,
    `${ratio.toFixed(2)}× (${rate(result)} against ${rate(before.fresh)})`,
    'at least 0.8×',
    ratio >= 0.8,
  );
  const mixed = await mixedRow(local, targets, report, `after ${count} distinct item ids`);
  const readRatio = mixed.read.requestsPerSecond / before.mixedFresh.read.requestsPerSecond;
  const writeRatio = mixed.write.requestsPerSecond / before.mixedFresh.write.requestsPerSecond;
  const growth = mixed.rssAfter / mixed.rssBefore;
  report.target(
    `mixed read / write after ${count} distinct item ids, against no live events; memory during the run`,
    `${readRatio.toFixed(2)}× / ${writeRatio.toFixed(2)}× (${rate(mixed.read)} / ${rate(mixed.write)}); ${mixed.rssBefore.toFixed(0)} → ${mixed.rssAfter.toFixed(0)} MB`,
    'at least 0.8×, memory flat (within 1.1×)',
    readRatio >= 0.8 && writeRatio >= 0.8 && growth <= 1.1,
  );
}

/** The machine, and its load average (1, 5 and 15 minutes) now. */
function machineLine(): string {
  const cpu = cpus();
  return `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node.js ${process.version}; load average before: ${loadAverage()}`;
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

function printTable(report: Report, options: Options, startup: number, machine: string): void {
  const { rows } = report;
  const ceiling = rows[0]?.[1];
  const ceilingRate = typeof ceiling === 'object' ? ceiling.requestsPerSecond : NaN;
  console.log(`Local mode started (sample data imported) in ${(startup / 1000).toFixed(1)} s`);
  console.log(
    `Load: autocannon in a separate process, ${options.connections} connections, ${options.seconds} s after a warm-up of 1 s (the gateway routes' first warm rows: ${count(WARM_UP.getRecommendations)} GET /getRecommendations, ${count(WARM_UP.putEvents)} POST /putEvents, ${count(WARM_UP.data)} POST /data requests; the cold row none)`,
  );
  console.log('');
  console.log(
    '| Measure | requests/s | of ceiling | p50 | p99 | errors | CPU µs per request: local mode / emulator / Kinesis process |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(formatRow(row, ceilingRate));
  console.log('');
  console.log('Targets (issues 18, 20 and 22), each from the rows above:');
  console.log('');
  // The targets beside the ceiling, the machine and its load, so the table stands on its own when pasted.
  console.log(
    `${machine}; after: ${loadAverage()}. ${options.oneProcess ? 'Everything in one process (--one-process)' : 'The emulator and Kinesis in processes of their own, as npm start runs them'}; the handlers ${options.invocationWorkers === 0 ? "in the gateway's thread" : `on ${options.invocationWorkers} invocation worker${options.invocationWorkers === 1 ? '' : 's'}`}; the ceiling (a bare Node HTTP server, the same load generator) at ${ceilingRate.toFixed(0)} requests/s in this run.`,
  );
  console.log('');
  console.log('| Figure | Measured | Target | Met |');
  console.log('|---|---|---|---|');
  for (const t of report.targets)
    console.log(`| ${t.figure} | ${t.measured} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
