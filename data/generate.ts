/**
 * Generates the sample movie dataset in the seed's format (data/interactions.csv, data/items.csv).
 * Reproducible byte for byte: every random choice comes from one seeded PRNG. `npm run generate-data`.
 *
 * The world it simulates: items with 1-3 genres, a skewed (power-law) appeal and a release time; some items form
 * series watched in order. Users have tastes that are mixtures over a few genres and watch in sessions: a
 * session sticks to one genre of the user's taste and often binges the next item of a series. An item's draw is
 * its appeal times its freshness, so new releases rise and old items fade across the year.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../local/personalize/csv';
import { seededRandom } from './random';

export interface GeneratorOptions {
  readonly seed: number;
  readonly users: number;
  readonly items: number;
  /** First second of the simulated year. */
  readonly start: number;
  readonly days: number;
}

export const DEFAULT_OPTIONS: GeneratorOptions = {
  seed: 20240101,
  users: 600,
  items: 1200,
  start: 1704067200, // 2024-01-01T00:00:00Z
  days: 365,
};

/** A user whose taste is pinned, so that walkthroughs can show recognisable recommendations. */
const SHOWCASE_USER = { userId: '429', taste: { Comedy: 0.7, Romance: 0.3 } } as const;

const GENRE_WEIGHTS: Readonly<Record<string, number>> = {
  Drama: 10,
  Comedy: 9,
  Action: 7,
  Thriller: 6,
  Romance: 5,
  Adventure: 4,
  Crime: 4,
  'Sci-Fi': 3,
  Horror: 3,
  Fantasy: 2,
  Children: 2,
  Animation: 2,
  Mystery: 2,
  Documentary: 1.5,
  War: 1,
  Musical: 1,
  Western: 0.7,
  'Film-Noir': 0.5,
};
const GENRES = Object.keys(GENRE_WEIGHTS);
const DAY = 86_400;

interface SimItem {
  readonly id: string;
  readonly genres: string[];
  readonly appeal: number;
  readonly release: number;
  readonly year: string;
  /** The next item of the series, when the item belongs to one. */
  next?: SimItem;
  /** Its place in its series (0: the first or only title), and the series' first title. */
  readonly part: number;
  readonly first?: SimItem;
}

export interface GeneratedData {
  readonly interactionsCsv: string;
  readonly itemsCsv: string;
  /** `ITEM_ID,TITLE`: what the demo page shows of an item (the models never read it). */
  readonly titlesCsv: string;
}

function pickWeighted<T>(
  random: () => number,
  choices: readonly T[],
  weight: (choice: T) => number,
): T | undefined {
  let total = 0;
  for (const choice of choices) total += weight(choice);
  if (total <= 0) return undefined;
  let target = random() * total;
  for (const choice of choices) {
    target -= weight(choice);
    if (target < 0) return choice;
  }
  return choices[choices.length - 1];
}

/** A genre by its share of the catalogue, leaving out those `taken` says are taken already. */
function pickGenre(
  random: () => number,
  taken: (genre: string) => boolean = () => false,
): string | undefined {
  return pickWeighted(random, GENRES, (g) => (taken(g) ? 0 : (GENRE_WEIGHTS[g] ?? 0)));
}

/** 1, 2 or 3: 1 with chance `one`, else 2 with chance `two`. */
function oneToThree(random: () => number, one: number, two: number): number {
  return random() < one ? 1 : random() < two ? 2 : 3;
}

