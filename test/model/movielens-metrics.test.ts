/**
 * scripts/metrics.ts --recipes --data: the related-items and ranking table for the CSVs `npm run movielens` writes.
 * The fixtures are tiny fake ml-100k `u.data`/`u.item` files converted by data/movielens.ts, built so that the
 * co-occurrence baseline must score 0 (series watched in order: its ties go to the earliest episodes, never the
 * held-out next ones) or 1 (pairs: the held-out item is the only one co-held with the query).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConvertedDatasetError, convertMovieLens, readConvertedDataset } from '../../data/movielens';
import { movieLensLike } from '../../data/shapes';
import { trainCollaborative } from '../../local/personalize/model/collaborative';
import { rankingQuality, relatedItemsQuality } from '../../local/personalize/model/recipe-quality';
import { datasetQuality } from '../../scripts/metrics';

const ROOT = resolve(__dirname, '..', '..');
const USERS = 40;
/** The series fixture's episodes per user, and so its interactions after conversion. */
const episodesOf = (user: number): number => 12 + (user % 9);
const SERIES_EVENTS = Array.from({ length: USERS }, (_, u) => episodesOf(u + 1)).reduce((a, b) => a + b, 0);

/** A u.item line: id, title, release date, video release date, URL, then the 19 genre flags (Drama set). */
const uItemLine = (id: number): string =>
  [
    id,
    `Film ${id} (1995)`,
    '01-Jan-1995',
    '',
    'http://example.org',
    ...Array.from({ length: 19 }, (_, g) => (g === 8 ? 1 : 0)),
  ].join('|');

/**
 * Each user watches episodes 101, 102, ... of one series in order, 10 minutes apart, 12 to 20 of them. A test
 * user's query is an episode of index 11 or more and the held-out ones come after it; every holder of the query
 * had every earlier episode, so co-occurrence ranks 10 earlier episodes first (ties by id) and scores 0.
 */
function series(): { uData: string; uItem: string } {
  const lines: string[] = [];
  for (let user = 1; user <= USERS; user++) {
    for (let episode = 1; episode <= episodesOf(user); episode++)
      lines.push([user, 100 + episode, 5, 880_000_000 + user * 100_000 + episode * 600].join('\t'));
    // A rating under 4, which the converter leaves out: it must not reach the held-out part.
    lines.push([user, 199, 1, 880_000_000 + user * 100_000 + 99 * 600].join('\t'));
  }
  const items = [...Array.from({ length: 20 }, (_, e) => 101 + e), 199].map(uItemLine);
  return { uData: lines.join('\n') + '\n', uItem: items.join('\n') + '\n' };
}

/**
 * Each user watches two films, the first of a pair then its second; ten pairs, four users each. A test user's
 * query is the pair's first and the held-out item its second, the only film co-held with it: co-occurrence
 * scores 1, which no model can beat.
 */
function pairs(): { uData: string; uItem: string } {
  const lines: string[] = [];
  for (let user = 1; user <= USERS; user++) {
    const pair = user % 10;
    lines.push([user, 200 + pair, 4, 880_000_000 + user * 1000].join('\t'));
    lines.push([user, 300 + pair, 4, 880_000_000 + user * 1000 + 60].join('\t'));
  }
  const items = Array.from({ length: 10 }, (_, p) => [uItemLine(200 + p), uItemLine(300 + p)]).flat();
  return { uData: lines.join('\n') + '\n', uItem: items.join('\n') + '\n' };
}

const directories: string[] = [];
afterAll(() => directories.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The fixture converted as `npm run movielens` converts it, into a directory of its own. */
function converted(fixture: { uData: string; uItem: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'movielens-metrics-'));
  directories.push(dir);
  const { interactionsCsv, itemsCsv } = convertMovieLens(fixture.uData, fixture.uItem);
  writeFileSync(join(dir, 'interactions.csv'), interactionsCsv);
  writeFileSync(join(dir, 'items.csv'), itemsCsv);
  return dir;
}

/** A directory with the two files as given. */
function written(interactions: string, items: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'movielens-metrics-'));
  directories.push(dir);
  writeFileSync(join(dir, 'interactions.csv'), interactions);
  if (items !== undefined) writeFileSync(join(dir, 'items.csv'), items);
  return dir;
}

async function quality(dir: string): Promise<{ table: string[]; cpu: string[] }> {
  const table: string[] = [];
  const cpu: string[] = [];
  await datasetQuality(dir, { table: (line) => table.push(line), cpu: (line) => cpu.push(line) });
  return { table, cpu };
}

