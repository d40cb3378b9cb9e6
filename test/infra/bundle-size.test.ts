/**
 * Every function's bundle, built with the stack's esbuild options (handler-function.ts FUNCTION_BUNDLING),
 * stays within a size bound, so what a cold start loads cannot silently grow back; and loads in a fresh
 * process with no node_modules to fall back on, so what the options leave out is never needed to start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bundle, type FunctionEntry, buildBundle, functionEntries } from '../../scripts/bundle-report';

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

beforeAll(async () => {
  // Under the system's temporary directory: no node_modules above the bundles.
  outdir = mkdtempSync(join(tmpdir(), 'bundle-size-'));
  for (const bundle of await Promise.all(entries.map(({ entry }) => buildBundle(entry, outdir))))
    bundles.set(bundle.entry, bundle);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const bundleOf = (entry: string) => {
  const bundle = bundles.get(entry);
  if (!bundle) throw new Error(`no bundle built for ${entry}`);
  return bundle;
};

const byKind = (kind: FunctionEntry['kind']) => entries.filter((e) => e.kind === kind).map((e) => [e.entry]);

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
