/**
 * The Personalize operations behind the HTTP routes. Each takes its SDK client as a parameter, so it is
 * testable without Lambda; the handlers in lambda/ only parse, call one of these, and respond. What they
 * create is tagged with the owner tags (ownership.ts `ownerTags()`), which the IAM policies require.
 */
import {
  CreateCampaignCommand,
  type CreateCampaignCommandOutput,
  CreateEventTrackerCommand,
  type CreateEventTrackerCommandOutput,
  CreateSolutionVersionCommand,
  type CreateSolutionVersionCommandOutput,
  DeleteCampaignCommand,
  type DeleteCampaignCommandOutput,
  DeleteEventTrackerCommand,
  type DeleteEventTrackerCommandOutput,
  DescribeCampaignCommand,
  DescribeSolutionVersionCommand,
  type PersonalizeClient,
  type Tag,
} from '@aws-sdk/client-personalize';
import {
  GetPersonalizedRankingCommand,
  type GetPersonalizedRankingCommandOutput,
  GetRecommendationsCommand,
  type GetRecommendationsCommandOutput,
  type PersonalizeRuntimeClient,
} from '@aws-sdk/client-personalize-runtime';
import type * as z from 'zod';
import { HttpError, NotFoundError, toHttpError } from './errors';
import type * as requests from '../../lib/contract/requests';
import { isServiceError } from './service-errors';
import { DEFAULT_FILTER_ENV } from '../../lib/contract/function-environment';

/** Training mode when the request gives none: a full retraining, as in the seed. */
/** Every item of every page of a List operation, from its SDK paginator (`paginateList...`). */
export async function allItems<Page, T>(
  pages: AsyncIterable<Page>,
  items: (page: Page) => T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}

const DEFAULT_TRAINING_MODE = 'FULL';
/** Campaign capacity when the request gives none: the minimum, since provisioned TPS bills per hour. */
const DEFAULT_MIN_PROVISIONED_TPS = 1;

export const CAMPAIGN_NOT_FOUND_MESSAGE = 'Campaign is deleted or does not exist';

export function createSolutionVersion(
  client: PersonalizeClient,
  request: z.output<typeof requests.createSolutionVersionRequest>,
  tags: Tag[],
): Promise<CreateSolutionVersionCommandOutput> {
  return client.send(
    new CreateSolutionVersionCommand({
      solutionArn: request.solutionArn,
      name: request.version,
      trainingMode: request.trainingMode ?? DEFAULT_TRAINING_MODE,
      tags,
    }),
  );
}

/** The solution version's status, e.g. `CREATE IN_PROGRESS` or `ACTIVE`. */
export async function describeSolutionVersionStatus(
  client: PersonalizeClient,
  request: z.output<typeof requests.describeSolutionVersionRequest>,
): Promise<string> {
  const output = await client.send(
    new DescribeSolutionVersionCommand({ solutionVersionArn: request.solutionVersionArn }),
  );
  const status = output.solutionVersion?.status;
  if (status === undefined) throw new Error('DescribeSolutionVersion returned no status');
  return status;
}

export function createCampaign(
  client: PersonalizeClient,
  request: z.output<typeof requests.createCampaignRequest>,
  tags: Tag[],
): Promise<CreateCampaignCommandOutput> {
  return client.send(
    new CreateCampaignCommand({
      name: request.name,
      solutionVersionArn: request.solutionVersionArn,
      minProvisionedTPS: request.minProvisionedTPS ?? DEFAULT_MIN_PROVISIONED_TPS,
      ...(request.campaignConfig === undefined ? {} : { campaignConfig: request.campaignConfig }),
      tags,
    }),
  );
}

/** The campaign's status; an unknown campaign is a 404 with the seed's message. */
export async function describeCampaignStatus(
  client: PersonalizeClient,
  request: z.output<typeof requests.describeCampaignRequest>,
): Promise<string> {
  try {
    const output = await client.send(new DescribeCampaignCommand({ campaignArn: request.campaignArn }));
    const status = output.campaign?.status;
    if (status === undefined) throw new Error('DescribeCampaign returned no status');
    return status;
  } catch (error) {
    if (isServiceError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(CAMPAIGN_NOT_FOUND_MESSAGE);
    }
    throw error;
  }
}

export function createEventTracker(
  client: PersonalizeClient,
  request: z.output<typeof requests.createEventTrackerRequest>,
  tags: Tag[],
): Promise<CreateEventTrackerCommandOutput> {
  return client.send(
    new CreateEventTrackerCommand({ name: request.name, datasetGroupArn: request.datasetGroupArn, tags }),
  );
}

