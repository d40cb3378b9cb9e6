/**
 * `npm run bundle-report`: builds every function's bundle as the stack does (lib/constructs/handler-function.ts:
 * FUNCTION_BUNDLING through functionEsbuildOptions) into a temporary directory, and prints one Markdown row per
 * function: the bundle's size, its source map's size, and its module init time (a fresh `node` process
 * `require`s the bundle; median of --runs), without and with `--enable-source-maps`.
 *
 *   npm run bundle-report -- [--runs 10] [--inputs 5] [--sdk-external] [--sources-content] [--cdk-out <dir>]
 *
 * --inputs N      also lists each bundle's N largest inputs (esbuild's metafile: bytes each adds to the bundle)
 * --sdk-external  also builds each bundle with the SDK left to the runtime (`@aws-sdk/*` external, resolved
 *                 from this project's node_modules when measuring init) for the comparison
 * --sources-content  builds the source maps with the sources embedded, for the comparison
 * --cdk-out dir   measures the bundles a `cdk synth -o dir` wrote instead of building them (e.g. an older
 *                 commit's, synthesized in its own worktree); each is named by the handler in its source map
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { PUT_EVENTS_CONSUMER, ROUTES } from '../lib/contract/api-routes';
import { functionEsbuildOptions } from '../lib/constructs/handler-function';
import { errorMessage } from '../lambda/shared/service-errors';

const PROJECT_ROOT = join(__dirname, '..');
/** What NodejsFunction leaves to the runtime when `externalModules` is not given (Node.js 18 and later). */
const RUNTIME_SDK = ['@aws-sdk/*'];

type FunctionKind = 'route' | 'consumer' | 'custom resource';

export interface FunctionEntry {
  /** File name under lambda/, without `.ts`. */
  readonly entry: string;
  readonly kind: FunctionKind;
}

