import type { EmulatorContext } from '../context';
import { invalidInput, ServiceError } from '../errors';
import type { SolutionRecord } from '../store';
import { startSolutionVersion } from './solution-versions';

// Automatic training, as AWS documents it (https://docs.aws.amazon.com/personalize/latest/dg/solution-config-auto-training.html):
// on by default; the first automatic version starts within an hour of the solution (or of the update that
// turned it on) becoming ACTIVE, and is skipped when a version was created by hand in that hour; then one
// every `rate(N days)` (1 to 30, default 7) counted from the previous one's start; a round is skipped when
// no interaction data arrived (imported or PutEvents) since the last training. It stops when turned off or
// when the solution is deleted. The schedule is kept in the solution's record, so it survives restarts.

export const DEFAULT_AUTO_TRAINING_DELAY_MS = 60 * 60 * 1000;
export const DEFAULT_SCHEDULING_EXPRESSION = 'rate(7 days)';
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The number of days in a schedulingExpression (its form, `rate(N day[s])`, is a rule of the model, checked
 * with the request); the documentation allows 1 to 30.
 */
function schedulingDays(expression: string, field: string): number {
  const days = Number(/^rate\((\d+) days?\)$/.exec(expression)?.[1]);
  if (!Number.isInteger(days) || days < 1 || days > 30) {
    throw invalidInput(
      `1 validation error detected: Value '${expression}' at '${field}' failed to satisfy constraint: the rate must be 1 to 30 days`,
    );
  }
  return days;
}

/** The schedulingExpression a request sets under `config.autoTrainingConfig`, checked; undefined if none. */
export function requestedSchedule(config: unknown, field: string): string | undefined {
  const autoTraining = (config as { autoTrainingConfig?: { schedulingExpression?: unknown } } | undefined)
    ?.autoTrainingConfig;
  const expression = autoTraining?.schedulingExpression;
  if (typeof expression !== 'string') return undefined;
  schedulingDays(expression, `${field}.autoTrainingConfig.schedulingExpression`);
  return expression;
}

/** The solution's schedule: its autoTrainingConfig, or every 7 days. */
export function scheduleOf(solution: SolutionRecord): string {
  const config = solution.solutionConfig?.['autoTrainingConfig'] as
    { schedulingExpression?: string } | undefined;
  return config?.schedulingExpression ?? DEFAULT_SCHEDULING_EXPRESSION;
}

const timerKey = (solution: SolutionRecord) => `auto-training ${solution.arn}`;

/** Auto training was turned on (a new solution became ACTIVE, or an update did): the first run is due in the delay. */
export function startAutoTraining(ctx: EmulatorContext, solution: SolutionRecord): void {
  solution.autoTraining = { nextAt: ctx.clock.now() + ctx.options.autoTrainingDelayMs, first: true };
  ctx.store.touched();
  arm(ctx, solution);
}

/** No automatic version will start from now on. */
export function stopAutoTraining(ctx: EmulatorContext, solution: SolutionRecord): void {
  ctx.lifecycle.cancel(timerKey(solution));
  if (solution.autoTraining) {
    solution.autoTraining = undefined;
    ctx.store.touched();
  }
}

/** The schedule changed while auto training stays on: the next run counts from the last one. */
export function rescheduleAutoTraining(ctx: EmulatorContext, solution: SolutionRecord): void {
  const schedule = solution.autoTraining;
  if (!schedule || schedule.first) return;
  schedule.nextAt = Math.max(ctx.clock.now(), (schedule.lastAt ?? ctx.clock.now()) + periodMs(ctx, solution));
  ctx.store.touched();
  arm(ctx, solution);
}

/** A version created by hand before the first automatic one: that one is skipped. */
export function manualVersionCreated(ctx: EmulatorContext, solution: SolutionRecord): void {
  if (solution.autoTraining?.first && !solution.autoTraining.skipFirst) {
    solution.autoTraining.skipFirst = true;
    ctx.store.touched();
  }
}

/** Sets the timer for the solution's next automatic training (on start, after a restart, after a run). */
export function arm(ctx: EmulatorContext, solution: SolutionRecord): void {
  const schedule = solution.autoTraining;
  if (!schedule) {
    ctx.lifecycle.cancel(timerKey(solution));
    return;
  }
  ctx.lifecycle.at(timerKey(solution), schedule.nextAt, () => runAutoTraining(ctx, solution.arn));
}

function periodMs(ctx: EmulatorContext, solution: SolutionRecord): number {
  return schedulingDays(scheduleOf(solution), 'schedulingExpression') * ctx.options.autoTrainingDayMs;
}

/**
 * A run is due: start an AUTOTRAIN version unless this round is skipped, then schedule the next (also when
 * starting failed unexpectedly: that error reaches the lifecycle, which reports it, and the schedule holds).
 */
function runAutoTraining(ctx: EmulatorContext, solutionArn: string): void {
  const solution = ctx.store.find('solution', solutionArn);
  const schedule = solution?.autoTraining;
  if (!solution || !schedule || solution.status !== 'ACTIVE') return;
  const skip =
    schedule.first && schedule.skipFirst
      ? 'a solution version was created by hand before the first automatic training'
      : !hasNewInteractions(ctx, solution)
        ? 'no interaction data arrived since the last training'
        : undefined;
  try {
    if (skip === undefined) startAutomaticVersion(ctx, solution);
  } finally {
    const period = periodMs(ctx, solution);
    let nextAt = schedule.nextAt + period;
    while (nextAt <= ctx.clock.now()) nextAt += period; // missed while stopped: the next one in step
    solution.autoTraining = { nextAt, first: false, lastAt: schedule.nextAt };
    ctx.store.touched();
    arm(ctx, solution);
  }
}

/** Starts the round's version; a version still training (ResourceInUseException) skips the round, as on AWS. */
function startAutomaticVersion(ctx: EmulatorContext, solution: SolutionRecord): void {
  try {
    startSolutionVersion(ctx, solution, { trainingMode: 'AUTOTRAIN', trainingType: 'AUTOMATIC' });
  } catch (error) {
    if (!(error instanceof ServiceError && error.type === 'ResourceInUseException')) throw error;
    console.error(`Personalize emulator: automatic training of ${solution.arn} skipped: ${error.message}`);
  }
}

/**
 * "Automatic training occurs only if you imported bulk or real-time interaction data since the last
 * training": an event after the last ACTIVE version's data cut-off, or an interactions import that
 * finished after it started. With no ACTIVE version yet, there is data to train on by definition.
 */
function hasNewInteractions(ctx: EmulatorContext, solution: SolutionRecord): boolean {
  const trained = ctx.store
    .list('solutionVersion', (v) => v.solutionArn === solution.arn && v.status === 'ACTIVE')
    .sort((a, b) => b.creationDateTime - a.creationDateTime)[0];
  if (!trained) return true;
  if (ctx.store.hasEventsAfter(solution.datasetGroupArn, trained.dataCutoffSeq ?? 0)) return true;
  const interactions = ctx.store.list(
    'dataset',
    (d) => d.datasetGroupArn === solution.datasetGroupArn && d.datasetType === 'Interactions',
  )[0];
  return ctx.store
    .list('datasetImportJob', (j) => j.datasetArn === interactions?.arn && j.status === 'ACTIVE')
    .some((j) => j.lastUpdatedDateTime >= trained.creationDateTime);
}
