/**
 * `npm run synth-variants`: synthesizes the app (lib/app.ts, what `npx cdk synth` runs through bin/app.ts)
 * once per supported variant, in this one process, as `npx cdk synth -c key=value` would: cdk.json's context
 * first, then the variant's, cdk-nag's AwsSolutions checks failing the synth on a finding. The functions are
 * not bundled here (`aws:cdk:bundling-stacks: []`): their code is the same in every variant, and bundling it
 * once per variant would cost most of the time; `npx cdk synth` (which .ci/run also runs) bundles them.
 * Templates go to cdk.out/variants/<variant>/, where .ci/run lints them with cfn-lint.
 *
 *   npm run synth-variants                 # every variant
 *   npm run synth-variants -- provision    # the ones named
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, STACK_NAME } from '../lib/app';
import { recipeArn, RECIPE_DEFINITIONS } from '../local/personalize/recipes';

const ROOT = join(__dirname, '..');

/** The variants CI synthesizes: the default, each context flag that adds resources, each recipe served. */
const VARIANTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  default: {},
  provision: { provision: 'true' },
  demoPage: { demoPage: 'true' },
  catalogue: { usersDataset: 'true', retirableItems: 'true' },
  ...Object.fromEntries(
    RECIPE_DEFINITIONS.filter((r) => r.name !== 'aws-user-personalization').map((r) => [
      `recipe-${r.name}`,
      { recipeArn: recipeArn(r.name) },
    ]),
  ),
};

function synthesizeVariant(name: string, context: Readonly<Record<string, string>>): string {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = join(ROOT, 'cdk.out', 'variants', name);
  rmSync(outdir, { recursive: true, force: true });
  createApp({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context },
  }).synth();
  return join(outdir, `${STACK_NAME}.template.json`);
}

function main(): void {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in VARIANTS));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown variant ${unknown.join(', ')}; the variants: ${Object.keys(VARIANTS).join(', ')}`,
    );
  }
  for (const [name, context] of Object.entries(VARIANTS)) {
    if (asked.length > 0 && !asked.includes(name)) continue;
    const started = performance.now();
    const template = synthesizeVariant(name, context);
    const flags = Object.entries(context).map(([key, value]) => `-c ${key}=${value}`);
    console.log(
      `${name} (${flags.join(' ') || 'no context'}): ${template} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}

if (require.main === module) main();
