import { notFound } from '../errors';
import { page } from '../pagination';
import { RECIPE_DEFINITIONS, recipeArn, recipeByArn } from '../recipes';
import { requiredArn, type RequestBody } from '../validation';

/** Recipes are fixed: the operations need no context. */
export function listRecipes(body: RequestBody): unknown {
  return page(
    body,
    'recipes',
    RECIPE_DEFINITIONS.map((r) => r),
    (r) => ({
      name: r.name,
      recipeArn: recipeArn(r.name),
      status: 'ACTIVE',
      creationDateTime: 0,
      lastUpdatedDateTime: 0,
    }),
    false,
  );
}

export function describeRecipe(body: RequestBody): unknown {
  const arn = requiredArn(body, 'recipeArn');
  const recipe = recipeByArn(arn);
  if (!recipe) throw notFound(`Could not find recipe: ${arn}`);
  return {
    recipe: {
      name: recipe.name,
      recipeArn: arn,
      algorithmArn: `arn:aws:personalize:::algorithm/${recipe.name}`,
      featureTransformationArn: 'arn:aws:personalize:::feature-transformation/JSON-percentile-filtering',
      status: 'ACTIVE',
      description: recipe.description,
      recipeType: recipe.recipeType,
      creationDateTime: 0,
      lastUpdatedDateTime: 0,
    },
  };
}
