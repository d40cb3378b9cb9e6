/**
 * The Personalize recipes, their recipe types and what each type needs at run time, in one place: `bin/app.ts`
 * refuses a recipe the stack cannot serve, the API's handlers and the Personalize emulator read the same table.
 *
 * Recipe types as the developer guide's recipe list groups them ("Choosing a recipe",
 * https://docs.aws.amazon.com/personalize/latest/dg/working-with-predefined-recipes.html). Popularity-Count's
 * own page (native-recipe-popularity.html) still says USER_PERSONALIZATION; the list puts it with Trending-Now
 * under POPULAR_ITEMS, and its runtime needs are those of POPULAR_ITEMS (no user needed), so the list wins here.
 */

export type RecipeType = 'USER_PERSONALIZATION' | 'RELATED_ITEMS' | 'PERSONALIZED_RANKING' | 'POPULAR_ITEMS';

/** How a request field is used by a recipe type's runtime operation. */
type FieldUse = 'required' | 'optional' | 'not used';

/**
 * What a recipe type's campaign takes at run time. GetRecommendations' API reference
 * (https://docs.aws.amazon.com/personalize/latest/dg/API_RS_GetRecommendations.html): USER_PERSONALIZATION,
 * userId required; RELATED_ITEMS, itemId required (a userId is read only by filters that name the user);
 * PERSONALIZED_RANKING campaigns answer GetPersonalizedRanking only (userId and inputList required). Trending-Now's
 * page: POPULAR_ITEMS needs a userId only for a filter that uses it.
 */
export interface RuntimeNeeds {
  readonly operation: 'GetRecommendations' | 'GetPersonalizedRanking';
  readonly userId: FieldUse;
  readonly itemId: FieldUse;
  /** GetPersonalizedRanking's list of items to rank. */
  readonly inputList: FieldUse;
}

export const RUNTIME_NEEDS: Readonly<Record<RecipeType, RuntimeNeeds>> = {
  USER_PERSONALIZATION: {
    operation: 'GetRecommendations',
    userId: 'required',
    itemId: 'not used',
    inputList: 'not used',
  },
  RELATED_ITEMS: {
    operation: 'GetRecommendations',
    userId: 'optional',
    itemId: 'required',
    inputList: 'not used',
  },
  POPULAR_ITEMS: {
    operation: 'GetRecommendations',
    userId: 'optional',
    itemId: 'not used',
    inputList: 'not used',
  },
  PERSONALIZED_RANKING: {
    operation: 'GetPersonalizedRanking',
    userId: 'required',
    itemId: 'not used',
    inputList: 'required',
  },
};

/** GetPersonalizedRanking's inputList: at most 500 items (50 when metadata is asked for), each id 1 to 256 long. */
export const INPUT_LIST_MAX = 500;

export interface Recipe {
  /** The recipe's name, the tail of its ARN. */
  readonly name: string;
  readonly recipeType: RecipeType;
  /** The developer guide page that describes it. */
  readonly page: string;
  /**
   * Why the stack refuses it, when it does: the API serves every recipe type above, but local mode's emulator
   * must model a recipe faithfully for the project to offer it.
   * @default - served
   */
  readonly refused?: string;
}

const GUIDE = 'https://docs.aws.amazon.com/personalize/latest/dg';

/** Every custom recipe of the developer guide's list (domain recipes belong to recommenders, not solutions). */
export const RECIPES: readonly Recipe[] = [
  {
    name: 'aws-user-personalization',
    recipeType: 'USER_PERSONALIZATION',
    page: `${GUIDE}/native-recipe-new-item-USER_PERSONALIZATION.html`,
  },
  {
    name: 'aws-user-personalization-v2',
    recipeType: 'USER_PERSONALIZATION',
    page: `${GUIDE}/native-recipe-user-personalization-v2.html`,
    refused:
      'its recommendations carry a `reason` per item (exploration, promotion, popular placeholder) that the emulator does not model yet',
  },
  {
    name: 'aws-popularity-count',
    recipeType: 'POPULAR_ITEMS',
    page: `${GUIDE}/native-recipe-popularity.html`,
  },
  { name: 'aws-trending-now', recipeType: 'POPULAR_ITEMS', page: `${GUIDE}/native-recipe-trending-now.html` },
  { name: 'aws-sims', recipeType: 'RELATED_ITEMS', page: `${GUIDE}/native-recipe-sims.html` },
  {
    name: 'aws-similar-items',
    recipeType: 'RELATED_ITEMS',
    page: `${GUIDE}/native-recipe-similar-items.html`,
  },
  {
    name: 'aws-semantic-similarity',
    recipeType: 'RELATED_ITEMS',
    page: `${GUIDE}/native-recipe-semantic-similarity.html`,
    refused: 'it needs unstructured text metadata and a language model, which the emulator does not have',
  },
  {
    name: 'aws-personalized-ranking',
    recipeType: 'PERSONALIZED_RANKING',
    page: `${GUIDE}/native-recipe-search.html`,
  },
  {
    name: 'aws-personalized-ranking-v2',
    recipeType: 'PERSONALIZED_RANKING',
    page: `${GUIDE}/native-recipe-personalized-ranking-v2.html`,
    refused: 'the emulator does not model it yet (use aws-personalized-ranking)',
  },
];

export const recipeArnOf = (name: string): string => `arn:aws:personalize:::recipe/${name}`;

/** The recipe of an ARN, in any partition (`arn:aws-cn:...`). */
export function recipeOf(arn: string): Recipe | undefined {
  const name = /^arn:aws[a-z-]*:personalize:::recipe\/(.+)$/.exec(arn)?.[1];
  return RECIPES.find((recipe) => recipe.name === name);
}

/** The recipes the stack serves end to end. */
export const SERVED_RECIPES: readonly Recipe[] = RECIPES.filter((recipe) => recipe.refused === undefined);

/** The recipe the stack will serve for `arn`, or an error that says why not and which it can serve. */
export function servedRecipe(arn: string): Recipe {
  const recipe = recipeOf(arn);
  const served = `The stack serves: ${SERVED_RECIPES.map((r) => `${recipeArnOf(r.name)} (${r.recipeType})`).join(', ')}`;
  if (!recipe)
    throw new Error(`recipeArn ${JSON.stringify(arn)} is not a Personalize custom recipe. ${served}`);
  if (recipe.refused !== undefined) {
    throw new Error(`recipeArn ${arn} (${recipe.recipeType}) is not served: ${recipe.refused}. ${served}`);
  }
  return recipe;
}
