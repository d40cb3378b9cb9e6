import {
  CollaborativeModel,
  completeCollaborative,
  trainCollaborative,
  type CollaborativeSnapshot,
  type PackedSnapshot,
} from './collaborative';
import { scoreSplit, splitForEvaluation } from './metrics';
import { PopularityCountModel, trainPopularityCount, type PopularitySnapshot } from './popularity';
import { catalogueOf, Pacer } from './shared';
import { TrendingNowModel, trainTrendingNow, type TrendingSnapshot } from './trending';
import type { RecipeName, TrainedModel, TrainingData, TrainingResult } from './types';

export type * from './types';
export { Pacer } from './shared';

/** The recipes the emulator implements; aws-user-personalization is the default. */
export const RECIPES: readonly RecipeName[] = [
  'aws-user-personalization',
  'aws-popularity-count',
  'aws-trending-now',
  'aws-sims',
  'aws-similar-items',
  'aws-personalized-ranking',
];

async function trainModel(recipe: RecipeName, data: TrainingData, pacer: Pacer): Promise<TrainedModel> {
  switch (recipe) {
    case 'aws-popularity-count':
      return trainPopularityCount(data, pacer);
    case 'aws-trending-now':
      return trainTrendingNow(data, pacer);
    case 'aws-user-personalization':
    case 'aws-personalized-ranking':
    case 'aws-sims':
    case 'aws-similar-items':
      return trainCollaborative(recipe, data, pacer);
  }
}

/** The model trained on the evaluation split, brought up to all the data without a second training. */
async function completeModel(trained: TrainedModel, data: TrainingData, pacer: Pacer): Promise<TrainedModel> {
  // popularity-count's and trending-now's training is a count: counting again over all the data is the whole of it.
  if (trained instanceof CollaborativeModel) {
    const model = await completeCollaborative(trained, data, pacer);
    await model.prepareSnapshot(pacer);
    return model;
  }
  if (trained instanceof TrendingNowModel) return trainTrendingNow(data, pacer);
  return trainPopularityCount(data, pacer);
}

/**
 * Trains once, on the service's held-out split (see metrics.ts), scores that model for the metrics, and then
 * completes it with the held-out events (their histories and popularity; see completeCollaborative) to serve.
 * `pacer` counts the work and hands the event loop a turn every so many units: training runs inside the server.
 */
export async function train(
  recipe: RecipeName,
  data: TrainingData,
  pacer = new Pacer(),
): Promise<TrainingResult> {
  if (!RECIPES.includes(recipe)) throw new Error(`Unknown recipe: ${String(recipe)}`);
  const split = await splitForEvaluation(data, pacer);
  const trained = await trainModel(recipe, split.training, pacer);
  const catalogueSize = (await catalogueOf(data, pacer)).itemIds.length;
  const metrics = await scoreSplit(recipe, trained, split, catalogueSize, pacer);
  const model = await completeModel(trained, data, pacer);
  return { model, metrics };
}

/** Restores a model from `TrainedModel.serialize()`. */
export function loadModel(snapshot: unknown): TrainedModel {
  const recipe = (snapshot as { recipe?: unknown } | null)?.recipe;
  switch (recipe) {
    case 'aws-popularity-count':
      return PopularityCountModel.fromSnapshot(snapshot as PopularitySnapshot);
    case 'aws-trending-now':
      return new TrendingNowModel(snapshot as TrendingSnapshot);
    case 'aws-user-personalization':
    case 'aws-personalized-ranking':
    case 'aws-sims':
    case 'aws-similar-items':
      return new CollaborativeModel(recipe, snapshot as CollaborativeSnapshot | PackedSnapshot);
    default:
      throw new Error(`Not a model snapshot (recipe: ${String(recipe)})`);
  }
}
