/**
 * What the demo page is made of, built from the project's own files: the page's script bundled by esbuild,
 * the items catalogue (data/items.csv) and the known users (data/interactions.csv) as JSON. Local mode serves
 * these (local/demo-page/serve.ts); the stack deploys the same files when the demo page is on (lib/constructs/demo-page.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { buildSync } from 'esbuild';

export const DEMO_PAGE_DIR = __dirname;
const PROJECT_ROOT = resolve(__dirname, '..', '..');
const DEFAULT_ITEMS_CSV = join(PROJECT_ROOT, 'data', 'items.csv');
const DEFAULT_INTERACTIONS_CSV = join(PROJECT_ROOT, 'data', 'interactions.csv');
/** The sample items' titles (data/generate.ts): for people only, so not a column of the items schema. */
const DEFAULT_TITLES_CSV = join(PROJECT_ROOT, 'data', 'titles.csv');

/** One item of the catalogue, as the page shows it. */
interface CatalogueItem {
  readonly title?: string;
  readonly genres: string[];
  readonly year?: number;
}

/** `catalogue.json`: the items by id, and the ids of users the interactions data knows. */
export interface Catalogue {
  readonly items: Record<string, CatalogueItem>;
  readonly users: string[];
}

/** The page's config (`demo-config.json`): the stack's non-secret outputs. Never the API key. */
export interface DemoConfig {
  readonly ApiUrl?: string;
  readonly CampaignArn?: string;
  readonly TrackingId?: string;
  readonly DatasetGroupArn?: string;
  /** Local mode only: the path of its "provision now" (what `npm start -- --provision` runs). */
  readonly ProvisionPath?: string;
}

/** The page's script: app.ts and its modules in one browser bundle. */
export function bundleApp(): string {
  const result = buildSync({
    entryPoints: [join(DEMO_PAGE_DIR, 'app.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    minify: false,
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no bundle for the demo page');
  return file.text;
}

/**
 * The fields of each line of a small CSV text, as csv-parse reads RFC 4180 (a quoted field may hold commas,
 * `""` and line breaks; a byte-order mark is dropped; `\n` or `\r\n`), blank lines skipped. Local mode's
 * reader (local/personalize/csv.ts) reads the same files with the same options and numbers their lines for
 * its error messages; the page, which the stack deploys too, needs the fields only.
 */
function csvLines(text: string): string[][] {
  const lines: string[][] = parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
  });
  return lines.filter((fields) => !(fields.length === 1 && (fields[0] ?? '').trim() === ''));
}

/** The rows of a CSV with a header line, as records keyed by the upper-cased column name. */
function csvRecords(text: string): Array<Record<string, string>> {
  const [header = [], ...rows] = csvLines(text);
  const names = header.map((name) => name.trim().toUpperCase());
  return rows.map((fields) =>
    Object.fromEntries(names.map((name, index) => [name, (fields[index] ?? '').trim()])),
  );
}

/**
 * The catalogue from the items CSV (ITEM_ID, GENRE as `A|B`, YEAR), the interactions CSV (USER_ID) and, when
 * there is one, the titles CSV (ITEM_ID, TITLE).
 */
export function buildCatalogue(itemsCsv: string, interactionsCsv: string, titlesCsv = ''): Catalogue {
  const titles = new Map(csvRecords(titlesCsv).map((record) => [record.ITEM_ID, record.TITLE]));
  const records = csvRecords(itemsCsv);
  if (records.length > 0 && !('ITEM_ID' in (records[0] as object))) {
    throw new Error('The items CSV has no ITEM_ID column');
  }
  const items: Record<string, CatalogueItem> = {};
  for (const record of records) {
    const id = record.ITEM_ID;
    if (!id) continue;
    const year = Number(record.YEAR);
    const title = titles.get(id);
    items[id] = {
      ...(title ? { title } : {}),
      genres: (record.GENRE ?? record.GENRES ?? '').split('|').filter((genre) => genre !== ''),
      ...(record.YEAR && Number.isInteger(year) ? { year } : {}),
    };
  }
  const users = new Set<string>();
  for (const fields of csvLines(interactionsCsv).slice(1)) {
    const user = fields[0]?.trim();
    if (user) users.add(user);
  }
  return { items, users: [...users].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) };
}

/** The catalogue from CSV files. */
export function readCatalogue(
  itemsFile = DEFAULT_ITEMS_CSV,
  interactionsFile = DEFAULT_INTERACTIONS_CSV,
  titlesFile = DEFAULT_TITLES_CSV,
): Catalogue {
  return buildCatalogue(
    readFileSync(itemsFile, 'utf8'),
    readFileSync(interactionsFile, 'utf8'),
    existsSync(titlesFile) ? readFileSync(titlesFile, 'utf8') : '',
  );
}
