/**
 * Training on a worker thread (local mode's emulator process trains there, so it answers while a version
 * trains): the model and metrics are those of training in the thread itself, and the serving thread only
 * hands the data over in small, paced chunks.
 */
import { train, type RecipeName } from '../../local/personalize/model';
import { readSampleData } from '../../local/personalize/model/sampleData';
import { Pacer } from '../../local/personalize/model/shared';
import { trainChunksInWorker, trainInWorker } from '../../local/personalize/model/worker-training';

jest.setTimeout(120_000);

const sample = readSampleData();
// A part of the sample keeps the test quick; every recipe family is covered.
const data = { interactions: sample.interactions.slice(0, 20_000), items: sample.items };

describe('training on a worker thread', () => {
  it.each<RecipeName>(['aws-user-personalization', 'aws-popularity-count', 'aws-trending-now', 'aws-sims'])(
    '%s: the same model (its stored form) and metrics as training in this thread',
    async (recipe) => {
      const [inWorker, here] = [await trainInWorker(recipe, data), await train(recipe, data)];
      expect(inWorker.metrics).toEqual(here.metrics);
      expect(JSON.stringify(inWorker.model.serialize())).toBe(JSON.stringify(here.model.serialize()));
    },
  );

  it('hands the interactions over in chunks of 5,000, giving the event loop a turn between them', async () => {
    const pacer = new Pacer(5_000);
    await trainInWorker('aws-popularity-count', data, pacer);
    expect(pacer.work.get('handover')).toBe(20_000);
    expect(pacer.longestStretch).toBeLessThanOrEqual(5_000);
    // One turn after each chunk, and one between reading the trained model and loading it.
    expect(pacer.yields).toBe(5);
  });

  it('trains from a source read in chunks of any size, as from the whole array', async () => {
    const sizes = [1, 7_000, 0, 12_999];
    let at = 0;
    const chunks = sizes.map((size) => data.interactions.slice(at, (at += size)));
    const counted: number[] = [];
    const fromChunks = await trainChunksInWorker('aws-user-personalization', {
      chunks,
      items: () => data.items,
      beforeTraining: (count) => counted.push(count),
    });
    const here = await train('aws-user-personalization', data);
    expect(counted).toEqual([20_000]);
    expect(fromChunks.metrics).toEqual(here.metrics);
    expect(JSON.stringify(fromChunks.model.serialize())).toBe(JSON.stringify(here.model.serialize()));
  });

  it('trains nothing when the source says so before training (no interactions)', async () => {
    await expect(
      trainChunksInWorker('aws-popularity-count', {
        chunks: [],
        items: () => data.items,
        beforeTraining: (count) => {
          if (count === 0) throw new Error('No interactions to train on');
        },
      }),
    ).rejects.toThrow('No interactions to train on');
  });

  it("rejects with the worker's error when training fails", async () => {
    await expect(trainInWorker('aws-unknown' as RecipeName, data)).rejects.toThrow(
      'Unknown recipe: aws-unknown',
    );
  });
});
