import { movieLensLike } from '../../data/shapes';
import { train } from '../../local/personalize/model';
import {
  COLLABORATIVE_SETTINGS,
  trainCollaborative,
  type CollaborativeSnapshot,
} from '../../local/personalize/model/collaborative';
import { splitForEvaluation } from '../../local/personalize/model/metrics';
import { readSampleData } from '../../local/personalize/model/sampleData';
import { Pacer } from '../../local/personalize/model/shared';
import type { Interaction, TrainingData } from '../../local/personalize/model';

const sample = readSampleData();
/** A pacer that does not wait: the tests count work and yields, not time. */
const countingPacer = (unitsPerYield = 50_000): Pacer => new Pacer(unitsPerYield, () => Promise.resolve());

describe('training does the work once, and only the work it needs', () => {
  it('trains a solution version once: the co-occurrence pass runs on the evaluation split only', async () => {
    const pacer = countingPacer();
    const { model } = await train('aws-user-personalization', sample, pacer);
    const split = await splitForEvaluation(sample);
    const once = countingPacer();
    await trainCollaborative('aws-user-personalization', split.training, once);
    expect(pacer.work.get('neighbours')).toBe(once.work.get('neighbours'));

    // What serves still knows all the data: the held-out events are in the histories and in the popularity.
    const full = await trainCollaborative('aws-user-personalization', sample, countingPacer());
    const served = model.serialize() as CollaborativeSnapshot;
    expect(served.itemIds).toEqual(full.serialize().itemIds);
    expect(served.histories).toEqual(full.serialize().histories);
    expect(served.popularity).toEqual(full.serialize().popularity);
    expect(served.repeatShare).toBe(full.serialize().repeatShare);
  });

  it('keeps each item’s best neighbours without sorting its whole list', async () => {
    const sort = jest.spyOn(Array.prototype, 'sort');
    try {
      await trainCollaborative('aws-user-personalization', sample, countingPacer());
      const sorted = sort.mock.contexts.reduce((sum: number, array) => sum + (array as unknown[]).length, 0);
      // At most the kept neighbours of each item, each user's history (by time) and the genre names.
      const items = sample.items.length;
      expect(sorted).toBeLessThanOrEqual(
        items * COLLABORATIVE_SETTINGS.neighbours + sample.interactions.length + 100,
      );
    } finally {
      sort.mockRestore();
    }
  });

  it('pairs an interaction with a bounded number of others: work grows linearly with a user’s history', async () => {
    const pairWork = async (historyLength: number): Promise<number> => {
      const interactions: Interaction[] = [];
      for (let k = 0; k < historyLength; k++)
        interactions.push({ userId: 'heavy', itemId: `i${k}`, eventType: 'watch', timestamp: 1000 + k });
      for (let u = 0; u < 20; u++)
        for (let k = 0; k < 5; k++)
          interactions.push({
            userId: `u${u}`,
            itemId: `i${(u * 7 + k) % 50}`,
            eventType: 'watch',
            timestamp: k,
          });
      const pacer = countingPacer();
      await trainCollaborative('aws-user-personalization', { interactions, items: [] }, pacer);
      return pacer.work.get('neighbours') ?? 0;
    };
    const short = await pairWork(1000);
    const long = await pairWork(4000);
    // Quadratic would be 16 times; linear in the history is about 4.
    expect(long / short).toBeLessThan(5);
    // Per interaction: its window of pairs, the neighbours it can add (as many) and a few units of bookkeeping.
    expect(long).toBeLessThanOrEqual(4000 * (4 * COLLABORATIVE_SETTINGS.pairWindow + 6) + 5 * 4000);
  });
});

describe('training keeps the server responsive', () => {
  let data: TrainingData;
  beforeAll(() => {
    data = movieLensLike({ users: 3000, items: 3000 });
  });

  it('yields to the event loop at least every unitsPerYield units of work, whatever phase it is in', async () => {
    const pacer = countingPacer(20_000);
    await train('aws-user-personalization', data, pacer);
    const total = [...pacer.work.values()].reduce((sum, units) => sum + units, 0);
    // Every phase counts its work: at least a few units per interaction in all.
    expect(total).toBeGreaterThan(5 * data.interactions.length);
    for (const phase of [
      'byUser',
      'split',
      'catalogue',
      'profiles',
      'neighbours',
      'popularity',
      'evaluation',
    ])
      expect(pacer.work.get(phase)).toBeGreaterThan(0);
    // No stretch between two yields longer than the budget plus one step (a chunk: at most 10,000 units).
    expect(pacer.longestStretch).toBeLessThanOrEqual(20_000 + 10_000);
    expect(pacer.yields).toBeGreaterThanOrEqual(Math.floor(total / 30_000));
  });

  it('lets other work run while it trains (a setImmediate callback gets turns throughout)', async () => {
    let turns = 0;
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const pacer = new Pacer(20_000);
    await train('aws-popularity-count', data, pacer);
    running = false;
    expect(pacer.yields).toBeGreaterThan(10);
    expect(turns).toBeGreaterThanOrEqual(pacer.yields - 1);
  });
});
