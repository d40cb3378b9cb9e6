import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from './context';
import { invalidInput, notFound } from './errors';
import {
  type Accept,
  filterValuesOf,
  requestFilter,
  requestPromotion,
  type ServedItem,
  withPromotion,
} from './filters/serving';
import type { LiveContext, RecipeName, RecommendRequest, ScoredItem, TrainedModel } from './model/types';
import { INPUT_LIST_MAX } from '../../lib/contract/recipes';
import { runtimeNeedsOf } from './recipes';
import type { CampaignRecord, SolutionVersionRecord } from './store';
import { isUserPersonalization, itemExplorationOf, itemsSeqOf } from './exploration';
import { peerPopularityOf } from './user-metadata';
import type { RequestBody } from './validation';
import {
  optionalArn,
  optionalInteger,
  optionalString,
  requiredArn,
  requiredList,
  requiredString,
} from './validation';

// The runtime API: the campaign's trained model plus what arrived since it was trained.

export function getRecommendations(ctx: EmulatorContext, body: RequestBody): unknown {
  const campaignArn = optionalArn(body, 'campaignArn');
  if (!campaignArn) {
    throw invalidInput(
      body['recommenderArn']
        ? 'Recommenders are not supported by the emulator: use a campaign'
        : 'campaignArn is required',
    );
  }
  const userId = optionalString(body, 'userId', { max: 256 });
  const itemId = optionalString(body, 'itemId', { max: 256 });
  // The model allows 0 (an unset integer in some SDKs): it means the default, 25. The documented maximum is 500.
  const numResults = optionalInteger(body, 'numResults', 0, 500) || 25;
  const filterArn = optionalArn(body, 'filterArn');
  const { campaign, version, recipe, model } = servingModel(ctx, campaignArn);
  // What each recipe type takes: lib/contract/recipes.ts (GetRecommendations' API reference).
  const needs = runtimeNeedsOf(recipe);
  if (needs.operation !== 'GetRecommendations') {
    throw invalidInput(
      `Campaign ${campaignArn} uses ${recipe} (${needs.recipeType}): call GetPersonalizedRanking`,
    );
  }
  if (needs.itemId === 'required' && !itemId)
    throw invalidInput(
      `itemId is required for campaign ${campaignArn} (recipe ${recipe}, ${needs.recipeType})`,
    );
  if (needs.userId === 'required' && !userId)
    throw invalidInput(
      `userId is required for campaign ${campaignArn} (recipe ${recipe}, ${needs.recipeType})`,
    );
  const subject = { datasetGroupArn: groupOf(ctx, version), recipe, userId, itemId };
  const accept = requestFilter(ctx, filterArn, filterValuesOf(body), subject);
  const promotion = requestPromotion(ctx, body, subject);
  const exploring = recipe === 'aws-user-personalization';
  const request = {
    userId,
    itemId,
    live: liveContext(ctx, version, recipe, userId),
    ...(exploring ? { exploration: itemExplorationOf(campaign.campaignConfig, version) } : {}),
  };
  const select = (filter: Accept | undefined, count: number) => selectTop(model, request, filter, count);
  const itemList: ServedItem[] = promotion
    ? withPromotion(numResults, promotion, select, accept)
    : select(accept, numResults);
  const recommendationId = newRecommendationId();
  ctx.impressions.remember(
    recommendationId,
    subject.datasetGroupArn,
    itemList.map((item) => item.itemId),
  );
  return {
    itemList: itemList.map(({ itemId, score, promotionName }) => ({
      itemId,
      score,
      ...(promotionName !== undefined ? { promotionName } : {}),
    })),
    recommendationId,
  };
}

/** The model's best `count` items that `accept` lets through: the model honours it in its own top-N selection. */
function selectTop(
  model: TrainedModel,
  request: Omit<RecommendRequest, 'numResults'>,
  accept: Accept | undefined,
  count: number,
): ScoredItem[] {
  if (count <= 0) return [];
  return model.recommend({ ...request, numResults: count, ...(accept ? { accept } : {}) }).slice(0, count);
}

