/**
 * `npx tsx scripts/profile-gateway.ts`: the gateway process's CPU per warm request, for before/after
 * comparisons of its own code. Starts local mode as npm start runs it (the emulator and Kinesis in processes of
 * their own, the handlers in this thread), trains a version and deploys a campaign as the benchmark does, then
 * for each route: a warm-up, and rounds of load from autocannon (a process of its own), each giving the
 * requests per second and the CPU time per request of this process and of each service process. With
 * `--profile <dir>`, one more round under V8's sampling profiler, its self time by layer (and the top functions)
 * printed and the profile written to `<dir>/<route>.cpuprofile`: the profiler's own cost makes that round slower,
 * so its shares, not its µs, are the figures to read.
 *
 *   npx tsx scripts/profile-gateway.ts [--routes get,putEvents,data] [--seconds 3] [--rounds 3]
 *     [--warm-up 5000] [--connections 10] [--profile <dir>]
 *
 * A/B on a shared machine: `--compare a=<dir>[,flags],b=<dir>[,flags]` starts local mode from each checkout
 * (`--serve`: set up, print its targets, serve until stdin closes), warms each, then alternates short rounds
 * between them (A B A B ...), so that both see the same machine; it prints each round and the medians.
 * `--read <file.cpuprofile>` prints a saved profile's breakdown.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { STACK_OUTPUTS } from '../lib/contract/stack-outputs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { startGateway, type ProxyHandler } from '../local/apigateway/gateway';
import { startLocalMode, type LocalMode } from '../local/start';

const PROJECT_ROOT = join(__dirname, '..');
const AUTOCANNON = join(PROJECT_ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Load {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

function autocannon(load: Load, connections: number, run: { seconds?: number; amount?: number }) {
  const args = [AUTOCANNON, '--json', '-c', String(connections), '-m', load.method];
  if (run.amount !== undefined) args.push('-a', String(run.amount));
  else args.push('-d', String(run.seconds ?? 1));
  for (const [name, value] of Object.entries(load.headers)) args.push('-H', `${name}=${value}`);
  if (load.body !== undefined)
    args.push('-H', 'content-type=application/json', '-b', JSON.stringify(load.body));
  args.push(load.url);
  return new Promise<{ rate: number; requests: number; errors: number }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const report = JSON.parse(out) as {
        requests: { average: number; total: number };
        errors: number;
        timeouts: number;
        non2xx: number;
      };
      resolve({
        rate: report.requests.average,
        requests: report.requests.total,
        errors: report.errors + report.timeouts + report.non2xx,
      });
    });
  });
}

/** CPU µs (user + system) so far: this process, then each service process. */
function cpuTimes(pids: readonly number[]): number[] {
  const own = process.cpuUsage();
  return [
    own.user + own.system,
    ...pids.map((pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
    }),
  ];
}

