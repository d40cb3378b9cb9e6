import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { USER_PERSONALIZATION_RECIPE_ARN } from './contract/personalize-schemas';
import { RecommendationsStack } from './recommendations-stack';

/** The stack's name, as `cdk deploy` creates it. */
export const STACK_NAME = 'NearRealTimeRecommendations';

/**
 * The CDK app: one stack, checked by cdk-nag. bin/app.ts synthesizes it for the CDK CLI; CI's
 * scripts/synth-variants.ts builds it once per supported variant (its context as `-c key=value` gives it).
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  // cdk-nag's AwsSolutions pack (v3: a policy validation plugin) on every synth: an unacknowledged finding
  // fails `cdk synth`. Acknowledgements live in the constructs, each with its reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const recipeArn: unknown = app.node.tryGetContext('recipeArn') ?? USER_PERSONALIZATION_RECIPE_ARN;
  if (typeof recipeArn !== 'string' || !/^arn:aws[a-z-]*:personalize:::recipe\/.+$/.test(recipeArn)) {
    throw new Error(`Context recipeArn must be a Personalize recipe ARN, got ${JSON.stringify(recipeArn)}`);
  }

  new RecommendationsStack(app, STACK_NAME, {
    description: 'Near-real-time recommendations with Amazon Personalize',
    recipeArn,
  });
  return app;
}
