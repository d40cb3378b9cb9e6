/**
 * Custom resource handler (onEvent + isComplete of a custom-resources Provider) that, when the stack is
 * deleted, removes what the API created at run time: the solution's campaigns, the dataset group's event
 * trackers, and stops solution versions still training. CloudFormation cannot delete the solution or the
 * dataset group while any of them exists. When a stack update replaces the solution (or the dataset group
 * and the solution), the physical id changes, so the same Delete runs for the old ones after the update.
 */
import {
  DeleteCampaignCommand,
  DeleteEventTrackerCommand,
  paginateListCampaigns,
  paginateListEventTrackers,
  paginateListSolutions,
  paginateListSolutionVersions,
  PersonalizeClient,
  StopSolutionVersionCreationCommand,
} from '@aws-sdk/client-personalize';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { IsCompleteResponse, OnEventResponse } from './shared/custom-resource';
import { logger } from './shared/logger';
import { OWNER_TAG_ENV, OWNER_TAG_KEY } from '../lib/contract/ownership';
import { allItems } from './shared/personalize';
import { isServiceError, serviceErrorName } from './shared/service-errors';

const personalize = new PersonalizeClient({});

interface CleanupTarget {
  readonly datasetGroupArn: string;
  readonly solutionArn: string;
}

/** What still exists after one pass; the delete is complete when it is empty. */
interface CleanupProgress {
  readonly remaining: string[];
}

const TRAINING_STATUSES = new Set(['CREATE PENDING', 'CREATE IN_PROGRESS']);
const STOPPING_STATUS = 'CREATE STOPPING';

/**
 * Runs `call` on `arn`, treating "already gone" as success and "in use" as `inUse` says. The
 * function's policy allows deleting only campaigns and trackers with this stack's owner tag: an access
 * denial means one the API did not create, which the stack must not delete, and which blocks deleting the
 * solution or the dataset group; the error says so.
 */
