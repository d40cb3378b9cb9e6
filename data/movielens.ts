/**
 * Brings the MovieLens 100K dataset (https://grouplens.org/datasets/movielens/100k/, which you download
 * yourself: its licence does not let this repository ship it) into the shape of this project's CSVs, so
 * `npm start -- --interactionDataLocation ... --itemDataLocation ...` imports it under the stack's schemas.
 *
 *   npm run movielens -- path/to/ml-100k [--out movielens-csv] [--min-rating 4]
 *
 * - `u.data` (tab-separated: user id, item id, rating, unix seconds) becomes interactions.csv
 *   (USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP): each rating of at least `--min-rating` is a `watch` event, sorted
 *   by time. A low rating says the user did not like the film, so by default it is left out rather than
 *   taught to the model as an interaction to repeat.
 * - `u.item` (pipe-separated: id, title, release date, video release date, IMDb URL, then 19 genre flags,
 *   Latin-1 encoded) becomes items.csv (ITEM_ID,GENRE,YEAR): the genres flagged 1, pipe-joined as the sample's
 *   are; YEAR from the release date (`unknown` when there is none: the schema's YEAR is a required string).
 *
 * `readConvertedDataset` reads such a directory back for `npx tsx scripts/metrics.ts --recipes --data <directory>`.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INTERACTIONS_SCHEMA, ITEMS_SCHEMA } from '../lib/contract/personalize-schemas';
import { parseAvroSchema } from '../local/personalize/avro';
import { ImportFailure, readDatasetCsv } from '../local/personalize/csv-import';
import type { TrainingData } from '../local/personalize/model/types';

/** u.item's genre flags, in the order of u.genre. The first, "unknown", is no genre. */
const MOVIELENS_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;

export interface ConvertOptions {
  /** Ratings below it are left out. @default 4 */
  readonly minRating?: number;
}

export interface ConvertedDataset {
  readonly interactionsCsv: string;
  readonly itemsCsv: string;
  /** Ratings read, and how many became events. */
  readonly ratings: number;
  readonly interactions: number;
  readonly items: number;
}

/** A malformed line of a MovieLens file, named with its file and line number. */
export class MovieLensFormatError extends Error {}

function lines(text: string): Array<{ line: string; number: number }> {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '');
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function interactionsOf(uData: string, minRating: number): { rows: string[][]; ratings: number } {
  const kept: Array<{ user: string; item: string; timestamp: number }> = [];
  const all = lines(uData);
  for (const { line, number } of all) {
    const [user, item, rating, timestamp] = line.split('\t').map((field) => field.trim());
    if (!user || !item || !rating || !timestamp || !/^\d+$/.test(timestamp) || Number.isNaN(Number(rating))) {
      throw new MovieLensFormatError(
        `u.data line ${number}: expected "user id<TAB>item id<TAB>rating<TAB>unix seconds", got "${line}"`,
      );
    }
    if (Number(rating) >= minRating) kept.push({ user, item, timestamp: Number(timestamp) });
  }
  kept.sort((a, b) => a.timestamp - b.timestamp || Number(a.user) - Number(b.user));
  return {
    rows: kept.map(({ user, item, timestamp }) => [user, item, 'watch', String(timestamp)]),
    ratings: all.length,
  };
}

function itemsOf(uItem: string): string[][] {
  return lines(uItem).map(({ line, number }) => {
    const fields = line.split('|');
    const flags = fields.slice(5);
    if (
      !fields[0] ||
      flags.length !== MOVIELENS_GENRES.length ||
      flags.some((flag) => !/^[01]$/.test(flag))
    ) {
      throw new MovieLensFormatError(
        `u.item line ${number}: expected "id|title|release date|video release date|IMDb URL" and ${MOVIELENS_GENRES.length} genre flags (0 or 1), got "${line}"`,
      );
    }
    const genres = MOVIELENS_GENRES.filter((_, index) => index > 0 && flags[index] === '1');
    const year = /(\d{4})\s*$/.exec(fields[2] ?? '')?.[1] ?? 'unknown';
    return [fields[0], genres.join('|'), year];
  });
}