/** The table's data row, as cells: set, dataset, sims, similar-items, co-occurrence, popularity, ranking, order. */
function cells(table: readonly string[]): string[] {
  const rows = table.filter((line) => line.startsWith('| --data |'));
  expect(rows).toHaveLength(1);
  return (rows[0] ?? '')
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

/** The last line follows from the three verdict lines above it: the recipes without a clear lead, or none. */
function expectConclusionOfVerdicts(table: readonly string[]): void {
  const verdicts = table.filter((line) => / against (co-occurrence|popularity order) \d\.\d{3}: /.test(line));
  expect(verdicts.map((line) => line.split(' ')[0])).toEqual([
    'sims',
    'similar-items',
    'personalized-ranking',
  ]);
  const unclear = verdicts
    .filter((line) => line.includes('not a clear lead'))
    .map((line) => line.split(' ')[0]);
  expect(table[table.length - 1]).toBe(
    unclear.length === 0
      ? 'Criterion met: both related-items recipes clearly beat co-occurrence, and ranking keeps a clear lead over popularity order.'
      : `Criterion not met: no clear lead for ${unclear.join(', ')}.`,
  );
}

const ndcg = (cell: string | undefined): number => Number(/^(\d\.\d{3})/.exec(cell ?? '')?.[1]);

describe('scripts/metrics.ts --recipes --data', () => {
  it('reads the converted CSVs back as the emulator imports them: low ratings left out, genres and years kept', async () => {
    const data = await readConvertedDataset(converted(series()));
    expect(data.interactions).toHaveLength(SERIES_EVENTS);
    expect(data.interactions.some((event) => event.itemId === '199')).toBe(false);
    expect(data.items).toHaveLength(21);
    expect(data.items[0]).toMatchObject({ itemId: '101', genres: ['Drama'], year: '1995' });
  });

  it('prints the table row and the verdicts computed from the data: series, where co-occurrence scores 0', async () => {
    const dir = converted(series());
    const { table, cpu } = await quality(dir);
    expect(table[0]).toBe(
      '| Set | Dataset | sims | similar-items | co-occurrence | popularity | personalized-ranking | popularity order |',
    );
    const [set, dataset, sims, similar, coOccurrence, popularity, ranking, order] = cells(table);
    expect(set).toBe('--data');
    // A tenth of the 40 users are test users, as in the other rows' split.
    expect(dataset).toBe(`${dir}: ${SERIES_EVENTS} interactions, 4 test users`);
    expect(ndcg(coOccurrence)).toBe(0);
    expect(ndcg(sims)).toBeGreaterThan(0);
    expect(sims).toContain('above a baseline of 0');
    expect(ndcg(similar)).toBeGreaterThan(0);
    expect(ndcg(popularity)).toBeGreaterThanOrEqual(0);
    expect(ndcg(ranking)).toBeGreaterThan(0);
    expect(ndcg(order)).toBeGreaterThan(0);
    expect(table).toContainEqual(
      expect.stringMatching(/^sims \d\.\d{3} against co-occurrence 0\.000: above a baseline of 0, lead /),
    );
    expect(table).toContainEqual(
      expect.stringMatching(/^similar-items \d\.\d{3} against co-occurrence 0\.000: /),
    );
    expect(table).toContainEqual(
      expect.stringMatching(/^personalized-ranking \d\.\d{3} against popularity order \d\.\d{3}: /),
    );
    expect(cpu).toHaveLength(1);
    expect(cpu[0]?.startsWith(`${dir}: CPU per related-items request (model only) sims `)).toBe(true);
    expectConclusionOfVerdicts(table);
  });

  it('gives, for data written to CSV, the figures the held-out mode computes for the same data in memory', async () => {
    const data = movieLensLike({ seed: 11, users: 200, items: 300 });
    const field = (value: string): string => (/[",]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
    const dir = written(
      [
        'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP',
        ...data.interactions.map((e) => [e.userId, e.itemId, e.eventType, String(e.timestamp)].join(',')),
      ].join('\n') + '\n',
      [
        'ITEM_ID,GENRE,YEAR',
        ...data.items.map((i) => [i.itemId, field(i.genres.join('|')), i.year ?? 'unknown'].join(',')),
      ].join('\n') + '\n',
    );
    const sims = await relatedItemsQuality(data, (split) => trainCollaborative('aws-sims', split));
    const similar = await relatedItemsQuality(data, (split) =>
      trainCollaborative('aws-similar-items', split),
    );
    const ranking = await rankingQuality(data, (split) =>
      trainCollaborative('aws-personalized-ranking', split),
    );
    const row = cells((await quality(dir)).table);
    expect(row[1]).toBe(`${dir}: ${data.interactions.length} interactions, ${sims.users} test users`);
    expect(row.slice(2).map(ndcg)).toEqual(
      [sims.model, similar.model, sims.baseline, sims.popularity ?? NaN, ranking.model, ranking.baseline].map(
        (figure) => Number(figure.toFixed(3)),
      ),
    );
    // Not one figure repeated: the columns are the recipes' and the baselines' own.
    expect(new Set([sims.model, sims.baseline, sims.popularity, ranking.model, ranking.baseline]).size).toBe(
      5,
    );
  });

  it('says co-occurrence is not clearly beaten where it scores 1: pairs', async () => {
    const { table } = await quality(converted(pairs()));
    const [, , sims, similar, coOccurrence] = cells(table);
    expect(ndcg(coOccurrence)).toBe(1);
    expect(ndcg(sims)).toBeLessThanOrEqual(1);
    expect(ndcg(similar)).toBeLessThanOrEqual(1);
    expect(table).toContainEqual(
      expect.stringMatching(/^sims .* against co-occurrence 1\.000: .*, not a clear lead/),
    );
    expect(table).toContainEqual(
      expect.stringMatching(/^similar-items .* against co-occurrence 1\.000: .*, not a clear lead/),
    );
    expect(table[table.length - 1]).toMatch(
      /^Criterion not met: no clear lead for sims, similar-items(, |\.$)/,
    );
    expectConclusionOfVerdicts(table);
  });

  it('names the directory, the file, or the line and column it cannot read', async () => {
    const missing = join(tmpdir(), 'movielens-metrics-none', 'nowhere');
    await expect(readConvertedDataset(missing)).rejects.toThrow(
      new ConvertedDatasetError(
        `${missing}: no such directory (npm run movielens -- <ml-100k directory> --out <directory> writes interactions.csv and items.csv)`,
      ),
    );
    const noItems = written('USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n1,2,watch,100\n', undefined);
    await expect(readConvertedDataset(noItems)).rejects.toThrow(
      `${join(noItems, 'items.csv')}: no such file`,
    );
    const items = 'ITEM_ID,GENRE,YEAR\n2,Drama,1995\n';
    const badTime = written('USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n1,2,watch,100\n1,3,watch,soon\n', items);
    await expect(readConvertedDataset(badTime)).rejects.toThrow(
      `Invalid value at ${join(badTime, 'interactions.csv')} line 3, column TIMESTAMP: "soon" is not a long`,
    );
    const badHeader = written('USER,ITEM_ID,EVENT_TYPE,TIMESTAMP\n1,2,watch,100\n', items);
    await expect(readConvertedDataset(badHeader)).rejects.toThrow(
      `Invalid CSV header at ${join(badHeader, 'interactions.csv')} line 1: column USER is not a field`,
    );
    const short = written('USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n1,2,watch\n', items);
    await expect(readConvertedDataset(short)).rejects.toThrow(
      `Invalid CSV at ${join(short, 'interactions.csv')} line 2: expected 4 columns, found 3`,
    );
    const noYear = written(
      'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n1,2,watch,100\n',
      'ITEM_ID,GENRE,YEAR\n2,Drama,\n',
    );
    await expect(readConvertedDataset(noYear)).rejects.toThrow(
      `Invalid value at ${join(noYear, 'items.csv')} line 2, column YEAR: a value is required`,
    );
    const oneEach = written('USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n1,2,watch,100\n3,2,watch,100\n', items);
    await expect(quality(oneEach)).rejects.toThrow(
      `${join(oneEach, 'interactions.csv')}: no user has two interactions, so none can be held out`,
    );
  });

  it('runs from the command line, and refuses --data without --recipes in one line', () => {
    const dir = converted(pairs());
    const script = join(ROOT, 'scripts', 'metrics.ts');
    const printed = execFileSync(process.execPath, ['--import', 'tsx', script, '--recipes', '--data', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(
      printed
        .split('\n')
        .filter((line) => line.startsWith(`| --data | ${dir}: 80 interactions, 4 test users |`)),
    ).toHaveLength(1);
    let refused = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', script, '--data', dir], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    } catch (error) {
      refused = String((error as { stderr?: Buffer }).stderr);
    }
    expect(refused).toBe(
      '--data <directory> goes with --recipes alone (npx tsx scripts/metrics.ts --recipes --data movielens-csv)\n',
    );
  });
});
