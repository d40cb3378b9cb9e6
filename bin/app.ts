#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { USER_PERSONALIZATION_RECIPE_ARN } from '../lib/contract/personalize-schemas';
import { RecommendationsStack } from '../lib/recommendations-stack';

const app = new App();
// cdk-nag's AwsSolutions pack (v3: a policy validation plugin) on every synth: an unacknowledged finding
// fails `cdk synth`. Acknowledgements live in the constructs, each with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

const recipeArn: unknown = app.node.tryGetContext('recipeArn') ?? USER_PERSONALIZATION_RECIPE_ARN;
if (typeof recipeArn !== 'string' || !/^arn:aws[a-z-]*:personalize:::recipe\/.+$/.test(recipeArn)) {
  throw new Error(`Context recipeArn must be a Personalize recipe ARN, got ${JSON.stringify(recipeArn)}`);
}

new RecommendationsStack(app, 'NearRealTimeRecommendations', {
  description: 'Near-real-time recommendations with Amazon Personalize',
  recipeArn,
});

app.synth();