/** CSV text: the header line, one line per row, a line break after each. */
function csvText(header: string, rows: readonly string[]): string {
  return [header, ...rows].join('\n') + '\n';
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function generateSampleData(options: GeneratorOptions = DEFAULT_OPTIONS): GeneratedData {
  const random = seededRandom(options.seed);
  const end = options.start + options.days * DAY;
  const items = generateItems(random, options);
  const byGenre = new Map<string, SimItem[]>(GENRES.map((genre) => [genre, []]));
  for (const item of items) for (const genre of item.genres) byGenre.get(genre)?.push(item);

  // New releases draw up to ~7x their long-run level, fading over about two months.
  const freshness = (item: SimItem, at: number): number => {
    if (item.release > at) return 0;
    return 0.15 + 0.85 * Math.exp(-(at - item.release) / (60 * DAY));
  };

  const rows: string[] = [];
  const rowTimes: number[] = [];
  for (let u = 1; u <= options.users; u++) {
    const userId = String(u);
    const taste = userId === SHOWCASE_USER.userId ? { ...SHOWCASE_USER.taste } : generateTaste(random);
    const tasteGenres = Object.keys(taste);
    const tasteGenre = () => pickWeighted(random, tasteGenres, (g) => taste[g] ?? 0);
    const joined = options.start + random() * 0.7 * (end - options.start);
    const sessions = Math.min(80, Math.max(2, Math.round(Math.exp(2.75 + 0.7 * gaussian(random)))));
    const sessionTimes = Array.from({ length: sessions }, () => joined + random() * (end - joined)).sort(
      (a, b) => a - b,
    );
    const seen = new Set<SimItem>();
    const emit = (item: SimItem, eventType: string, at: number): void => {
      const timestamp = Math.floor(Math.min(at, end - 1));
      rows.push(`${userId},${item.id},${eventType},${timestamp}`);
      rowTimes.push(timestamp);
    };
    for (const sessionStart of sessionTimes) {
      let at = sessionStart;
      // One genre per session, mostly from the user's taste, sometimes exploring.
      const genre = (random() < 0.1 ? pickGenre(random) : tasteGenre()) ?? 'Drama';
      const draw = (candidates: readonly SimItem[]): SimItem | undefined =>
        pickWeighted(
          random,
          candidates,
          (item) => item.appeal * freshness(item, at) * (seen.has(item) ? 0.03 : 1),
        );
      const drawOf = (g: string) => draw(byGenre.get(g) ?? []);
      if (random() < 0.15) {
        // A glance at something trending, whatever its genre.
        const trending = draw(items);
        if (trending) emit(trending, 'click', at - 600);
      }
      let current = drawOf(genre);
      const length = 1 + Math.floor(-Math.log(1 - random()) * 2.8);
      for (let k = 0; k < length && current; k++) {
        seen.add(current);
        emit(current, 'click', at);
        const watched = random() < 0.75;
        if (watched) emit(current, 'watch', at + 30 + random() * 90);
        at += watched ? 5400 + random() * 3600 : 120 + random() * 600;
        const sequel = current.next;
        if (sequel && !seen.has(sequel) && sequel.release <= at && random() < 0.7) current = sequel;
        else if (random() < 0.75) current = drawOf(genre);
        else current = drawOf(tasteGenre() ?? genre);
      }
    }
  }

  const order = rowTimes.map((_, i) => i).sort((a, b) => (rowTimes[a] ?? 0) - (rowTimes[b] ?? 0) || a - b);
  const interactionsCsv = csvText(
    'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP',
    order.map((i) => rows[i] ?? ''),
  );
  const itemsCsv = csvText(
    'ITEM_ID,GENRE,YEAR',
    items.map((item) => `${item.id},${item.genres.join('|')},${item.year}`),
  );
  return { interactionsCsv, itemsCsv, titlesCsv: generateTitles(items, options.seed) };
}

/** Words of the titles: a noun pool per genre, shared adjectives and places. */
const TITLE_NOUNS: Readonly<Record<string, readonly string[]>> = {
  Drama: ['Letters', 'Harvest', 'Promise', 'Daughter', 'Winter', 'Silence', 'Inheritance', 'Bridge'],
  Comedy: ['Wedding', 'Neighbours', 'Holiday', 'Mix-Up', 'Roommates', 'Road Trip', 'Reunion', 'Party'],
  Action: ['Strike', 'Pursuit', 'Vendetta', 'Getaway', 'Crossfire', 'Protocol', 'Breakout', 'Convoy'],
  Thriller: ['Witness', 'Stranger', 'Alibi', 'Signal', 'Deadline', 'Trap', 'Confession', 'Hostage'],
  Romance: ['Summer', 'Heart', 'Kiss', 'Serenade', 'Letters', 'Dance', 'Postcard', 'Promise'],
  Adventure: ['Expedition', 'Treasure', 'Voyage', 'Island', 'Map', 'Compass', 'Quest', 'Frontier'],
  Crime: ['Heist', 'Syndicate', 'Ledger', 'Informant', 'Racket', 'Verdict', 'Getaway', 'Precinct'],
  'Sci-Fi': ['Orbit', 'Signal', 'Colony', 'Machine', 'Horizon', 'Android', 'Eclipse', 'Nebula'],
  Horror: ['Cellar', 'Curse', 'Hollow', 'Visitor', 'Séance', 'Attic', 'Whisper', 'Harvest'],
  Fantasy: ['Crown', 'Dragon', 'Kingdom', 'Spell', 'Sword', 'Oracle', 'Throne', 'Forest'],
  Children: ['Puppy', 'Treehouse', 'Balloon', 'Robot', 'Dragon', 'Picnic', 'Kite', 'Circus'],
  Animation: ['Robot', 'Kingdom', 'Voyage', 'Lantern', 'Critters', 'Paintbox', 'Moon', 'Island'],
  Mystery: ['Key', 'Manor', 'Locket', 'Riddle', 'Portrait', 'Cipher', 'Lighthouse', 'Clue'],
  Documentary: ['Coast', 'Climb', 'Orchestra', 'Kitchen', 'River', 'Archive', 'Factory', 'Reef'],
  War: ['Front', 'Bridge', 'Battalion', 'Winter', 'Trenches', 'Ceasefire', 'Convoy', 'Outpost'],
  Musical: ['Song', 'Stage', 'Melody', 'Chorus', 'Ballroom', 'Encore', 'Serenade', 'Rhythm'],
  Western: ['Outlaw', 'Canyon', 'Frontier', 'Sheriff', 'Stagecoach', 'Ranch', 'Gold', 'Trail'],
  'Film-Noir': ['Shadow', 'Alibi', 'Dame', 'Rain', 'Nightfall', 'Double Cross', 'Motive', 'Smoke'],
};
const TITLE_ADJECTIVES = [
  'Midnight',
  'Silent',
  'Last',
  'Golden',
  'Crimson',
  'Hidden',
  'Distant',
  'Broken',
  'Secret',
  'Wild',
  'Electric',
  'Lonely',
  'Burning',
  'Frozen',
  'Little',
  'Long',
  'Lost',
  'Northern',
  'Quiet',
  'Final',
];
const TITLE_PLACES = [
  'Harbor Street',
  'Paris',
  'the Valley',
  'Cedar Falls',
  'the Old Town',
  'Marrakesh',
  'Station Nine',
  'the Coast',
  'Blue Ridge',
  'the North',
  'Lisbon',
  'the Desert',
  'Elm Park',
  'the Moon',
  'Havana',
];

/**
 * A readable title per item, drawn from its own seeded stream (the seed's, shifted), so adding titles left
 * the interactions and items byte for byte as they were. The titles of a series share the first one's name
 * with its number ("Golden Harvest 2"); the first genre picks the nouns.
 */
function generateTitles(items: readonly SimItem[], seed: number): string {
  const random = seededRandom((seed ^ 0x7469746c) >>> 0);
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)] as T;
  const taken = new Set<string>();
  const titles = new Map<SimItem, string>();
  const draw = (item: SimItem): string => {
    const nouns = TITLE_NOUNS[item.genres[0] ?? 'Drama'] ?? TITLE_NOUNS.Drama ?? ['Story'];
    const shapes = [
      () => `The ${pick(TITLE_ADJECTIVES)} ${pick(nouns)}`,
      () => `${pick(TITLE_ADJECTIVES)} ${pick(nouns)}`,
      () => `A ${pick(nouns)} in ${pick(TITLE_PLACES)}`,
      () => `The ${pick(nouns)} of ${pick(TITLE_PLACES)}`,
    ];
    for (let attempt = 0; attempt < 20; attempt++) {
      const title = pick(shapes)();
      if (!taken.has(title)) return title;
    }
    return `${pick(shapes)()} (${item.id})`;
  };
  for (const item of items) {
    const title = item.first ? `${titles.get(item.first) ?? draw(item.first)} ${item.part + 1}` : draw(item);
    taken.add(title);
    titles.set(item, title);
  }
  const field = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return csvText(
    'ITEM_ID,TITLE',
    items.map((item) => `${item.id},${field(titles.get(item) ?? '')}`),
  );
}

