import { type EmulatorContext, resourceArn } from '../context';
import { inUse, invalidInput, notFound } from '../errors';
import { isSettled } from '../lifecycle';
import { page } from '../pagination';
import { must, mustBeActive, mustBeNew, mustBeSettled, solutionOfVersion } from '../preconditions';
import { RECIPE_DEFINITIONS, recipeArn, recipeByArn } from '../recipes';
import type { SolutionRecord } from '../store';
import { optionalArn, optionalString, requiredName, type RequestBody } from '../validation';

export function createSolution(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const group = must(ctx, 'datasetGroup', body, 'datasetGroupArn');
  const performAutoML = body['performAutoML'] === true;
  const performHPO = body['performHPO'] === true;
  const arnOfRecipe =
    optionalArn(body, 'recipeArn') ?? (performAutoML ? recipeArn('aws-user-personalization') : undefined);
  if (!arnOfRecipe) throw invalidInput('recipeArn is required unless performAutoML is true');
  if (!recipeByArn(arnOfRecipe)) {
    throw notFound(
      `Could not find recipe ${arnOfRecipe}: the emulator implements ${RECIPE_DEFINITIONS.map((r) => recipeArn(r.name)).join(', ')}`,
    );
  }
  const eventType = optionalString(body, 'eventType', { max: 256 });
  mustBeActive(group, 'Dataset group');
  const arn = resourceArn(ctx, `solution/${name}`);
  mustBeNew(ctx, arn, `Solution ${name} already exists`);
  ctx.lifecycle.create<SolutionRecord>({
    kind: 'solution',
    arn,
    name,
    datasetGroupArn: group.arn,
    recipeArn: arnOfRecipe,
    eventType,
    performAutoML,
    performHPO,
    solutionConfig: body['solutionConfig'] ?? undefined,
    ...ctx.lifecycle.fresh(),
  });
  return { solutionArn: arn };
}

export function describeSolution(ctx: EmulatorContext, body: RequestBody): unknown {
  const r = must(ctx, 'solution', body, 'solutionArn');
  const latest = r.latestSolutionVersionArn
    ? ctx.store.find('solutionVersion', r.latestSolutionVersionArn)
    : undefined;
  return {
    solution: {
      name: r.name,
      solutionArn: r.arn,
      performHPO: r.performHPO,
      performAutoML: r.performAutoML,
      performAutoTraining: false,
      recipeArn: r.recipeArn,
      datasetGroupArn: r.datasetGroupArn,
      eventType: r.eventType,
      solutionConfig: r.solutionConfig,
      status: r.status,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      latestSolutionVersion: latest && {
        solutionVersionArn: latest.arn,
        status: latest.status,
        trainingMode: latest.trainingMode,
        trainingType: 'MANUAL',
        creationDateTime: latest.creationDateTime,
        lastUpdatedDateTime: latest.lastUpdatedDateTime,
        failureReason: latest.failureReason,
      },
    },
  };
}

export function listSolutions(ctx: EmulatorContext, body: RequestBody): unknown {
  const group = optionalArn(body, 'datasetGroupArn');
  return page(
    body,
    'solutions',
    ctx.store.list('solution', (r) => !group || r.datasetGroupArn === group),
    (r) => ({
      name: r.name,
      solutionArn: r.arn,
      status: r.status,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      recipeArn: r.recipeArn,
    }),
  );
}

export function deleteSolution(ctx: EmulatorContext, body: RequestBody): unknown {
  const solution = must(ctx, 'solution', body, 'solutionArn');
  mustBeSettled(solution);
  const campaigns = ctx.store.list(
    'campaign',
    (c) => solutionOfVersion(ctx, c.solutionVersionArn) === solution.arn,
  );
  if (campaigns.length > 0) {
    throw inUse(
      `Cannot delete solution ${solution.arn}: delete its campaigns first (${campaigns.map((c) => c.arn).join(', ')})`,
    );
  }
  const training = ctx.store.list(
    'solutionVersion',
    (v) => v.solutionArn === solution.arn && !isSettled(v.status),
  );
  if (training.length > 0)
    throw inUse(
      `Cannot delete solution ${solution.arn}: solution version ${training[0]?.arn} is in progress`,
    );
  ctx.lifecycle.delete(solution, () => {
    for (const version of ctx.store.list('solutionVersion', (v) => v.solutionArn === solution.arn)) {
      ctx.loadedModels.delete(version.arn);
      ctx.store.remove(version.arn);
    }
  });
  return {};
}
