import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Interaction, Item, TrainingData } from './types';

/**
 * Reads data/interactions.csv and data/items.csv (the seed's simple CSV: no quoted fields) into TrainingData,
 * for the metrics script and the model tests. The emulator has its own importer with schema validation.
 */
export function readSampleData(directory = join(__dirname, '..', '..', '..', 'data')): TrainingData {
  const rows = (file: string): string[][] =>
    readFileSync(join(directory, file), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
  const interactions: Interaction[] = rows('interactions.csv').map(
    ([userId = '', itemId = '', eventType = '', timestamp = '0']) => ({
      userId,
      itemId,
      eventType,
      timestamp: Number(timestamp),
    }),
  );
  const items: Item[] = rows('items.csv').map(([itemId = '', genre = '', year]) => ({
    itemId,
    genres: genre === '' ? [] : genre.split('|'),
    ...(year ? { year } : {}),
  }));
  return { interactions, items };
}