export function getPersonalizedRanking(ctx: EmulatorContext, body: RequestBody): unknown {
  const campaignArn = requiredArn(body, 'campaignArn');
  const userId = requiredString(body, 'userId', { max: 256 });
  const inputList = requiredList(body, 'inputList', 1, INPUT_LIST_MAX).map((v, i) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > 256) {
      throw invalidInput(
        `Value at 'inputList.${i + 1}' failed to satisfy constraint: Member must be a string of length 1 to 256`,
      );
    }
    return v;
  });
  const filterArn = optionalArn(body, 'filterArn');
  const { version, recipe, model } = servingModel(ctx, campaignArn);
  const needs = runtimeNeedsOf(recipe);
  if (needs.operation !== 'GetPersonalizedRanking') {
    throw invalidInput(
      `Campaign ${campaignArn} uses ${recipe} (${needs.recipeType}): GetPersonalizedRanking needs a PERSONALIZED_RANKING recipe`,
    );
  }
  const accept = requestFilter(ctx, filterArn, filterValuesOf(body), {
    datasetGroupArn: groupOf(ctx, version),
    recipe,
    userId,
  });
  // A filter removes the items it excludes from the ranking.
  const ranked = model.rank({
    userId,
    itemIds: inputList,
    live: liveContext(ctx, version, recipe, userId),
    ...(accept ? { accept } : {}),
  });
  const recommendationId = newRecommendationId();
  ctx.impressions.remember(
    recommendationId,
    groupOf(ctx, version),
    ranked.map((item) => item.itemId),
  );
  return {
    // Items without training interactions come last, with no score member at all.
    personalizedRanking: ranked.map(({ itemId, score }) =>
      score === undefined ? { itemId } : { itemId, score },
    ),
    recommendationId,
  };
}

/** The model the campaign serves, loaded from its snapshot on first use. */
function servingModel(
  ctx: EmulatorContext,
  campaignArn: string,
): {
  campaign: CampaignRecord;
  version: SolutionVersionRecord;
  recipe: RecipeName;
  model: TrainedModel;
} {
  const campaign = ctx.store.find('campaign', campaignArn);
  if (!campaign) throw notFound(`Could not find campaign ${campaignArn}`);
  if (!(campaign.status === 'ACTIVE' || campaign.status.startsWith('UPDATE'))) {
    throw notFound(`Campaign ${campaignArn} is not ACTIVE (status: ${campaign.status})`);
  }
  const version = ctx.store.find('solutionVersion', campaign.solutionVersionArn);
  const solution = version && ctx.store.find('solution', version.solutionArn);
  if (!version || !solution)
    throw notFound(
      `Solution version ${campaign.solutionVersionArn} of campaign ${campaignArn} no longer exists`,
    );
  let model = ctx.loadedModels.get(version.arn);
  if (!model) {
    const snapshot = ctx.store.loadModelSnapshot(version.arn);
    if (snapshot === undefined)
      throw notFound(`The model of solution version ${version.arn} is not available`);
    model = ctx.options.models.loadModel(snapshot);
    releaseUnservedModels(ctx);
    ctx.loadedModels.set(version.arn, model);
  }
  return { campaign, version, recipe: model.recipe, model };
}

/**
 * Drops the loaded models (and user metadata) of versions no campaign serves (a campaign updated to a newer version, a version
 * trained and never deployed): their memory is reclaimed, and a later request loads one again from its snapshot.
 */
export function releaseUnservedModels(ctx: EmulatorContext): void {
  const served = new Set(
    ctx.store
      .list('campaign')
      .flatMap((c) => [c.solutionVersionArn, c.latestCampaignUpdate?.solutionVersionArn ?? '']),
  );
  for (const arn of ctx.loadedModels.keys()) if (!served.has(arn)) ctx.loadedModels.delete(arn);
  // What those versions learned from the Users dataset goes with them, when the state directory has it to load again.
  if (ctx.store.persistent)
    for (const arn of ctx.peerPopularity.keys()) if (!served.has(arn)) ctx.peerPopularity.delete(arn);
}

