import { type EmulatorContext, resourceArn, timestamp } from '../context';
import { inUse, invalidInput, notFound } from '../errors';
import { isSettled } from '../lifecycle';
import { page } from '../pagination';
import { must, mustBeActive, mustBeNew, mustBeSettled, solutionOfVersion } from '../preconditions';
import { RECIPE_DEFINITIONS, recipeArn, recipeByArn } from '../recipes';
import type { SolutionRecord, SolutionUpdate } from '../store';
import { optionalArn, optionalString, requiredName, type RequestBody } from '../validation';
import {
  DEFAULT_SCHEDULING_EXPRESSION,
  arm,
  requestedSchedule,
  rescheduleAutoTraining,
  scheduleOf,
  startAutoTraining,
  stopAutoTraining,
} from './auto-training';
import { initialTags } from './tags';

export function createSolution(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const performAutoML = body['performAutoML'] === true;
  const performHPO = body['performHPO'] === true;
  // On by default, as on AWS: a new solution trains a version every 7 days from an hour after it is ACTIVE.
  const performAutoTraining = body['performAutoTraining'] !== false;
  refuseIncrementalUpdate(body);
  const solutionConfig = (body['solutionConfig'] ?? undefined) as Record<string, unknown> | undefined;
  const schedule = requestedSchedule(solutionConfig, 'solutionConfig');
  const group = must(ctx, 'datasetGroup', body, 'datasetGroupArn');
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
  const tags = initialTags(body, arn);
  const solution: SolutionRecord = ctx.lifecycle.create<SolutionRecord>(
    {
      kind: 'solution',
      arn,
      name,
      datasetGroupArn: group.arn,
      recipeArn: arnOfRecipe,
      eventType,
      performAutoML,
      performHPO,
      performAutoTraining,
      solutionConfig: withSchedule(solutionConfig, performAutoTraining, schedule),
      ...(tags ? { tags } : {}),
      ...ctx.lifecycle.fresh(),
    },
    { onActive: () => solutionActive(ctx, solution) },
  );
  return { solutionArn: arn };
}

/** What follows a solution becoming ACTIVE (also after a restart): auto training starts counting. */
export function solutionActive(ctx: EmulatorContext, solution: SolutionRecord): void {
  if (solution.performAutoTraining === true) startAutoTraining(ctx, solution);
}

/** performIncrementalUpdate is for the semantic-similarity recipe, which the emulator does not have. */
function refuseIncrementalUpdate(body: RequestBody): void {
  if (body['performIncrementalUpdate'] === true) {
    throw invalidInput(
      'performIncrementalUpdate is only supported for solutions that use the semantic-similarity recipe',
    );
  }
}

/** The solution's config with its auto training schedule: the one given, or the default while auto training is on. */
function withSchedule(
  config: Record<string, unknown> | undefined,
  performAutoTraining: boolean,
  schedule: string | undefined,
): Record<string, unknown> | undefined {
  if (schedule === undefined && !performAutoTraining) return config;
  return {
    ...config,
    autoTrainingConfig: {
      schedulingExpression: schedule ?? scheduleFrom(config) ?? DEFAULT_SCHEDULING_EXPRESSION,
    },
  };
}

function scheduleFrom(config: Record<string, unknown> | undefined): string | undefined {
  return (config?.['autoTrainingConfig'] as { schedulingExpression?: string } | undefined)
    ?.schedulingExpression;
}

/**
 * Changes whether the solution trains automatically, and how often. The solution must be ACTIVE with no
 * other update in progress; the update goes CREATE PENDING → CREATE IN_PROGRESS → ACTIVE
 * (`latestSolutionUpdate`) and applies at ACTIVE. Turning auto training off stops it at once.
 */