/** Every function's entry: each file directly under lambda/ is one (HandlerFunction's `entry`). */
export function functionEntries(projectRoot: string = PROJECT_ROOT): FunctionEntry[] {
  const routes = new Set(ROUTES.flatMap((route) => (route.kind === 'lambda' ? [route.handler] : [])));
  return readdirSync(join(projectRoot, 'lambda'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => basename(file, '.ts'))
    .sort()
    .map((entry) => ({
      entry,
      kind: routes.has(entry)
        ? 'route'
        : entry === PUT_EVENTS_CONSUMER.handler
          ? 'consumer'
          : 'custom resource',
    }));
}

export interface Bundle {
  readonly entry: string;
  /** The bundle, `index.js` in a directory of its own (as in a function's asset), beside `index.js.map`. */
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly metafile?: Metafile;
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** Builds `entry`'s bundle with the stack's esbuild options (or with the SDK external) under `outdir`. */
export async function buildBundle(
  entry: string,
  outdir: string,
  options: { sdkExternal?: boolean; sourcesContent?: boolean } = {},
): Promise<Bundle> {
  const file = join(outdir, options.sdkExternal ? `${entry}-sdk-external` : entry, 'index.js');
  const esbuildOptions = functionEsbuildOptions(entry, file);
  const result = await build({
    ...esbuildOptions,
    external: options.sdkExternal
      ? [...RUNTIME_SDK, ...(esbuildOptions.external ?? [])]
      : esbuildOptions.external,
    sourcesContent: options.sourcesContent ?? esbuildOptions.sourcesContent,
    metafile: true,
    logLevel: 'silent',
  });
  return { entry, file, bytes: sizeOf(file), mapBytes: sizeOf(`${file}.map`), metafile: result.metafile };
}

/** The bundles a `cdk synth -o dir` wrote, each named by the one lambda/<entry>.ts among its map's sources. */
export function bundlesOfCdkOut(cdkOut: string): Bundle[] {
  const bundles = new Map<string, Bundle>();
  for (const dir of readdirSync(cdkOut)) {
    const file = join(cdkOut, dir, 'index.js');
    if (!dir.startsWith('asset.') || !existsSync(`${file}.map`)) continue;
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    const entries = map.sources.flatMap((source) => /(?:^|\/)lambda\/(\w+)\.ts$/.exec(source)?.[1] ?? []);
    if (entries.length !== 1) continue;
    bundles.set(entries[0]!, {
      entry: entries[0]!,
      file,
      bytes: sizeOf(file),
      mapBytes: sizeOf(`${file}.map`),
    });
  }
  return [...bundles.values()].sort((a, b) => a.entry.localeCompare(b.entry));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const REQUIRE_AND_TIME = [
  'const wall = performance.now(), cpu = process.cpuUsage();',
  'require(process.argv[1]);',
  'const used = process.cpuUsage(cpu);',
  'process.stdout.write(JSON.stringify([performance.now() - wall, (used.user + used.system) / 1000]));',
].join(' ');

/** Milliseconds of a `require`: wall-clock, and CPU (user + system, every thread: what a busy machine inflates less). */
export interface InitTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Module init of `file`: a fresh `node` process times its `require` (the bundle's top level: its modules
 * evaluated, the SDK clients created), `runs` times; the medians. The bundle's directory has no
 * node_modules above it, so a module left external that the top level requires fails the measurement.
 */
function initTime(file: string, options: { sourceMaps: boolean; runs: number; nodePath?: string }): InitTime {
  const samples: [number, number][] = [];
  for (let run = 0; run < options.runs; run += 1) {
    const child = spawnSync(
      process.execPath,
      [...(options.sourceMaps ? ['--enable-source-maps'] : []), '-e', REQUIRE_AND_TIME, file],
      {
        encoding: 'utf8',
        // What a function's module scope reads: a region for the clients, nothing that reaches AWS.
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          ...(options.nodePath ? { NODE_PATH: options.nodePath } : {}),
        },
      },
    );
    if (child.status !== 0) throw new Error(`require(${file}) failed: ${child.stderr.slice(0, 500)}`);
    samples.push(JSON.parse(child.stdout) as [number, number]);
  }
  return { wallMs: median(samples.map(([wall]) => wall)), cpuMs: median(samples.map(([, cpu]) => cpu)) };
}

export interface BundleFigures {
  readonly entry: string;
  readonly kind?: FunctionKind;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly init: InitTime;
  readonly initWithSourceMaps: InitTime;
  readonly sdkExternal?: { readonly bytes: number; readonly init: InitTime };
  readonly largestInputs?: readonly { readonly path: string; readonly bytes: number }[];
}

/** The N inputs that add most to a bundle (bytes in the output, after minification and tree-shaking). */
function largestInputs(bundle: Bundle, count: number): { path: string; bytes: number }[] {
  const output = Object.values(bundle.metafile?.outputs ?? {}).find((out) => out.entryPoint !== undefined);
  return Object.entries(output?.inputs ?? {})
    .map(([path, input]) => ({ path, bytes: input.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

export interface ReportOptions {
  readonly runs?: number;
  readonly inputs?: number;
  readonly sdkExternal?: boolean;
  /** Build the source maps with the sources embedded (whatever the stack does), for the comparison. */
  readonly sourcesContent?: boolean;
  readonly cdkOut?: string;
}

/** Builds (or reads) every function's bundle and measures it. */
export async function bundleReport(options: ReportOptions = {}): Promise<BundleFigures[]> {
  const runs = options.runs ?? 10;
  const outdir = mkdtempSync(join(tmpdir(), 'bundle-report-'));
  try {
    const kinds = new Map(functionEntries().map(({ entry, kind }) => [entry, kind]));
    const bundles = options.cdkOut
      ? bundlesOfCdkOut(options.cdkOut)
      : await Promise.all(
          [...kinds.keys()].map((entry) =>
            buildBundle(entry, outdir, { sourcesContent: options.sourcesContent }),
          ),
        );
    const figures: BundleFigures[] = [];
    for (const bundle of bundles) {
      let sdkExternal: BundleFigures['sdkExternal'];
      if (options.sdkExternal) {
        const external = await buildBundle(bundle.entry, outdir, { sdkExternal: true });
        sdkExternal = {
          bytes: external.bytes,
          init: initTime(external.file, {
            sourceMaps: false,
            runs,
            nodePath: join(PROJECT_ROOT, 'node_modules'),
          }),
        };
      }
      figures.push({
        entry: bundle.entry,
        kind: kinds.get(bundle.entry),
        bytes: bundle.bytes,
        mapBytes: bundle.mapBytes,
        init: initTime(bundle.file, { sourceMaps: false, runs }),
        initWithSourceMaps: initTime(bundle.file, { sourceMaps: true, runs }),
        sdkExternal,
        largestInputs: options.inputs ? largestInputs(bundle, options.inputs) : undefined,
      });
    }
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
export const formatInit = (init: InitTime) => `${init.wallMs.toFixed(0)} ms (CPU ${init.cpuMs.toFixed(0)})`;

/** The report as Markdown table rows (with a header), one per function. */
function formatReport(figures: readonly BundleFigures[], runs: number): string[] {
  const external = figures.some((figure) => figure.sdkExternal);
  const lines = [
    `| Function | bundle | source map | init (median of ${runs}) | init with --enable-source-maps |${external ? ' bundle, SDK external | init, SDK external |' : ''}`,
    `|---|---|---|---|---|${external ? '---|---|' : ''}`,
  ];
  for (const figure of figures) {
    const cells = [
      `${figure.entry}${figure.kind && figure.kind !== 'route' ? ` (${figure.kind})` : ''}`,
      kib(figure.bytes),
      kib(figure.mapBytes),
      formatInit(figure.init),
      formatInit(figure.initWithSourceMaps),
      ...(figure.sdkExternal
        ? [kib(figure.sdkExternal.bytes), formatInit(figure.sdkExternal.init)]
        : external
          ? ['', '']
          : []),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function parseArgs(argv: readonly string[]): ReportOptions {
  const valueOf = (name: string) => {
    const index = argv.indexOf(`--${name}`);
    if (index < 0) return undefined;
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    return value;
  };
  const count = (name: string) => {
    const value = valueOf(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  const cdkOut = valueOf('cdk-out');
  if (cdkOut !== undefined && !existsSync(cdkOut)) throw new Error(`--cdk-out: no directory ${cdkOut}`);
  return {
    runs: count('runs'),
    inputs: count('inputs'),
    sdkExternal: argv.includes('--sdk-external'),
    sourcesContent: argv.includes('--sources-content') ? true : undefined,
    cdkOut,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const figures = await bundleReport(options);
  console.log(
    `Node.js ${process.version}; ${options.cdkOut ? `bundles of ${options.cdkOut}` : 'bundles built as the stack builds them'}`,
  );
  console.log('');
  for (const line of formatReport(figures, options.runs ?? 10)) console.log(line);
  for (const figure of figures) {
    if (!figure.largestInputs?.length) continue;
    console.log('');
    console.log(`${figure.entry}: largest inputs`);
    for (const input of figure.largestInputs) console.log(`  ${kib(input.bytes).padStart(9)}  ${input.path}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(errorMessage(error));
    process.exit(1);
  });
}