export function getRecommendations(
  client: PersonalizeRuntimeClient,
  query: z.output<typeof requests.getRecommendationsQuery>,
  defaultFilterArn: string | undefined = process.env[DEFAULT_FILTER_ENV] || undefined,
): Promise<GetRecommendationsCommandOutput> {
  const filterArn = query.filterArn ?? defaultFilterArn;
  return client.send(
    new GetRecommendationsCommand({
      campaignArn: query.campaignArn,
      ...(query.userId === undefined ? {} : { userId: query.userId }),
      ...(query.itemId === undefined ? {} : { itemId: query.itemId }),
      ...(query.numResults === undefined ? {} : { numResults: query.numResults }),
      ...(filterArn === undefined ? {} : { filterArn }),
      ...(query.filterValues === undefined ? {} : { filterValues: query.filterValues }),
      ...(query.promotionFilterArn === undefined
        ? {}
        : {
            promotions: [
              {
                name: query.promotionName ?? 'promotion',
                percentPromotedItems: query.promotionPercent,
                filterArn: query.promotionFilterArn,
                ...(query.promotionFilterValues === undefined
                  ? {}
                  : { filterValues: query.promotionFilterValues }),
              },
            ],
          }),
    }),
  );
}

/** The items of the request's inputList ordered for the user; items without training interactions last, unscored. */
export function getPersonalizedRanking(
  client: PersonalizeRuntimeClient,
  request: z.output<typeof requests.getPersonalizedRankingRequest>,
): Promise<GetPersonalizedRankingCommandOutput> {
  return client.send(
    new GetPersonalizedRankingCommand({
      campaignArn: request.campaignArn,
      userId: request.userId,
      inputList: request.inputList,
    }),
  );
}

/** What happened to one of the two resources `DELETE /deleteResources` deletes. */
type DeletionOutcome<Output> =
  | { readonly deleted: true; readonly response: Output }
  | { readonly deleted: false; readonly error: { readonly code: string; readonly message: string } };

/** The outcome of each deletion asked for (a resource not named in the request has none). */
export interface DeletionResult {
  readonly campaign?: DeletionOutcome<DeleteCampaignCommandOutput>;
  readonly eventTracker?: DeletionOutcome<DeleteEventTrackerCommandOutput>;
}

/** A settled promise, with the type Promise.allSettled gives. */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

function outcomeOf<Output>(settled: PromiseSettledResult<Output>): DeletionOutcome<Output> {
  if (settled.status === 'fulfilled') return { deleted: true, response: settled.value };
  const error = toHttpError(settled.reason);
  return { deleted: false, error: { code: error.code, message: error.message } };
}

/**
 * Deletes the campaign and the event tracker. Both deletions are always attempted, independently: one
 * failing never leaves the other undone. If either fails, throws an HttpError with the status of the
 * failure (the higher one if both fail: a 500 outranks a 404), a message naming what failed, and both
 * outcomes in its details, so the caller knows which resource still exists.
 */
export async function deleteCampaignAndEventTracker(
  client: PersonalizeClient,
  request: z.output<typeof requests.deleteResourcesRequest>,
): Promise<DeletionResult> {
  const { campaignArn, eventTrackerArn } = request;
  const [campaign, eventTracker] = await Promise.all([
    campaignArn === undefined ? undefined : settle(client.send(new DeleteCampaignCommand({ campaignArn }))),
    eventTrackerArn === undefined
      ? undefined
      : settle(client.send(new DeleteEventTrackerCommand({ eventTrackerArn }))),
  ]);
  const result: DeletionResult = {
    ...(campaign && { campaign: outcomeOf(campaign) }),
    ...(eventTracker && { eventTracker: outcomeOf(eventTracker) }),
  };
  const failures = [
    campaign?.status === 'rejected'
      ? { field: 'campaignArn', error: toHttpError(campaign.reason) }
      : undefined,
    eventTracker?.status === 'rejected'
      ? { field: 'eventTrackerArn', error: toHttpError(eventTracker.reason) }
      : undefined,
  ].filter((failure) => failure !== undefined);
  if (failures.length === 0) return result;

  const worst = failures.reduce((a, b) => (b.error.statusCode > a.error.statusCode ? b : a));
  const message = failures.map(({ field, error }) => `${field}: ${error.message}`).join('; ');
  const deleted = [result.campaign?.deleted && 'campaign', result.eventTracker?.deleted && 'event tracker'];
  const done = deleted.find((what) => typeof what === 'string');
  throw new HttpError(
    worst.error.statusCode,
    worst.error.code,
    `${message} (${done ? `the ${done} was deleted` : 'nothing was deleted'})`,
    { ...result },
    { cause: worst.error.cause },
  );
}
