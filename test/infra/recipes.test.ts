/**
 * Which recipes the stack accepts: every recipe it serves synthesizes with zero cdk-nag findings; one it cannot
 * serve fails the synth with a message naming the recipes it can.
 */
import { RECIPES, recipeArnOf, recipeOf, SERVED_RECIPES, servedRecipe } from '../../lib/contract/recipes';
import { synthesize } from './synth';

describe('the recipes the stack serves', () => {
  it('are the four recipe types, each with at least one recipe', () => {
    expect(new Set(SERVED_RECIPES.map((r) => r.recipeType))).toEqual(
      new Set(['USER_PERSONALIZATION', 'RELATED_ITEMS', 'PERSONALIZED_RANKING', 'POPULAR_ITEMS']),
    );
    // The developer guide's recipe list: popularity-count and trending-now are POPULAR_ITEMS.
    expect(recipeOf(recipeArnOf('aws-popularity-count'))?.recipeType).toBe('POPULAR_ITEMS');
    expect(recipeOf('arn:aws-cn:personalize:::recipe/aws-similar-items')?.recipeType).toBe('RELATED_ITEMS');
  });

  it.each(SERVED_RECIPES.map((r) => r.name))('%s synthesizes with no cdk-nag finding', (name) => {
    const recipeArn = recipeArnOf(name);
    const synth = synthesize({ props: { recipeArn } });
    synth.template.hasResourceProperties('AWS::Personalize::Solution', { RecipeArn: recipeArn });
    const { violations } = synth.tree;
    expect(violations.filter((v) => /^AwsSolutions-/.test(v.ruleName)).map((v) => v.ruleName)).toEqual([]);
  });

  it.each(RECIPES.filter((r) => r.refused !== undefined).map((r) => r.name))(
    '%s is refused at synth, with the reason and the recipes the stack serves',
    (name) => {
      expect(() => synthesize({ props: { recipeArn: recipeArnOf(name) } })).toThrow(
        new RegExp(`${name} .*is not served: .*The stack serves: .*aws-similar-items \\(RELATED_ITEMS\\)`),
      );
    },
  );

  it('refuses a recipe ARN Personalize does not list', () => {
    expect(() => servedRecipe('arn:aws:personalize:::recipe/aws-hrnn-typo')).toThrow(
      /is not a Personalize custom recipe\. The stack serves: arn:aws:personalize:::recipe\/aws-user-personalization/,
    );
  });
});