function generateTaste(random: () => number): Record<string, number> {
  const count = oneToThree(random, 0.3, 0.65);
  const taste: Record<string, number> = {};
  while (Object.keys(taste).length < count) {
    const genre = pickGenre(random, (g) => g in taste);
    if (genre) taste[genre] = -Math.log(1 - random()) + 0.2;
  }
  return taste;
}

function generateItems(random: () => number, options: GeneratorOptions): SimItem[] {
  const items: SimItem[] = [];
  const windowYear = new Date(options.start * 1000).getUTCFullYear();
  while (items.length < options.items) {
    const count = oneToThree(random, 0.4, 0.67);
    const genres: string[] = [];
    while (genres.length < count) {
      const genre = pickGenre(random, (g) => genres.includes(g));
      if (genre) genres.push(genre);
    }
    const isNewRelease = random() < 0.35;
    const firstRelease = isNewRelease
      ? options.start + random() * (options.days - 30) * DAY
      : options.start - (30 + random() * 3000) * DAY;
    const year = isNewRelease ? windowYear : windowYear - 1 - Math.floor(Math.pow(random(), 2) * 60);
    // A quarter of the titles come as series of 2-5, sharing genres and released in order.
    const seriesLength = random() < 0.25 ? 2 + Math.floor(random() * 4) : 1;
    let previous: SimItem | undefined;
    let first: SimItem | undefined;
    for (let part = 0; part < seriesLength && items.length < options.items; part++) {
      const item: SimItem = {
        id: String(items.length + 1),
        part,
        ...(first ? { first } : {}),
        genres,
        // Pareto(alpha 1.2) appeal, capped so that one title cannot swallow the catalogue.
        appeal: Math.min(60, Math.pow(1 - random(), -1 / 1.2)) * (part === 0 ? 1 : 0.8),
        release: firstRelease + part * (isNewRelease ? 10 : 400) * DAY,
        year: String(Math.min(windowYear, year + (isNewRelease ? 0 : part))),
      };
      if (previous) previous.next = item;
      previous = item;
      first ??= item;
      items.push(item);
    }
  }
  return items;
}

