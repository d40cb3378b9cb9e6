/**
 * The functions' bundles, the one test file that builds them: the stack bundles each function as `cdk synth`
 * does (esbuild, locally, no Docker), exactly as the stack's esbuild options (handler-function.ts
 * FUNCTION_BUNDLING) build it here; every bundle stays within a size bound, so what a cold start loads cannot
 * silently grow back; and loads in a fresh process with no node_modules to fall back on, so what the options
 * leave out is never needed to start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTES } from '../../lib/contract/api-routes';
import {
  type Bundle,
  type FunctionEntry,
  buildBundle,
  bundlesOfCdkOut,
  functionEntries,
} from '../../scripts/bundle-report';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLED_CONTEXT, bundledSynthEnded, reusableBundledSynth } from './bundled-synth';
import { STACK_NAME, synthesize, type Resource } from './synth';

/**
 * A route function's bound: each is 470 to 590 KiB (the SDK client, its core and zod: 400 to 450 KiB; Powertools
 * Tracer with the X-Ray SDK, ~125 KiB, and Metrics, ~15 KiB).
 */
const ROUTE_FUNCTION_MAX_BYTES = 650_000;
/** The consumer also bundles the S3 client (with its checksums), for the records it sets aside: ~785 KiB. */
const CONSUMER_MAX_BYTES = 850_000;

jest.setTimeout(120_000);

const entries = functionEntries();
let outdir: string;
const bundles = new Map<string, Bundle>();
/** The bundled synthesis: its output directory (the functions' assets) and its template. */
let synth: { outdir: string; template: Template };

beforeAll(async () => {
  // Under the system's temporary directory: no node_modules above the bundles.
  outdir = mkdtempSync(join(tmpdir(), 'bundle-size-'));
  for (const bundle of await Promise.all(entries.map(({ entry }) => buildBundle(entry, outdir))))
    bundles.set(bundle.entry, bundle);
  // With the Users dataset (context usersDataset): every function the stack can have. `.ci/run`'s `cdk synth`
  // (under way beside the run, or done) has bundled them when its key matches the sources (bundled-synth.ts);
  // otherwise bundled here.
  await bundledSynthEnded(180_000);
  const reused = reusableBundledSynth();
  if (reused) {
    const template = readFileSync(join(reused, `${STACK_NAME}.template.json`), 'utf8');
    synth = { outdir: reused, template: Template.fromJSON(JSON.parse(template) as Record<string, unknown>) };
  } else {
    const here = synthesize({ bundle: true, context: { ...BUNDLED_CONTEXT } });
    synth = { outdir: here.app.outdir, template: here.template };
  }
}, 360_000); // up to 3 minutes waiting for `.ci/run`'s synthesis, then maybe a bundling of its own

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const bundleOf = (entry: string) => {
  const bundle = bundles.get(entry);
  if (!bundle) throw new Error(`no bundle built for ${entry}`);
  return bundle;
};

const byKind = (kind: FunctionEntry['kind']) => entries.filter((e) => e.kind === kind).map((e) => [e.entry]);

describe('the stack bundles', () => {
  it('bundles each handler with esbuild into a minified file with a source map', () => {
    const functions = synth.template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const own = Object.values(functions).filter(
      (fn) =>
        (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.NODE_OPTIONS === '--enable-source-maps',
    );
    expect(own.length).toBeGreaterThanOrEqual(entries.length);
    for (const fn of own) {
      const s3Key = String((fn.Properties?.Code as { S3Key: string }).S3Key);
      const bundle = join(synth.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
      expect(existsSync(join(bundle, 'index.js'))).toBe(true);
      expect(existsSync(join(bundle, 'index.js.map'))).toBe(true);
    }
  });

  it('bundles each handler exactly as functionEsbuildOptions does (the options bundle-report and these bounds use)', () => {
    const synthesized = bundlesOfCdkOut(synth.outdir);
    expect(synthesized.length).toBeGreaterThanOrEqual(ROUTES.filter((r) => r.kind === 'lambda').length + 1);
    for (const bundle of synthesized) {
      expect({
        entry: bundle.entry,
        identical: readFileSync(bundleOf(bundle.entry).file).equals(readFileSync(bundle.file)),
      }).toEqual({ entry: bundle.entry, identical: true });
    }
  });
});

it('finds the route functions, the consumer and the custom-resource handlers', () => {
  expect(byKind('route').length).toBeGreaterThanOrEqual(8);
  expect(byKind('consumer')).toEqual([['putEvents']]);
  expect(byKind('custom resource').length).toBeGreaterThanOrEqual(2);
});

it.each(byKind('route'))('route function %s is at most 650 KB', (entry) => {
  expect(bundleOf(entry).bytes).toBeLessThanOrEqual(ROUTE_FUNCTION_MAX_BYTES);
});

it.each(byKind('custom resource'))('custom-resource handler %s is at most 650 KB', (entry) => {
  expect(bundleOf(entry).bytes).toBeLessThanOrEqual(ROUTE_FUNCTION_MAX_BYTES);
});

it('the consumer is at most 850 KB', () => {
  expect(bundleOf('putEvents').bytes).toBeLessThanOrEqual(CONSUMER_MAX_BYTES);
});

it('keeps the source maps without the sources embedded (a map is about twice its bundle, not four times)', () => {
  for (const { entry } of entries) {
    const bundle = bundleOf(entry);
    expect(bundle.mapBytes).toBeGreaterThan(0);
    expect(bundle.mapBytes).toBeLessThan(3 * bundle.bytes);
  }
});

it.each(entries.map(({ entry }) => [entry]))(
  '%s loads in a fresh process with nothing outside its bundle (the modules left out load lazily only)',
  (entry) => {
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        "const m = require(process.argv[1]); process.stdout.write(Object.keys(m).filter((k) => typeof m[k] === 'function').join(','));",
        bundleOf(entry).file,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' } },
    );
    // The stderr in the failure message names the module that could not be found.
    expect({ status: child.status, stderr: child.stderr }).toMatchObject({ status: 0 });
    expect(child.stdout.split(',')).toEqual(expect.arrayContaining([expect.stringMatching(/^\w+$/)]));
  },
);