async function api(local: LocalMode, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${local.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': local.apiKey },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

async function untilActive(local: LocalMode, path: string, body: unknown): Promise<void> {
  for (;;) {
    const status = await api(local, path, body);
    if (status === 'ACTIVE') return;
    await sleep(100);
  }
}

async function deploy(local: LocalMode): Promise<{ campaignArn: string; trackingId: string }> {
  const { solutionVersionArn } = (await api(local, '/solutionVersion', {
    solutionArn: local.outputs[STACK_OUTPUTS.solutionArn],
    version: 'profile',
  })) as { solutionVersionArn: string };
  await untilActive(local, '/describeSolutionVersion', { solutionVersionArn });
  const { campaignArn } = (await api(local, '/campaign', { solutionVersionArn, name: 'profile' })) as {
    campaignArn: string;
  };
  await untilActive(local, '/describeCampaign', { campaignArn });
  const { trackingId } = (await api(local, '/eventTracker', {
    name: 'profile',
    datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
  })) as { trackingId: string };
  await sleep(500);
  return { campaignArn, trackingId };
}

/** The layer a profile node's code belongs to, by its script and function. */
function layerOf(frame: Profiler.ProfileNode['callFrame']): string {
  const url = frame.url;
  const name = frame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(idle)' || name === '(root)') return name;
  if (url === '') return `native: ${name || '(anonymous)'}`;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (module)
    return module.startsWith('@smithy/') || module.startsWith('@aws-sdk/') ? `sdk ${module}` : module;
  if (url.startsWith('node:')) {
    if (/_http|http_|node:http|internal\/http/.test(url)) return 'node http';
    if (/net|stream|socket/.test(url)) return 'node net/streams';
    if (/async_hooks|async_context|async_local/.test(url)) return 'node async_hooks';
    if (/timers/.test(url)) return 'node timers';
    if (/crypto/.test(url)) return 'node crypto';
    if (/url/.test(url)) return 'node url';
    if (/process\/task_queues|promise/.test(url)) return 'node microtasks';
    return `node other (${url.replace(/^node:(internal\/)?/, '')})`;
  }
  const local = /\/(lambda|local|lib|scripts)\/(.+)$/.exec(url);
  if (local) return `${local[1]}/${local[2]}`;
  return url;
}

/** Self time by layer and by function, from a profile's samples. */
function breakDown(profile: Profiler.Profile): {
  layers: Map<string, number>;
  functions: Map<string, number>;
  total: number;
} {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const ticks = new Map<number, number>();
  for (const id of profile.samples ?? []) ticks.set(id, (ticks.get(id) ?? 0) + 1);
  const layers = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, count] of ticks) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    const layer = layerOf(frame);
    if (layer === '(idle)') continue;
    total += count;
    layers.set(layer, (layers.get(layer) ?? 0) + count);
    const fn = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(PROJECT_ROOT, '')}:${frame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + count);
  }
  return { layers, functions, total };
}

function top(map: Map<string, number>, total: number, count: number, usPerRequest: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([name, ticks]) =>
        `  ${((100 * ticks) / total).toFixed(1).padStart(5)}%  ${((usPerRequest * ticks) / total).toFixed(0).padStart(5)} µs  ${name}`,
    );
}

interface Served {
  readonly pid: number;
  readonly servicePids: readonly number[];
  readonly loads: Record<string, Load>;
}

/**
 * The gateway alone (`--stub`): the stack's routes with a handler that answers at once, no SDK, no emulator: what
 * the gateway's own steps and Node's HTTP server cost a request.
 */
async function serveStub(): Promise<{ served: Served; stop: () => Promise<void> }> {
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const handler: ProxyHandler = () =>
    Promise.resolve({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: '{"itemList":[{"itemId":"1"}]}',
    });
  const gateway = await startGateway({
    port: 0,
    apiKey: 'stub-key',
    streamName: 'stub',
    kinesis,
    region: 'us-east-1',
    loadHandler: () => Promise.resolve(handler),
    log: () => undefined,
  });
  const key = { 'x-api-key': 'stub-key' };
  const event = { userId: 'u', itemId: '12', eventType: 'click', trackingId: 't', interactions: 1 };
  return {
    served: {
      pid: process.pid,
      servicePids: [],
      loads: {
        get: {
          url: `${gateway.url}/getRecommendations?campaignArn=${encodeURIComponent('arn:aws:personalize:us-east-1:000000000000:campaign/x')}&userId=429`,
          method: 'GET',
          headers: key,
        },
        putEvents: { url: `${gateway.url}/putEvents`, method: 'POST', headers: key, body: event },
      },
    },
    stop: async () => {
      await gateway.close();
      kinesis.destroy();
    },
  };
}

