/**
 * The layers point one way (docs/code-map.md#layers): every relative import of every .ts file of the app,
 * the functions and local mode is read with the TypeScript API and checked against the directions allowed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

type Layer = 'contract' | 'stack' | 'functions' | 'local' | 'page' | 'bin' | 'scripts' | 'test' | 'data';

/** The layer of a project path (`lib/contract/x.ts`, `lambda/shared/y`), by its folder. */
function layerOf(path: string): Layer | undefined {
  if (path.startsWith('lib/contract/')) return 'contract';
  if (path.startsWith('lib/demo-page/')) return 'page';
  if (path.startsWith('lib/')) return 'stack';
  const top = path.split('/')[0];
  const layers: Record<string, Layer> = {
    lambda: 'functions',
    local: 'local',
    bin: 'bin',
    scripts: 'scripts',
    test: 'test',
    data: 'data',
  };
  return top === undefined ? undefined : layers[top];
}

/** What each layer may import (besides packages and itself). */
const ALLOWED: Readonly<Record<Layer, readonly Layer[]>> = {
  // The contract both the stack and local mode read: nothing but itself.
  contract: [],
  // The stack composes constructs from the contract and deploys the page; the functions are referenced by
  // their entry paths only.
  stack: ['contract', 'page'],
  // The deployed functions: their own code and the contract.
  functions: ['contract'],
  // Local mode runs the same functions against the same contract, and serves the page.
  local: ['contract', 'functions', 'page'],
  // The demo page (its browser code and its build), which the stack deploys and local mode serves.
  page: ['contract'],
  bin: ['stack'],
  scripts: ['contract', 'stack', 'functions', 'local', 'page', 'data'],
  // The sample data's generator and converters are tools, like scripts/: they read local mode's CSV reader.
  data: ['contract', 'local'],
  test: ['contract', 'stack', 'functions', 'local', 'page', 'bin', 'scripts', 'data'],
};

interface Import {
  readonly from: string;
  readonly to: string;
}

/** The imports that go against ALLOWED, as `from -> to`. */
function wrongDirections(imports: readonly Import[]): string[] {
  return imports
    .filter(({ from, to }) => {
      const [a, b] = [layerOf(from), layerOf(to)];
      return a !== undefined && b !== undefined && a !== b && !ALLOWED[a].includes(b);
    })
    .map(({ from, to }) => `${from} -> ${to}`);
}

function tsFiles(directory: string): string[] {
  return readdirSync(join(ROOT, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import (static, dynamic, require, export from) of the project's .ts files. */
function projectImports(): Import[] {
  return ['bin', 'lib', 'lambda', 'local', 'scripts', 'data'].flatMap((folder) =>
    tsFiles(folder).flatMap((from) =>
      ts
        .preProcessFile(readFileSync(join(ROOT, from), 'utf8'), true, true)
        .importedFiles.map((file) => file.fileName)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => ({
          from,
          to: relative(ROOT, normalize(join(ROOT, dirname(from), specifier))).replace(/\.ts$/, ''),
        })),
    ),
  );
}

describe('the layers', () => {
  const imports = projectImports();

  it('reads the imports of every layer', () => {
    const from = new Set(imports.map((i) => layerOf(i.from)));
    for (const layer of ['contract', 'stack', 'functions', 'local', 'page', 'bin', 'scripts'] as const)
      expect([layer, from.has(layer)]).toEqual([layer, true]);
  });

  it('has no import against the allowed directions (lambda and lib never import local; the contract imports only itself)', () => {
    expect(wrongDirections(imports)).toEqual([]);
  });

  it.each([
    ['lambda/getStatus.ts', 'local/personalize/clock'],
    ['lambda/shared/http.ts', 'lib/constructs/defaults'],
    ['lib/constructs/observability.ts', 'local/cloudwatch/metric-store'],
    ['lib/constructs/event-pipeline.ts', 'lambda/shared/delivery'],
    ['lib/contract/api-routes.ts', 'lib/constructs/defaults'],
    ['lib/contract/api-routes.ts', 'lambda/shared/status'],
    ['lib/contract/requests.ts', 'test/lambda/factories'],
    ['local/start.ts', 'test/local/helpers'],
    ['lib/constructs/demo-page.ts', 'local/demo-page/serve'],
    ['lib/demo-page/build.ts', 'local/personalize/csv'],
    ['lib/demo-page/build.ts', 'lib/constructs/defaults'],
    ['lib/demo-page/render.ts', 'lambda/shared/status'],
    ['lib/demo-page/build.ts', 'lib/recommendations-stack'],
  ])('fails on %s importing %s', (from, to) => {
    expect(wrongDirections([{ from, to }])).toEqual([`${from} -> ${to}`]);
  });

  it.each([
    ['lambda/getStatus.ts', 'lib/contract/function-environment'],
    ['lib/constructs/observability.ts', 'lib/contract/metric-definitions'],
    ['local/start.ts', 'lambda/shared/delivery'],
    ['local/start.ts', 'lib/contract/api-routes'],
    ['lib/contract/api-routes.ts', 'lib/contract/requests'],
    ['lib/constructs/demo-page.ts', 'lib/demo-page/build'],
    ['local/demo-page/serve.ts', 'lib/demo-page/build'],
  ])('allows %s importing %s', (from, to) => {
    expect(wrongDirections([{ from, to }])).toEqual([]);
  });
});
