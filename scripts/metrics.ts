/**
 * Prints GetSolutionMetrics-style metrics for every recipe on the sample data (data/), with the training time.
 * `npx tsx scripts/metrics.ts`
 */
import { RECIPES, train } from '../local/personalize/model';
import { readSampleData } from '../local/personalize/model/sampleData';

async function main(): Promise<void> {
  const data = readSampleData();
  console.log(`sample data: ${data.interactions.length} interactions, ${data.items.length} items`);
  for (const recipe of RECIPES) {
    const started = process.hrtime.bigint();
    const { metrics } = await train(recipe, data);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(JSON.stringify({ recipe, trainingSeconds: Number(seconds.toFixed(2)), metrics }, null, 2));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