/** Local mode as npm start runs it, a trained version, a campaign and a tracker; the routes' loads. */
async function serve(): Promise<{ local: LocalMode; served: Served; stop: () => Promise<void> }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'profile-gateway-'));
  const write = process.stdout.write.bind(process.stdout);
  // As the benchmark: the handlers' log and EMF lines kept out of the output.
  process.stdout.write = (chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && (chunk.startsWith('{"timestamp"') || chunk.startsWith('{"_aws"'))
      ? true
      : (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  const local = await startLocalMode({
    port: 0,
    stateDir,
    log: () => undefined,
    separateProcesses: true,
    invocationWorkers: 0,
  });
  const stop = async () => {
    await local.close();
    process.stdout.write = write;
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const { campaignArn, trackingId } = await deploy(local);
    const key = { 'x-api-key': local.apiKey };
    const event = { userId: 'bench-writer', itemId: '12', eventType: 'click', trackingId, interactions: 1 };
    const loads: Record<string, Load> = {
      get: {
        url: `${local.url}/getRecommendations?campaignArn=${encodeURIComponent(campaignArn)}&userId=429`,
        method: 'GET',
        headers: key,
      },
      putEvents: { url: `${local.url}/putEvents`, method: 'POST', headers: key, body: event },
      data: { url: `${local.url}/data`, method: 'POST', headers: key, body: event },
    };
    const servicePids = [local.processes.personalize?.pid, local.processes.kinesis?.pid].filter(
      (pid): pid is number => pid !== undefined,
    );
    return { local, served: { pid: process.pid, servicePids, loads }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const loadNow = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Starts `--serve` from each checkout and alternates rounds between them. */
async function compare(variants: string, routes: readonly string[], options: RunOptions): Promise<void> {
  const started = await Promise.all(
    variants.split(';').map(async (spec) => {
      const [name, rest] = spec.split('=') as [string, string];
      const [dir, ...flags] = rest.split(',');
      // Node's flags before the script, this script's own (--stub) after it.
      const own = flags.filter((flag) => flag === '--stub');
      const node = flags.filter((flag) => flag !== '--stub');
      const child = spawn('npx', ['tsx', ...node, 'scripts/profile-gateway.ts', '--serve', ...own], {
        cwd: dir,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const served = await new Promise<Served>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split('\n').find((text) => text.startsWith('SERVED '));
          if (line) resolve(JSON.parse(line.slice('SERVED '.length)) as Served);
        });
        child.on('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
      });
      return { name, child, served };
    }),
  );
  try {
    console.log(`load before: ${loadNow()}`);
    for (const route of routes) {
      const figures = new Map<string, number[][]>();
      for (const { served } of started) {
        const load = served.loads[route];
        if (!load) throw new Error(`unknown route ${route}`);
        await autocannon(load, options.connections, { amount: options.warmUp });
      }
      for (let round = 0; round < options.rounds; round += 1) {
        for (const { name, served } of round % 2 === 0 ? started : [...started].reverse()) {
          const pids = [served.pid, ...served.servicePids];
          const before = cpuTimes(pids).slice(1);
          const result = await autocannon(served.loads[route]!, options.connections, {
            seconds: options.seconds,
          });
          const used = cpuTimes(pids)
            .slice(1)
            .map((us, k) => (us - (before[k] ?? 0)) / Math.max(1, result.requests));
          figures.set(name, [...(figures.get(name) ?? []), [result.rate, ...used]]);
          console.log(
            `${route} ${name} round ${round + 1}: ${result.rate.toFixed(0)} req/s, µs/request gateway ${used.map((us) => us.toFixed(0)).join(' / ')} (emulator, kinesis), errors ${result.errors}, load ${loadavg()[0]?.toFixed(2)}`,
          );
        }
      }
      for (const [name, rows] of figures) {
        const column = (k: number) => median(rows.map((row) => row[k] ?? NaN)).toFixed(0);
        console.log(
          `${route} ${name}: median ${column(0)} req/s, gateway ${column(1)} µs/request, emulator ${column(2)}, kinesis ${column(3)}`,
        );
      }
    }
    console.log(`load after: ${loadNow()}`);
  } finally {
    for (const { child } of started) child.stdin.end();
    await Promise.all(started.map(({ child }) => new Promise((resolve) => child.on('exit', resolve))));
  }
}

interface RunOptions {
  readonly seconds: number;
  readonly rounds: number;
  readonly warmUp: number;
  readonly connections: number;
}

/** Rounds of a route's load, each with the CPU time per request of the gateway and the service processes. */
async function measureRoute(
  route: string,
  load: Load,
  pids: readonly number[],
  options: RunOptions,
): Promise<void> {
  const gateway: number[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    const before = cpuTimes(pids);
    const result = await autocannon(load, options.connections, { seconds: options.seconds });
    const used = cpuTimes(pids).map((us, k) => (us - (before[k] ?? 0)) / Math.max(1, result.requests));
    gateway.push(used[0] ?? 0);
    console.log(
      `${route} round ${round + 1}: ${result.rate.toFixed(0)} req/s, µs/request gateway ${used.map((us) => us.toFixed(0)).join(' / ')} (emulator, kinesis), errors ${result.errors}, load ${loadavg()[0]?.toFixed(2)}`,
    );
  }
  console.log(
    `${route}: gateway µs/request median ${median(gateway).toFixed(0)} (min ${Math.min(...gateway).toFixed(0)})`,
  );
}

/** One more run of a route's load under V8's sampling profiler: the profile written, the busy time by layer. */
async function profileRoute(
  route: string,
  load: Load,
  pids: readonly number[],
  options: RunOptions,
  directory: string,
): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const before = cpuTimes(pids);
  const result = await autocannon(load, options.connections, { seconds: options.seconds });
  const used = ((cpuTimes(pids)[0] ?? 0) - (before[0] ?? 0)) / Math.max(1, result.requests);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, `${route}.cpuprofile`), JSON.stringify(profile));
  const { layers, functions, total } = breakDown(profile);
  console.log(
    `${route} profiled: ${result.rate.toFixed(0)} req/s, ${used.toFixed(0)} µs/request (profiler on); busy self time by layer:`,
  );
  for (const line of top(layers, total, 40, used)) console.log(line);
  console.log('top functions:');
  for (const line of top(functions, total, 40, used)) console.log(line);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      routes: { type: 'string', default: 'get,putEvents' },
      seconds: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      'warm-up': { type: 'string', default: '5000' },
      connections: { type: 'string', default: '10' },
      profile: { type: 'string' },
      read: { type: 'string' },
      serve: { type: 'boolean', default: false },
      compare: { type: 'string' },
      stub: { type: 'boolean', default: false },
    },
  });
  if (values.read) {
    const { layers, functions, total } = breakDown(
      JSON.parse(readFileSync(values.read, 'utf8')) as Profiler.Profile,
    );
    for (const line of top(layers, total, 40, 1000)) console.log(line);
    for (const line of top(functions, total, 60, 1000)) console.log(line);
    return;
  }
  const options: RunOptions = {
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    warmUp: Number(values['warm-up']),
    connections: Number(values.connections),
  };
  const routes = (values.routes ?? '').split(',');
  if (values.compare) return compare(values.compare, routes, options);
  const { served, stop } = values.stub ? await serveStub() : await serve();
  try {
    if (values.serve) {
      console.log(`SERVED ${JSON.stringify(served)}`);
      process.stdin.resume();
      await new Promise((resolve) => process.stdin.on('end', resolve));
      return;
    }
    const pids = served.servicePids;
    console.log(`load before: ${loadNow()}`);
    for (const route of routes) {
      const load = served.loads[route];
      if (!load) throw new Error(`unknown route ${route}`);
      await autocannon(load, options.connections, { amount: options.warmUp });
      await measureRoute(route, load, pids, options);
      if (values.profile) await profileRoute(route, load, pids, options, values.profile);
    }
    console.log(`load after: ${loadNow()}`);
  } finally {
    await stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
