/**
 * Training on a worker thread, for an emulator that serves while it trains (local mode's emulator process):
 * the thread that answers requests only hands the data over, in paced chunks, and loads the trained model from
 * its snapshot; the counting, the evaluation and the packing run on the worker. A worker lives for one training,
 * so everything it allocated is released when it ends.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { loadModel } from './index';
import { Pacer } from './shared';
import type { Interaction, RecipeName, TrainingData, TrainingResult, TrainingSource } from './types';
import type { SolutionMetrics } from './types';

export { loadModel } from './index';

/** Interactions per message: a chunk's copy to the worker takes a few milliseconds. */
const CHUNK = 5_000;

/**
 * The data as it crosses to the worker: one chunk of interactions as columns of numbers, moved rather than
 * copied, each string (user, item, event type) sent once, in the first chunk that has it, and referred to
 * by its number after.
 */
interface InteractionChunk {
  readonly type: 'interactions';
  /** The strings first seen in this chunk, numbered on from those of the chunks before. */
  readonly strings: string[];
  readonly users: Uint32Array<ArrayBuffer>;
  readonly items: Uint32Array<ArrayBuffer>;
  readonly eventTypes: Uint32Array<ArrayBuffer>;
  readonly timestamps: Float64Array<ArrayBuffer>;
}

export type ToWorker =
  | InteractionChunk
  | { readonly type: 'items'; readonly items: TrainingData['items'] }
  | { readonly type: 'train'; readonly recipe: RecipeName };

export type FromWorker =
  | { readonly type: 'trained'; readonly snapshot: string; readonly metrics: SolutionMetrics }
  | { readonly type: 'failed'; readonly message: string };

const WORKER = join(__dirname, 'training-worker.ts');
/**
 * The worker's bootstrap: the worker is TypeScript, run through tsx's require hook, so it starts the same way
 * under npm start (tsx), the tests (ts-jest, which does not reach workers) and any other runner.
 */
const BOOTSTRAP = `require('tsx/cjs/api').register(); require(${JSON.stringify(WORKER)});`;

/**
 * The model module's `train`, on a worker thread: the same models and metrics as training in this thread
 * (the worker runs `train` on the same data, in the same order).
 */
export function trainInWorker(
  recipe: RecipeName,
  data: TrainingData,
  pacer = new Pacer(),
): Promise<TrainingResult> {
  function* chunks(): Generator<readonly Interaction[]> {
    for (let start = 0; start < data.interactions.length; start += CHUNK)
      yield data.interactions.slice(start, start + CHUNK);
  }
  return trainChunksInWorker(recipe, { chunks: chunks(), items: () => data.items }, pacer);
}

/**
 * Trains on a worker thread from a source read in chunks: each chunk is handed over as it is read, with a
 * turn of the event loop after every 5,000 interactions, and then dropped.
 */
export async function trainChunksInWorker(
  recipe: RecipeName,
  source: TrainingSource,
  pacer = new Pacer(),
): Promise<TrainingResult> {
  const worker = new Worker(BOOTSTRAP, { eval: true });
  worker.unref();
  const result = new Promise<{ snapshot: string; metrics: SolutionMetrics }>((resolve, reject) => {
    worker.once('message', (message: FromWorker) => {
      if (message.type === 'trained') resolve(message);
      else reject(new Error(message.message));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the training worker exited (${code})`)));
  });
  // A failure while the data is still being handed over is reported by `result`.
  result.catch(() => undefined);
  try {
    const numbers = new Map<string, number>();
    let count = 0;
    for await (const interactions of source.chunks) {
      for (let start = 0; start < interactions.length; start += CHUNK) {
        const end = Math.min(interactions.length, start + CHUNK);
        const chunk = interactionChunk(interactions, start, end, numbers);
        worker.postMessage(chunk, [
          chunk.users.buffer,
          chunk.items.buffer,
          chunk.eventTypes.buffer,
          chunk.timestamps.buffer,
        ]);
        count += end - start;
        await pacer.step(end - start, 'handover');
      }
    }
    source.beforeTraining?.(count);
    worker.postMessage({ type: 'items', items: await source.items() } satisfies ToWorker);
    worker.postMessage({ type: 'train', recipe } satisfies ToWorker);
    const { snapshot, metrics } = await result;
    // The stored form: its large lists packed, so parsing and loading it take a few milliseconds each, in
    // two turns of the event loop.
    const parsed = JSON.parse(snapshot) as unknown;
    await pacer.yield();
    return { model: loadModel(parsed), metrics };
  } finally {
    void worker.terminate();
  }
}

function interactionChunk(
  interactions: readonly Interaction[],
  start: number,
  end: number,
  numbers: Map<string, number>,
): InteractionChunk {
  const count = end - start;
  const strings: string[] = [];
  const numberOf = (text: string): number => {
    let n = numbers.get(text);
    if (n === undefined) {
      n = numbers.size;
      numbers.set(text, n);
      strings.push(text);
    }
    return n;
  };
  const chunk: InteractionChunk = {
    type: 'interactions',
    strings,
    users: new Uint32Array(count),
    items: new Uint32Array(count),
    eventTypes: new Uint32Array(count),
    timestamps: new Float64Array(count),
  };
  for (let k = 0; k < count; k++) {
    const interaction = interactions[start + k] as Interaction;
    chunk.users[k] = numberOf(interaction.userId);
    chunk.items[k] = numberOf(interaction.itemId);
    chunk.eventTypes[k] = numberOf(interaction.eventType);
    chunk.timestamps[k] = interaction.timestamp;
  }
  return chunk;
}
