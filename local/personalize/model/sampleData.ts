import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../csv';
import type { Interaction, Item, TrainingData } from './types';

/**
 * Reads data/interactions.csv and data/items.csv (columns by position, after the header line) into
 * TrainingData, for the metrics script and the model tests. The emulator's import also checks a schema.
 */
export function readSampleData(directory = join(__dirname, '..', '..', '..', 'data')): TrainingData {
  const rows = (file: string): (readonly string[])[] =>
    readCsv(readFileSync(join(directory, file), 'utf8'))
      .slice(1)
      .map((record) => record.fields);
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
