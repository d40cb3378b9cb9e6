import type { EmulatorContext } from './context';
import { invalidInput } from './errors';
import type { ItemExploration } from './model/types';
import { recipeByArn } from './recipes';
import type { SolutionVersionRecord } from './store';

/**
 * User-Personalization's exploration of new items, as the developer guide documents it:
 * - "With User-Personalization, Amazon Personalize automatically updates the latest model (solution version) every
 *   two hours behind the scenes to include new data without creating a new solution version", only "the latest
 *   solution version trained with trainingMode set to FULL and only if you provide new item or interactions data
 *   since the last automatic update" (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html,
 *   Automatic updates; https://docs.aws.amazon.com/personalize/latest/dg/use-case-recipe-features.html#automatic-updates);
 * - new items from PutItems: "Amazon Personalize automatically updates the model every two hours. After each update,
 *   the new items might be included in recommendations with exploration"
 *   (https://docs.aws.amazon.com/personalize/latest/dg/updating-existing-bulk-data.html);
 * - the campaign's itemExplorationConfig: explorationWeight 0 to 1, default 0.3, "At zero, no exploration occurs";
 *   explorationItemAgeCutOff, days since the latest interaction, default 30 (the recipe page's hyperparameters).
 * Each version's automatic updates run on the emulator's scheduler; the version records the last one.
 */

/** "every two hours". */
export const AUTOMATIC_UPDATE_MS = 2 * 60 * 60 * 1000;

/** The recipe page's defaults. */
const DEFAULT_EXPLORATION_WEIGHT = 0.3;
const DEFAULT_EXPLORATION_ITEM_AGE_CUT_OFF_DAYS = 30;

const RECIPE = 'aws-user-personalization';

/**
 * A campaignConfig's itemExplorationConfig checked as CreateCampaign and UpdateCampaign take it: a map of strings,
 * explorationWeight a decimal from 0 to 1, explorationItemAgeCutOff a number of days above 0. InvalidInputException
 * names the field.
 */
export function checkCampaignConfig(campaignConfig: unknown): void {
  if (campaignConfig === undefined || campaignConfig === null) return;
  const exploration = (campaignConfig as { itemExplorationConfig?: unknown }).itemExplorationConfig;
  if (exploration === undefined || exploration === null) return;
  if (typeof exploration !== 'object' || Array.isArray(exploration)) {
    throw invalidInput(`Value at 'campaignConfig.itemExplorationConfig' must be a map of strings`);
  }
  for (const [key, value] of Object.entries(exploration)) {
    const field = `campaignConfig.itemExplorationConfig.${key}`;
    if (typeof value !== 'string') throw invalidInput(`Value at '${field}' must be a string`);
    const number = Number(value);
    if (key === 'explorationWeight' && !(value.trim() !== '' && number >= 0 && number <= 1)) {
      throw invalidInput(`Value ${value} at '${field}' must be a decimal from 0 to 1`);
    }
    if (key === 'explorationItemAgeCutOff' && !(value.trim() !== '' && number > 0)) {
      throw invalidInput(`Value ${value} at '${field}' must be a number of days above 0`);
    }
    if (key !== 'explorationWeight' && key !== 'explorationItemAgeCutOff') {
      throw invalidInput(
        `Unknown key ${key} in 'campaignConfig.itemExplorationConfig': explorationWeight and explorationItemAgeCutOff are the ones User-Personalization takes`,
      );
    }
  }
}

/** What the model applies for a campaign's config and its version's last automatic update. */
export function itemExplorationOf(campaignConfig: unknown, version: SolutionVersionRecord): ItemExploration {
  const config = (campaignConfig as { itemExplorationConfig?: Record<string, string> } | undefined)
    ?.itemExplorationConfig;
  const weight = Number(config?.explorationWeight ?? DEFAULT_EXPLORATION_WEIGHT);
  const cutOff = Number(config?.explorationItemAgeCutOff ?? DEFAULT_EXPLORATION_ITEM_AGE_CUT_OFF_DAYS);
  return {
    weight: Number.isFinite(weight) ? weight : DEFAULT_EXPLORATION_WEIGHT,
    itemAgeCutOffDays: Number.isFinite(cutOff) ? cutOff : DEFAULT_EXPLORATION_ITEM_AGE_CUT_OFF_DAYS,
    round: version.automaticUpdate?.round ?? 0,
  };
}

