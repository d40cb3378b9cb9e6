import type { RecipeName } from './model/types';

export interface RecipeDefinition {
  readonly name: RecipeName;
  readonly recipeType: 'USER_PERSONALIZATION' | 'RELATED_ITEMS' | 'PERSONALIZED_RANKING';
  readonly description: string;
}

/** The recipes the emulator trains, described as the service lists them. */
export const RECIPE_DEFINITIONS: readonly RecipeDefinition[] = [
  {
    name: 'aws-user-personalization',
    recipeType: 'USER_PERSONALIZATION',
    description: 'Recommends items for a user, updated in real time by the events the user sends.',
  },
  {
    name: 'aws-popularity-count',
    recipeType: 'USER_PERSONALIZATION',
    description: 'Recommends the most popular items, by the count of their events.',
  },
  {
    name: 'aws-sims',
    recipeType: 'RELATED_ITEMS',
    description: 'Recommends items related to a given item, from which items users interact with together.',
  },
  {
    name: 'aws-personalized-ranking',
    recipeType: 'PERSONALIZED_RANKING',
    description: 'Ranks a given list of items for a user.',
  },
];

export const recipeArn = (name: RecipeName): string => `arn:aws:personalize:::recipe/${name}`;

export function recipeByArn(arn: string): RecipeDefinition | undefined {
  return RECIPE_DEFINITIONS.find((r) => recipeArn(r.name) === arn);
}
