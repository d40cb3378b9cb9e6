import { CollaborativeModel, trainCollaborative, type CollaborativeSnapshot } from './collaborative';
import { evaluateRecipe } from './metrics';
import { PopularityCountModel, trainPopularityCount, type PopularitySnapshot } from './popularity';
import { yieldToEventLoop } from './shared';
import type { RecipeName, TrainedModel, TrainingData, TrainingResult } from './types';

export type * from './types';

/** The recipes the emulator implements; aws-user-personalization is the default. */
export const RECIPES: readonly RecipeName[] = [
  'aws-user-personalization',
  'aws-popularity-count',
  'aws-sims',
  'aws-personalized-ranking',
];

async function trainModel(recipe: RecipeName, data: TrainingData): Promise<TrainedModel> {
  await yieldToEventLoop();
  switch (recipe) {
    case 'aws-popularity-count':
      return trainPopularityCount(data);
    case 'aws-user-personalization':
    case 'aws-personalized-ranking':
    case 'aws-sims':
      return trainCollaborative(recipe, data);
  }
}

/** Trains on all the data; the metrics come from the service's held-out protocol (see metrics.ts). */
export async function train(recipe: RecipeName, data: TrainingData): Promise<TrainingResult> {
  if (!RECIPES.includes(recipe)) throw new Error(`Unknown recipe: ${String(recipe)}`);
  const metrics = await evaluateRecipe(recipe, data, (split) => trainModel(recipe, split));
  const model = await trainModel(recipe, data);
  return { model, metrics };
}

/** Restores a model from `TrainedModel.serialize()`. */
export function loadModel(snapshot: unknown): TrainedModel {
  const recipe = (snapshot as { recipe?: unknown } | null)?.recipe;
  switch (recipe) {
    case 'aws-popularity-count':
      return PopularityCountModel.fromSnapshot(snapshot as PopularitySnapshot);
    case 'aws-user-personalization':
    case 'aws-personalized-ranking':
    case 'aws-sims':
      return new CollaborativeModel(recipe, snapshot as CollaborativeSnapshot);
    default:
      throw new Error(`Not a model snapshot (recipe: ${String(recipe)})`);
  }
}
