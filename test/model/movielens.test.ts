/**
 * The MovieLens 100K converter (data/movielens.ts) on a tiny fixture in MovieLens's own layout (u.data
 * tab-separated, u.item pipe-separated and Latin-1): what it writes is what the stack's schemas import.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { convertMovieLens, MovieLensFormatError } from '../../data/movielens';
import { INTERACTIONS_SCHEMA, ITEMS_SCHEMA } from '../../lib/contract/personalize-schemas';
import { parseAvroSchema } from '../../local/personalize/avro';
import { readDatasetCsv } from '../../local/personalize/csv-import';

const ROOT = resolve(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'ml-tiny');
const read = (name: string, encoding: BufferEncoding) => readFileSync(join(FIXTURE, name), encoding);

describe('the MovieLens converter', () => {
  it('keeps ratings of 4 and 5 as watch events sorted by time, and flags as pipe-joined genres', () => {
    const converted = convertMovieLens(read('u.data', 'utf8'), read('u.item', 'latin1'));
    expect(converted.interactionsCsv).toBe(
      [
        'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP',
        '2,1,watch,881250000',
        '1,2,watch,881250949',
        '2,3,watch,881251000',
        '',
      ].join('\n'),
    );
    expect(converted.itemsCsv).toBe(
      [
        'ITEM_ID,GENRE,YEAR',
        "1,Animation|Children's|Comedy,1995",
        '2,Drama|Musical|War,1995',
        '3,,unknown',
        '',
      ].join('\n'),
    );
    expect(converted).toMatchObject({ ratings: 5, interactions: 3, items: 3 });
  });

  it('keeps every rating with minRating 1', () => {
    const converted = convertMovieLens(read('u.data', 'utf8'), read('u.item', 'latin1'), { minRating: 1 });
    expect(converted.interactions).toBe(5);
  });

  it("writes files the emulator's import accepts under the stack's schemas", async () => {
    const converted = convertMovieLens(read('u.data', 'utf8'), read('u.item', 'latin1'), { minRating: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'movielens-'));
    try {
      writeFileSync(join(dir, 'interactions.csv'), converted.interactionsCsv);
      writeFileSync(join(dir, 'items.csv'), converted.itemsCsv);
      const interactions = await readDatasetCsv(
        [{ uri: 's3://b/interactions.csv', path: join(dir, 'interactions.csv') }],
        'Interactions',
        parseAvroSchema(JSON.stringify(INTERACTIONS_SCHEMA)),
      );
      const items = await readDatasetCsv(
        [{ uri: 's3://b/items.csv', path: join(dir, 'items.csv') }],
        'Items',
        parseAvroSchema(JSON.stringify(ITEMS_SCHEMA)),
      );
      expect(interactions.interactions).toHaveLength(5);
      expect(items.items.map((item) => [item.itemId, item.genres])).toEqual([
        ['1', ['Animation', "Children's", 'Comedy']],
        ['2', ['Drama', 'Musical', 'War']],
        ['3', []],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file and line of a malformed line', () => {
    expect(() => convertMovieLens('1\t2\tfive\n', '')).toThrow(MovieLensFormatError);
    expect(() => convertMovieLens('1\t2\t4\t100\n1 2 4 100\n', '')).toThrow(/^u\.data line 2: expected/);
    expect(() => convertMovieLens('', '1|Title|01-Jan-1995||url|0|1\n')).toThrow(/^u\.item line 1: expected/);
  });

  it('runs as npm run movielens: reads the directory and writes both CSVs', () => {
    const out = mkdtempSync(join(tmpdir(), 'movielens-out-'));
    try {
      const printed = execFileSync(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'data', 'movielens.ts'), FIXTURE, '--out', out],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(printed).toContain(`3 of 5 ratings (at least 4) and 3 items written to ${out}`);
      expect(printed).toContain(`--interactionDataLocation ${join(out, 'interactions.csv')}`);
      expect(readFileSync(join(out, 'items.csv'), 'utf8')).toContain('2,Drama|Musical|War,1995');
      expect(readFileSync(join(out, 'interactions.csv'), 'utf8').split('\n')[0]).toBe(
        'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP',
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
