import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, generateSampleData } from '../../data/generate';

const dataDir = join(__dirname, '..', '..', 'data');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const small = { ...DEFAULT_OPTIONS, users: 40, items: 80 };

function readCsv(file: string): { header: string; rows: string[][] } {
  const [header = '', ...lines] = readFileSync(join(dataDir, file), 'utf8').trimEnd().split('\n');
  return { header, rows: lines.map((line) => line.split(',')) };
}

describe('the sample data generator', () => {
  it('is deterministic: the same seed gives byte-identical output', () => {
    const first = generateSampleData(small);
    const second = generateSampleData(small);
    expect(sha256(second.interactionsCsv + second.itemsCsv)).toBe(
      sha256(first.interactionsCsv + first.itemsCsv),
    );
    const other = generateSampleData({ ...small, seed: small.seed + 1 });
    expect(other.interactionsCsv).not.toBe(first.interactionsCsv);
  });

  it('made the committed data/interactions.csv and data/items.csv', () => {
    const generated = generateSampleData();
    expect(sha256(readFileSync(join(dataDir, 'interactions.csv'), 'utf8'))).toBe(
      sha256(generated.interactionsCsv),
    );
    expect(sha256(readFileSync(join(dataDir, 'items.csv'), 'utf8'))).toBe(sha256(generated.itemsCsv));
    expect(sha256(readFileSync(join(dataDir, 'titles.csv'), 'utf8'))).toBe(sha256(generated.titlesCsv));
  });

  it('gives every item a readable title, distinct but within a series, which shares its first title', () => {
    const { titlesCsv, itemsCsv } = generateSampleData();
    const titles = titlesCsv
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    expect(titles.map(([id]) => id)).toEqual(
      itemsCsv
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[0]),
    );
    for (const [, title = ''] of titles) expect(title).toMatch(/^[A-Z][\p{L}' -]+( \d)?$/u);
    const names = titles.map(([, title]) => title);
    expect(new Set(names).size).toBe(names.length);
    // A sequel is named after the first title of its series.
    const sequels = names.filter((name) => / [2-5]$/.test(name ?? ''));
    expect(sequels.length).toBeGreaterThan(50);
    for (const sequel of sequels) expect(names).toContain(sequel!.replace(/ [2-5]$/, ''));
  });
});

describe('the committed sample data', () => {
  const interactions = readCsv('interactions.csv');
  const items = readCsv('items.csv');

  it('has the seed’s interactions format: watch and click events with epoch-second timestamps over about a year', () => {
    expect(interactions.header).toBe('USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP');
    expect(new Set(interactions.rows.map((row) => row[2]))).toEqual(new Set(['watch', 'click']));
    const timestamps = interactions.rows.map((row) => Number(row[3]));
    expect(timestamps.every((t) => Number.isInteger(t) && t > 1.6e9 && t < 2e9)).toBe(true);
    expect((Math.max(...timestamps) - Math.min(...timestamps)) / 86_400).toBeGreaterThan(300);
  });

  it('has the seed’s items format: pipe-separated genres (1 to 3) and a year', () => {
    expect(items.header).toBe('ITEM_ID,GENRE,YEAR');
    for (const [, genre = '', year = ''] of items.rows) {
      expect(genre.split('|').length).toBeGreaterThanOrEqual(1);
      expect(genre.split('|').length).toBeLessThanOrEqual(3);
      expect(year).toMatch(/^\d{4}$/);
    }
  });

  it('is large enough: at least 500 users (user 429 among them), 1,000 items and 50,000 interactions', () => {
    const users = new Set(interactions.rows.map((row) => row[0]));
    expect(users.size).toBeGreaterThanOrEqual(500);
    expect(users.has('429')).toBe(true);
    expect([...users].every((id) => /^\d+$/.test(id ?? ''))).toBe(true);
    expect(items.rows.length).toBeGreaterThanOrEqual(1000);
    expect(interactions.rows.length).toBeGreaterThanOrEqual(50_000);
    const known = new Set(items.rows.map((row) => row[0]));
    expect(interactions.rows.every((row) => known.has(row[1]))).toBe(true);
  });

  it('has skewed popularity: the top 10% of items draw far more than 10% of the events', () => {
    const counts = new Map<string, number>();
    for (const [, itemId = ''] of interactions.rows) counts.set(itemId, (counts.get(itemId) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    const top = sorted.slice(0, Math.ceil(items.rows.length / 10)).reduce((sum, c) => sum + c, 0);
    expect(top / interactions.rows.length).toBeGreaterThan(0.25);
  });
});