export function describeSampleData(
  data: Pick<GeneratedData, 'interactionsCsv' | 'itemsCsv'>,
): Record<string, number | string> {
  const lines = readCsv(data.interactionsCsv).slice(1);
  const users = new Set<string>();
  const itemCounts = new Map<string, number>();
  const types = new Map<string, number>();
  let first = Infinity;
  let last = -Infinity;
  for (const { fields } of lines) {
    const [user = '', item = '', type = '', ts = '0'] = fields;
    users.add(user);
    itemCounts.set(item, (itemCounts.get(item) ?? 0) + 1);
    types.set(type, (types.get(type) ?? 0) + 1);
    first = Math.min(first, Number(ts));
    last = Math.max(last, Number(ts));
  }
  const counts = [...itemCounts.values()].sort((a, b) => b - a);
  const top = counts.slice(0, Math.ceil(counts.length / 10)).reduce((s, c) => s + c, 0);
  return {
    interactions: lines.length,
    users: users.size,
    items: readCsv(data.itemsCsv).length - 1,
    itemsWithInteractions: itemCounts.size,
    watch: types.get('watch') ?? 0,
    click: types.get('click') ?? 0,
    topTenPercentItemsShare: Number((top / lines.length).toFixed(3)),
    first: new Date(first * 1000).toISOString(),
    last: new Date(last * 1000).toISOString(),
  };
}

if (require.main === module) {
  const data = generateSampleData();
  writeFileSync(join(__dirname, 'interactions.csv'), data.interactionsCsv);
  writeFileSync(join(__dirname, 'items.csv'), data.itemsCsv);
  writeFileSync(join(__dirname, 'titles.csv'), data.titlesCsv);
  console.log(describeSampleData(data));
}
