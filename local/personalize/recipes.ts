import { recipeOf, RUNTIME_NEEDS, type RecipeType, type RuntimeNeeds } from '../../lib/contract/recipes';
import type { RecipeName } from './model/types';

export interface RecipeDefinition {
  readonly name: RecipeName;
  /** As the developer guide's recipe list gives it (lib/contract/recipes.ts). */
  readonly recipeType: RecipeType;
  readonly description: string;
}

const DESCRIPTIONS: Readonly<Record<RecipeName, string>> = {
  'aws-user-personalization':
    'Recommends items for a user, updated in real time by the events the user sends.',
  'aws-popularity-count': 'Recommends the items the most users interacted with.',
  'aws-trending-now': 'Recommends the items whose interactions grew most over the last interval.',
  'aws-sims': 'Recommends items related to a given item, from which items users interact with together.',
  'aws-similar-items':
    'Recommends items similar to a given item, from co-occurrence in user histories and item metadata.',
  'aws-personalized-ranking': 'Ranks a given list of items for a user.',
};

/** The recipes the emulator trains, described as the service lists them. */
export const RECIPE_DEFINITIONS: readonly RecipeDefinition[] = (
  Object.entries(DESCRIPTIONS) as [RecipeName, string][]
).map(([name, description]) => {
  const recipeType = recipeOf(recipeArn(name))?.recipeType;
  if (!recipeType) throw new Error(`${name} is missing from lib/contract/recipes.ts`);
  return { name, recipeType, description };
});

export function recipeArn(name: RecipeName): string {
  return `arn:aws:personalize:::recipe/${name}`;
}

export function recipeByArn(arn: string): RecipeDefinition | undefined {
  return RECIPE_DEFINITIONS.find((r) => recipeArn(r.name) === arn);
}

/** What a campaign of `recipe` takes at run time. */
export function runtimeNeedsOf(recipe: RecipeName): RuntimeNeeds & { readonly recipeType: RecipeType } {
  const recipeType = recipeByArn(recipeArn(recipe))?.recipeType ?? 'USER_PERSONALIZATION';
  return { ...RUNTIME_NEEDS[recipeType], recipeType };
}