/** The live-log position up to which PutItems items are in a version's catalogue. */
export function itemsSeqOf(version: SolutionVersionRecord): number {
  return version.automaticUpdate?.seq ?? version.dataCutoffSeq ?? 0;
}

export function isUserPersonalization(ctx: EmulatorContext, version: SolutionVersionRecord): boolean {
  const solution = ctx.store.find('solution', version.solutionArn);
  return recipeByArn(solution?.recipeArn ?? '')?.name === RECIPE;
}

/** A version just ACTIVE (or ACTIVE at a restart): its automatic updates start, two hours apart. */
export function startAutomaticUpdates(ctx: EmulatorContext, version: SolutionVersionRecord): void {
  if (version.status !== 'ACTIVE' || !isUserPersonalization(ctx, version)) return;
  if (version.trainingMode === 'UPDATE') return;
  if (!version.automaticUpdate) {
    version.automaticUpdate = { seq: version.dataCutoffSeq ?? 0, at: ctx.clock.now(), round: 0 };
    ctx.store.touched();
  }
  ctx.lifecycle.at(keyOf(version), version.automaticUpdate.at + updateIntervalOf(ctx), () =>
    automaticUpdate(ctx, version),
  );
}

/** After a restart: the ACTIVE versions' automatic updates are due where they were (at once if overdue). */
export function resumeAutomaticUpdates(ctx: EmulatorContext): void {
  for (const version of ctx.store.list('solutionVersion', (v) => v.status === 'ACTIVE'))
    startAutomaticUpdates(ctx, version);
}

/**
 * Runs every due automatic update now, as if two hours had passed: the side door local mode's demo page and
 * tests on the system clock use (`POST /_emulator/automatic-updates`). Returns the versions updated.
 */
export function runAutomaticUpdatesNow(ctx: EmulatorContext): string[] {
  const updated: string[] = [];
  for (const version of ctx.store.list('solutionVersion', (v) => v.status === 'ACTIVE')) {
    if (!version.automaticUpdate) continue;
    if (automaticUpdate(ctx, version)) updated.push(version.arn);
  }
  return updated;
}

/** One automatic update; false when the version no longer takes them. */
function automaticUpdate(ctx: EmulatorContext, version: SolutionVersionRecord): boolean {
  if (ctx.store.find('solutionVersion', version.arn) !== version || version.status !== 'ACTIVE') return false;
  // Only the latest FULL version is updated: a newer one stops an older one's updates.
  if (!isLatestFullVersion(ctx, version)) return false;
  const last = version.automaticUpdate ?? { seq: version.dataCutoffSeq ?? 0, at: 0, round: 0 };
  const seq = ctx.store.liveSeq;
  // No new item or interaction data since the last update: nothing to update, the round stays.
  const round = seq > last.seq ? last.round + 1 : last.round;
  version.automaticUpdate = { seq, at: ctx.clock.now(), round };
  ctx.store.touched();
  ctx.lifecycle.at(keyOf(version), version.automaticUpdate.at + updateIntervalOf(ctx), () =>
    automaticUpdate(ctx, version),
  );
  return true;
}

function isLatestFullVersion(ctx: EmulatorContext, version: SolutionVersionRecord): boolean {
  const newer = ctx.store.list(
    'solutionVersion',
    (v) =>
      v.solutionArn === version.solutionArn &&
      v !== version &&
      v.status === 'ACTIVE' &&
      v.trainingMode !== 'UPDATE' &&
      v.creationDateTime > version.creationDateTime,
  );
  return newer.length === 0;
}

function updateIntervalOf(ctx: EmulatorContext): number {
  return ctx.options.automaticUpdateMs ?? AUTOMATIC_UPDATE_MS;
}

function keyOf(version: SolutionVersionRecord): string {
  return `automatic-update:${version.arn}`;
}