/**
 * How many of a user's events since training shape their next recommendations: the newest, which weigh most.
 * A bound, so a recommendation costs the same for a user who sent a million events as for one who sent ten;
 * the store keeps each user's newest events reduced to their items as they arrive, so a request reads no event.
 */
const LIVE_PROFILE_EVENTS = 200;

/**
 * Events, items and popularity that arrived after the version's training data was cut off, as each recipe takes
 * them. Items added with PutItems count only from the next solution version, as the developer guide documents
 * each recipe, except User-Personalization, which brings them in at its automatic updates every two hours
 * (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html). The others:
 * - Popularity-Count: "you must manually create a new solution version (retrain the model) for Amazon Personalize
 *   to consider new items for recommendations and update the model with your user's most recent behavior"
 *   (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-popularity.html): neither new items nor the
 *   events since training change its list.
 * - Personalized-Ranking: its page, too, asks for a new solution version, created by hand, to keep the model up to
 *   date (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-search.html), and an item of the
 *   inputList without interactions data comes back without a score: one added since training comes last, unscored.
 *   Its user's events since training still count (the batch page: "If you use a USER_PERSONALIZATION or
 *   PERSONALIZED_RANKING recipe, Amazon Personalize considers new item interactions data with existing items and
 *   users").
 * - SIMS and Similar-Items: an item the version does not know is an item ID not found, and "the recipe returns
 *   popular items" (https://docs.aws.amazon.com/personalize/latest/dg/related-items-recipes.html).
 * - Trending-Now considers new items from interactions data without retraining
 *   (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-trending-now.html): an item enters its list
 *   with its events, never from the Items dataset.
 * For batch recommendations the guide says it of all but User-Personalization in one place: "For any other recipe,
 * you must create a new solution version to include new items"
 * (https://docs.aws.amazon.com/personalize/latest/dg/how-new-data-influences-batch-recommendations.html).
 */
function liveContext(
  ctx: EmulatorContext,
  version: SolutionVersionRecord,
  recipe: RecipeName,
  userId: string | undefined,
): LiveContext {
  const group = groupOf(ctx, version);
  const cutoff = version.dataCutoffSeq ?? 0;
  const userPersonalization = isUserPersonalization(ctx, version);
  const impressions = userPersonalization && userId ? ctx.impressions.ignoredBy(group, userId) : undefined;
  // What the version learned from the Users dataset about this user (user-metadata.ts).
  const peerPopularity = userId ? peerPopularityOf(ctx, version, userId) : undefined;
  return {
    userEvents: userId ? ctx.store.userItemsAfter(group, userId, cutoff, LIVE_PROFILE_EVENTS) : [],
    // Items added with PutItems since training: User-Personalization takes them in at its automatic updates
    // (exploration.ts); every other recipe only with a new solution version (above).
    newItems: userPersonalization ? ctx.store.itemsAfter(group, cutoff, itemsSeqOf(version)) : [],
    // Popularity-Count follows events only once retrained, as its page says.
    ...(recipe === 'aws-popularity-count'
      ? {}
      : { recentPopularity: ctx.store.recentPopularityAfter(group, cutoff) }),
    ...(impressions ? { impressions } : {}),
    ...(peerPopularity ? { peerPopularity } : {}),
  };
}

function groupOf(ctx: EmulatorContext, version: SolutionVersionRecord): string {
  return ctx.store.find('solution', version.solutionArn)?.datasetGroupArn ?? '';
}

/** Personalize's recommendationId: at most 40 characters. */
function newRecommendationId(): string {
  return `RID-${randomUUID().replace(/-/g, '')}`.slice(0, 40);
}