export function updateSolution(ctx: EmulatorContext, body: RequestBody): unknown {
  const requested = body['performAutoTraining'] as boolean | undefined | null;
  refuseIncrementalUpdate(body);
  const solutionUpdateConfig = (body['solutionUpdateConfig'] ?? undefined) as
    Record<string, unknown> | undefined;
  const schedule = requestedSchedule(solutionUpdateConfig, 'solutionUpdateConfig');
  const solution = must(ctx, 'solution', body, 'solutionArn');
  mustBeActive(solution, 'Solution');
  const pending = solution.latestSolutionUpdate;
  if (pending && !isSettled(pending.status)) {
    throw inUse(`Solution ${solution.arn} already has an update in progress (status: ${pending.status})`);
  }
  const performAutoTraining = requested ?? solution.performAutoTraining === true;
  const now = timestamp(ctx);
  const update: SolutionUpdate = {
    performAutoTraining,
    ...(solutionUpdateConfig ? { solutionUpdateConfig } : {}),
    status: 'CREATE PENDING',
    creationDateTime: now,
    lastUpdatedDateTime: now,
  };
  solution.latestSolutionUpdate = update;
  if (!performAutoTraining) stopAutoTraining(ctx, solution);
  ctx.store.touched();
  const { lifecycle } = ctx;
  lifecycle.afterStep(solution, () => {
    lifecycle.setUpdateStatus(solution, update, 'CREATE IN_PROGRESS');
    lifecycle.afterStep(solution, () => {
      if (ctx.store.get(solution.arn) !== solution) return;
      applySolutionUpdate(ctx, solution, update, schedule);
      lifecycle.setUpdateStatus(solution, update, 'ACTIVE');
    });
  });
  return { solutionArn: solution.arn };
}

/** The update reaches ACTIVE (or the emulator restarted while it was moving): the solution takes its settings. */
function applySolutionUpdate(
  ctx: EmulatorContext,
  solution: SolutionRecord,
  update: SolutionUpdate,
  schedule = requestedSchedule(update.solutionUpdateConfig, 'solutionUpdateConfig'),
): void {
  const wasOn = solution.performAutoTraining === true && solution.autoTraining !== undefined;
  const previousSchedule = scheduleOf(solution);
  solution.performAutoTraining = update.performAutoTraining;
  solution.solutionConfig = withSchedule(
    solution.solutionConfig,
    update.performAutoTraining,
    schedule ?? scheduleFrom(solution.solutionConfig),
  );
  solution.lastUpdatedDateTime = timestamp(ctx);
  if (!update.performAutoTraining) stopAutoTraining(ctx, solution);
  // "If you turn on automatic training, the first automatic training starts within one hour after the
  // solution update completes."
  else if (!wasOn) startAutoTraining(ctx, solution);
  else if (scheduleOf(solution) !== previousSchedule) rescheduleAutoTraining(ctx, solution);
  ctx.store.touched();
}

/** After a restart: updates that were moving complete, and each ACTIVE solution's auto training resumes. */
export function resumeSolutions(ctx: EmulatorContext): void {
  for (const solution of ctx.store.list('solution')) {
    const update = solution.latestSolutionUpdate;
    if (update && !isSettled(update.status)) {
      applySolutionUpdate(ctx, solution, update);
      update.status = 'ACTIVE';
      update.lastUpdatedDateTime = timestamp(ctx);
    }
    if (solution.status !== 'ACTIVE') continue;
    if (solution.autoTraining) arm(ctx, solution);
    else if (solution.performAutoTraining === true) startAutoTraining(ctx, solution);
  }
  ctx.store.touched();
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
      performAutoTraining: r.performAutoTraining === true,
      performIncrementalUpdate: false,
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
        trainingType: latest.trainingType ?? 'MANUAL',
        creationDateTime: latest.creationDateTime,
        lastUpdatedDateTime: latest.lastUpdatedDateTime,
        failureReason: latest.failureReason,
      },
      latestSolutionUpdate: r.latestSolutionUpdate,
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
  stopAutoTraining(ctx, solution);
  ctx.lifecycle.delete(solution, () => {
    for (const version of ctx.store.list('solutionVersion', (v) => v.solutionArn === solution.arn)) {
      ctx.loadedModels.delete(version.arn);
      ctx.store.remove(version.arn);
    }
  });
  return {};
}