async function attempt(
  arn: string,
  call: () => Promise<unknown>,
  inUse: 'gone' | 'later' = 'later',
): Promise<'done' | 'gone' | 'later'> {
  try {
    await call();
    return 'done';
  } catch (error) {
    const name = serviceErrorName(error);
    if (name === 'ResourceNotFoundException') return 'gone';
    // A campaign or tracker still being created cannot be deleted yet (the next pass retries); a version
    // that cannot be stopped has just finished training (the next listing shows its final status).
    if (name === 'ResourceInUseException') return inUse;
    if (name === 'AccessDeniedException') {
      const owner = `${OWNER_TAG_KEY}=${process.env[OWNER_TAG_ENV] ?? '<stack name>'}`;
      throw new Error(
        `${arn} does not carry this stack's tag ${owner}, so the stack may not delete it (it was not created by this stack's API). Delete it yourself, then delete the stack again.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Every item of every page, treating a parent that no longer exists as having no children. */
async function listAll<Page, T>(
  pages: AsyncIterable<Page>,
  items: (page: Page) => T[] | undefined,
): Promise<T[]> {
  try {
    return await allItems(pages, items);
  } catch (error) {
    if (isServiceError(error, 'ResourceNotFoundException')) return [];
    throw error;
  }
}

/** A listed campaign or event tracker: its ARN and status. */
interface Listed {
  readonly arn?: string;
  readonly status?: string;
}

/** Asks to delete each resource not already on its way out; returns the ARNs that still exist. */
async function deleteEach(
  listed: readonly Listed[],
  remove: (arn: string) => Promise<unknown>,
): Promise<string[]> {
  const remaining: string[] = [];
  for (const { arn, status } of listed) {
    if (!arn) continue;
    if (status?.startsWith('DELETE')) {
      remaining.push(arn);
      continue;
    }
    if ((await attempt(arn, () => remove(arn))) !== 'gone') remaining.push(arn);
  }
  return remaining;
}

async function deleteCampaigns(client: PersonalizeClient, target: CleanupTarget): Promise<string[]> {
  const campaigns = await listAll(
    paginateListCampaigns({ client }, { solutionArn: target.solutionArn }),
    (page) => page.campaigns,
  );
  return deleteEach(
    campaigns.map((campaign) => ({ arn: campaign.campaignArn, status: campaign.status })),
    (arn) => client.send(new DeleteCampaignCommand({ campaignArn: arn })),
  );
}

async function deleteEventTrackers(client: PersonalizeClient, target: CleanupTarget): Promise<string[]> {
  const trackers = await listAll(
    paginateListEventTrackers({ client }, { datasetGroupArn: target.datasetGroupArn }),
    (page) => page.eventTrackers,
  );
  return deleteEach(
    trackers.map((tracker) => ({ arn: tracker.eventTrackerArn, status: tracker.status })),
    (arn) => client.send(new DeleteEventTrackerCommand({ eventTrackerArn: arn })),
  );
}

/** Stops the solution's versions still training (they block deleting it); returns those not stopped yet. */
async function stopTrainingVersions(client: PersonalizeClient, target: CleanupTarget): Promise<string[]> {
  const versions = await listAll(
    paginateListSolutionVersions({ client }, { solutionArn: target.solutionArn }),
    (page) => page.solutionVersions,
  );
  const remaining: string[] = [];
  for (const version of versions) {
    if (!version.solutionVersionArn || !version.status) continue;
    const arn = version.solutionVersionArn;
    // A training version blocks deleting the solution; a finished one is deleted with it.
    if (TRAINING_STATUSES.has(version.status)) {
      // Whatever its trainingMode: an automatic version blocks the delete as a manual one does.
      const outcome = await attempt(
        arn,
        () => client.send(new StopSolutionVersionCreationCommand({ solutionVersionArn: arn })),
        'gone',
      );
      if (outcome !== 'gone') remaining.push(arn);
    } else if (version.status === STOPPING_STATUS) {
      remaining.push(arn);
    }
  }
  return remaining;
}

/**
 * True when the dataset group holds a live solution other than the target's: the group is not being deleted
 * (the stack replaced only the solution, e.g. for a new recipe), so its event tracker still serves the new
 * solution and is kept.
 */
async function groupOutlivesSolution(client: PersonalizeClient, target: CleanupTarget): Promise<boolean> {
  const solutions = await listAll(
    paginateListSolutions({ client }, { datasetGroupArn: target.datasetGroupArn }),
    (page) => page.solutions,
  );
  return solutions.some(
    (solution) => solution.solutionArn !== target.solutionArn && !solution.status?.startsWith('DELETE'),
  );
}

/**
 * One cleanup pass: asks Personalize to delete each campaign of the solution and each event tracker of the
 * dataset group (unless the group outlives the solution), and to stop each training solution version, not
 * already on its way out; returns what still exists.
 */
async function cleanUpRunTimeResources(
  client: PersonalizeClient,
  target: CleanupTarget,
): Promise<CleanupProgress> {
  const campaigns = await deleteCampaigns(client, target);
  const trackers = (await groupOutlivesSolution(client, target))
    ? []
    : await deleteEventTrackers(client, target);
  const versions = await stopTrainingVersions(client, target);
  return { remaining: [...campaigns, ...trackers, ...versions] };
}

function targetOf(properties: Record<string, unknown> | undefined): CleanupTarget {
  const { DatasetGroupArn, SolutionArn } = properties ?? {};
  if (typeof DatasetGroupArn !== 'string' || typeof SolutionArn !== 'string') {
    throw new Error('PersonalizeCleanup needs the properties DatasetGroupArn and SolutionArn');
  }
  return { datasetGroupArn: DatasetGroupArn, solutionArn: SolutionArn };
}

/**
 * The physical id names the dataset group and solution cleaned up. When an update replaces either, the id
 * changes, so CloudFormation sends Delete with the old properties once the update succeeds: the old
 * solution's campaigns (and the old group's trackers) go before CloudFormation deletes the old resources.
 */
function physicalIdOf(target: CleanupTarget): string {
  return `${target.datasetGroupArn}|${target.solutionArn}`;
}

function sameTarget(a: CleanupTarget, b: CleanupTarget): boolean {
  return a.datasetGroupArn === b.datasetGroupArn && a.solutionArn === b.solutionArn;
}

export function onEvent(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<OnEventResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, () => handleEvent(event));
}

async function handleEvent(event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> {
  const target = targetOf(event.ResourceProperties);
  if (event.RequestType === 'Create') {
    return { PhysicalResourceId: physicalIdOf(target) };
  }
  if (event.RequestType === 'Update') {
    // Unchanged targets keep whatever id they have (a new id would delete live campaigns). Old properties
    // with neither ARN (a resource created before they were passed) compare as unchanged; anything else
    // that is not a target fails the update with targetOf's message instead of passing as unchanged.
    const oldProperties = event.OldResourceProperties;
    const old =
      oldProperties['DatasetGroupArn'] === undefined && oldProperties['SolutionArn'] === undefined
        ? undefined
        : targetOf(oldProperties);
    const replaced = old !== undefined && !sameTarget(old, target);
    return { PhysicalResourceId: replaced ? physicalIdOf(target) : event.PhysicalResourceId };
  }
  const progress = await cleanUpRunTimeResources(personalize, target);
  logger.info('Cleanup started', { ...target, remaining: progress.remaining });
  return { PhysicalResourceId: event.PhysicalResourceId };
}

export function isComplete(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<IsCompleteResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, () => checkCompletion(event));
}

async function checkCompletion(event: CloudFormationCustomResourceEvent): Promise<IsCompleteResponse> {
  if (event.RequestType !== 'Delete') return { IsComplete: true };
  const target = targetOf(event.ResourceProperties);
  // Each poll retries what could not be deleted yet (a campaign still being created, for one).
  const progress = await cleanUpRunTimeResources(personalize, target);
  logger.info('Cleanup progress', { ...target, remaining: progress.remaining });
  return { IsComplete: progress.remaining.length === 0 };
}