/** The two CSVs, in the header order of the stack's schemas (lib/contract/personalize-schemas.ts). */
export function convertMovieLens(
  uData: string,
  uItem: string,
  options: ConvertOptions = {},
): ConvertedDataset {
  const { rows, ratings } = interactionsOf(uData, options.minRating ?? 4);
  const items = itemsOf(uItem);
  const csv = (header: string, records: string[][]) =>
    [header, ...records.map((record) => record.map(csvField).join(','))].join('\n') + '\n';
  return {
    interactionsCsv: csv('USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP', rows),
    itemsCsv: csv('ITEM_ID,GENRE,YEAR', items),
    ratings,
    interactions: rows.length,
    items: items.length,
  };
}

/** A converted directory that cannot be read back: what is missing or malformed, naming the file (and column). */
export class ConvertedDatasetError extends Error {}

/** The files the converter writes, and readConvertedDataset reads. */
export const CONVERTED_FILES = { interactions: 'interactions.csv', items: 'items.csv' } as const;

function existing(path: string, what: string): void {
  let isFile: boolean;
  try {
    isFile = what === 'directory' ? statSync(path).isDirectory() : statSync(path).isFile();
  } catch {
    throw new ConvertedDatasetError(
      `${path}: no such ${what} (npm run movielens -- <ml-100k directory> --out <directory> writes ${CONVERTED_FILES.interactions} and ${CONVERTED_FILES.items})`,
    );
  }
  if (!isFile) throw new ConvertedDatasetError(`${path}: not a ${what}`);
}

/**
 * Reads back a directory the converter wrote (or any interactions.csv and items.csv of the stack's columns), as
 * the emulator's dataset import reads them: each header and value checked against the stack's schemas, a bad
 * one named by file, line and column. For scripts/metrics.ts --recipes --data.
 */
export async function readConvertedDataset(directory: string): Promise<TrainingData> {
  existing(directory, 'directory');
  const interactionsPath = join(directory, CONVERTED_FILES.interactions);
  const itemsPath = join(directory, CONVERTED_FILES.items);
  existing(interactionsPath, 'file');
  existing(itemsPath, 'file');
  try {
    const { interactions } = await readDatasetCsv(
      [{ uri: interactionsPath, path: interactionsPath }],
      'Interactions',
      parseAvroSchema(JSON.stringify(INTERACTIONS_SCHEMA)),
    );
    const { items } = await readDatasetCsv(
      [{ uri: itemsPath, path: itemsPath }],
      'Items',
      parseAvroSchema(JSON.stringify(ITEMS_SCHEMA)),
    );
    if (interactions.length === 0)
      throw new ConvertedDatasetError(`${interactionsPath}: no interactions after the header line`);
    if (items.length === 0) throw new ConvertedDatasetError(`${itemsPath}: no items after the header line`);
    return { interactions, items };
  } catch (error) {
    // The import's reasons already name the file, line and column ("Invalid value at <file> line 3, column
    // TIMESTAMP: ..."): kept as they are, as this module's error.
    if (error instanceof ImportFailure) throw new ConvertedDatasetError(error.message);
    throw error;
  }
}

const USAGE = `Usage: npm run movielens -- <ml-100k directory> [--out <directory>] [--min-rating <1-5>]

Reads u.data and u.item from the MovieLens 100K directory and writes interactions.csv and items.csv
(default directory: movielens-csv), ratings of at least --min-rating (default 4) as watch events.`;

function main(argv: readonly string[]): void {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { out: { type: 'string' }, 'min-rating': { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  const source = positionals[0];
  if (values.help || !source || positionals.length > 1) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const minRating = Number(values['min-rating'] ?? '4');
  if (!Number.isFinite(minRating))
    throw new Error(`--min-rating must be a number, got ${values['min-rating']}`);
  const out = resolve(values.out ?? 'movielens-csv');
  const converted = convertMovieLens(
    readFileSync(join(source, 'u.data'), 'utf8'),
    // u.item is Latin-1 ("Misérables"): read as such, every byte stays one character.
    readFileSync(join(source, 'u.item'), 'latin1'),
    { minRating },
  );
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'interactions.csv'), converted.interactionsCsv);
  writeFileSync(join(out, 'items.csv'), converted.itemsCsv);
  console.log(
    `${converted.interactions} of ${converted.ratings} ratings (at least ${minRating}) and ${converted.items} items written to ${out}\n` +
      `Start local mode on them (--reset: the imports of a kept state are not redone):\n` +
      `  npm start -- --reset --interactionDataLocation ${join(out, 'interactions.csv')} --itemDataLocation ${join(out, 'items.csv')}`,
  );
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
