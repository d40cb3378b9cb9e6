/**
 * `GET /status`: what exists in this stack's dataset group and how far along it is. Read-only: it lists the
 * two datasets' import jobs, the solution's versions, its campaigns, the group's event trackers and filters,
 * each newest first, describes each event tracker for its tracking id and each filter for its expression (only trackers this stack's function may
 * describe: those carrying the owner tag, ownership.ts). The resources come from environment variables the
 * stack fills (lib/contract/api-routes.ts `StackValue`).
 */
import {
  DescribeEventTrackerCommand,
  DescribeFilterCommand,
  paginateListCampaigns,
  paginateListDatasetImportJobs,
  paginateListEventTrackers,
  paginateListFilters,
  paginateListSolutionVersions,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { isServiceError } from './service-errors';
import { STATUS_ENV } from '../../lib/contract/function-environment';

export type StatusTarget = { readonly [K in keyof typeof STATUS_ENV]: string };

interface ImportJobStatus {
  datasetImportJobArn: string;
  jobName: string;
  datasetType: 'Interactions' | 'Items';
  status: string;
  creationDateTime: string;
  failureReason?: string;
}

interface SolutionVersionStatus {
  solutionVersionArn: string;
  status: string;
  trainingMode?: string;
  creationDateTime: string;
  failureReason?: string;
}

interface CampaignStatus {
  campaignArn: string;
  name: string;
  status: string;
  creationDateTime: string;
  failureReason?: string;
}

interface EventTrackerStatus {
  eventTrackerArn: string;
  name: string;
  status: string;
  creationDateTime: string;
  /** Absent for a tracker this stack's role may not describe (not created by this stack's API). */
  trackingId?: string;
}

/** A filter of the group, with the fields DescribeFilter names. */
interface FilterStatus {
  name: string;
  filterArn: string;
  /** Absent for a filter this stack's function may not describe (not one the stack declares). */
  filterExpression?: string;
  status: string;
  creationDateTime: string;
  failureReason?: string;
}

/** The response of `GET /status`. */
export interface StackStatus {
  datasetGroupArn: string;
  importJobs: ImportJobStatus[];
  solutionVersions: SolutionVersionStatus[];
  campaigns: CampaignStatus[];
  eventTrackers: EventTrackerStatus[];
  filters: FilterStatus[];
}

/** The resources to report on, from the function's environment; a missing variable is a configuration error. */
export function statusTargetFromEnv(env: NodeJS.ProcessEnv = process.env): StatusTarget {
  const missing = Object.values(STATUS_ENV).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} not set: the function does not know which resources to report on`);
  }
  return {
    datasetGroupArn: env[STATUS_ENV.datasetGroupArn] as string,
    solutionArn: env[STATUS_ENV.solutionArn] as string,
    interactionsDatasetArn: env[STATUS_ENV.interactionsDatasetArn] as string,
    itemsDatasetArn: env[STATUS_ENV.itemsDatasetArn] as string,
  };
}

/** ISO 8601, as the contract has dates (`1970-01-01T00:00:00.000Z` when the service gave none). */
function iso(date: Date | undefined): string {
  return (date ?? new Date(0)).toISOString();
}

/** `failureReason` when there is one: the key is absent otherwise. */
function failure(reason: string | undefined): { failureReason?: string } {
  return reason ? { failureReason: reason } : {};
}

const newestFirst = <T extends { creationDateTime: string }>(items: T[]): T[] =>
  items.sort((a, b) => b.creationDateTime.localeCompare(a.creationDateTime));

async function importJobsOf(
  client: PersonalizeClient,
  datasetArn: string,
  datasetType: ImportJobStatus['datasetType'],
): Promise<ImportJobStatus[]> {
  const jobs: ImportJobStatus[] = [];
  for await (const page of paginateListDatasetImportJobs({ client }, { datasetArn })) {
    for (const job of page.datasetImportJobs ?? []) {
      jobs.push({
        datasetImportJobArn: job.datasetImportJobArn ?? '',
        jobName: job.jobName ?? '',
        datasetType,
        status: job.status ?? '',
        creationDateTime: iso(job.creationDateTime),
        ...failure(job.failureReason),
      });
    }
  }
  return jobs;
}

async function solutionVersionsOf(
  client: PersonalizeClient,
  solutionArn: string,
): Promise<SolutionVersionStatus[]> {
  const versions: SolutionVersionStatus[] = [];
  for await (const page of paginateListSolutionVersions({ client }, { solutionArn })) {
    for (const version of page.solutionVersions ?? []) {
      versions.push({
        solutionVersionArn: version.solutionVersionArn ?? '',
        status: version.status ?? '',
        ...(version.trainingMode ? { trainingMode: version.trainingMode } : {}),
        creationDateTime: iso(version.creationDateTime),
        ...failure(version.failureReason),
      });
    }
  }
  return versions;
}

async function campaignsOf(client: PersonalizeClient, solutionArn: string): Promise<CampaignStatus[]> {
  const campaigns: CampaignStatus[] = [];
  for await (const page of paginateListCampaigns({ client }, { solutionArn })) {
    for (const campaign of page.campaigns ?? []) {
      campaigns.push({
        campaignArn: campaign.campaignArn ?? '',
        name: campaign.name ?? '',
        status: campaign.status ?? '',
        creationDateTime: iso(campaign.creationDateTime),
        ...failure(campaign.failureReason),
      });
    }
  }
  return campaigns;
}

/**
 * The tracking id of a tracker, if this function may read it. The policy allows DescribeEventTracker only on
 * trackers with the owner tag: another application's tracker in the group is denied (and one deleted since
 * the listing is gone); either is listed without a tracking id. Any other failure fails the request.
 */
async function trackingIdOf(client: PersonalizeClient, eventTrackerArn: string): Promise<string | undefined> {
  try {
    const output = await client.send(new DescribeEventTrackerCommand({ eventTrackerArn }));
    return output.eventTracker?.trackingId || undefined;
  } catch (error) {
    if (isServiceError(error, 'AccessDeniedException', 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

async function eventTrackersOf(
  client: PersonalizeClient,
  datasetGroupArn: string,
): Promise<EventTrackerStatus[]> {
  const trackers: EventTrackerStatus[] = [];
  for await (const page of paginateListEventTrackers({ client }, { datasetGroupArn })) {
    for (const tracker of page.eventTrackers ?? []) {
      const eventTrackerArn = tracker.eventTrackerArn ?? '';
      const trackingId = eventTrackerArn ? await trackingIdOf(client, eventTrackerArn) : undefined;
      trackers.push({
        eventTrackerArn,
        name: tracker.name ?? '',
        status: tracker.status ?? '',
        creationDateTime: iso(tracker.creationDateTime),
        ...(trackingId ? { trackingId } : {}),
      });
    }
  }
  return trackers;
}

/**
 * The expression of a filter, if this function may read it: the policy allows DescribeFilter on the stack's
 * own filters (by ARN); another one in the group is denied (or gone since the listing) and listed without.
 */
async function expressionOf(client: PersonalizeClient, filterArn: string): Promise<string | undefined> {
  try {
    return (await client.send(new DescribeFilterCommand({ filterArn }))).filter?.filterExpression;
  } catch (error) {
    if (isServiceError(error, 'AccessDeniedException', 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

async function filtersOf(client: PersonalizeClient, datasetGroupArn: string): Promise<FilterStatus[]> {
  const filters: FilterStatus[] = [];
  for await (const page of paginateListFilters({ client }, { datasetGroupArn })) {
    for (const filter of page.Filters ?? []) {
      const filterArn = filter.filterArn ?? '';
      const filterExpression = filterArn ? await expressionOf(client, filterArn) : undefined;
      filters.push({
        name: filter.name ?? '',
        filterArn,
        ...(filterExpression ? { filterExpression } : {}),
        status: filter.status ?? '',
        creationDateTime: iso(filter.creationDateTime),
        ...failure(filter.failureReason),
      });
    }
  }
  return filters;
}

/** The status of the stack's resources, each list newest first. */
export async function stackStatus(client: PersonalizeClient, target: StatusTarget): Promise<StackStatus> {
  const [interactionsJobs, itemsJobs, solutionVersions, campaigns, eventTrackers, filters] =
    await Promise.all([
      importJobsOf(client, target.interactionsDatasetArn, 'Interactions'),
      importJobsOf(client, target.itemsDatasetArn, 'Items'),
      solutionVersionsOf(client, target.solutionArn),
      campaignsOf(client, target.solutionArn),
      eventTrackersOf(client, target.datasetGroupArn),
      filtersOf(client, target.datasetGroupArn),
    ]);
  return {
    datasetGroupArn: target.datasetGroupArn,
    importJobs: newestFirst([...interactionsJobs, ...itemsJobs]),
    solutionVersions: newestFirst(solutionVersions),
    campaigns: newestFirst(campaigns),
    eventTrackers: newestFirst(eventTrackers),
    filters: newestFirst(filters),
  };
}
