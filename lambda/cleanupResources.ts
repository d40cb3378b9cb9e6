/**
 * Custom resource handler (onEvent + isComplete of a custom-resources Provider) that, when the stack is
 * deleted, removes what the API created at run time: the solution's campaigns, the dataset group's event
 * trackers, and stops solution versions still training. CloudFormation cannot delete the solution or the
 * dataset group while any of them exists.
 */
import {
  DeleteCampaignCommand,
  DeleteEventTrackerCommand,
  ListCampaignsCommand,
  ListEventTrackersCommand,
  ListSolutionVersionsCommand,
  PersonalizeClient,
  StopSolutionVersionCreationCommand,
} from '@aws-sdk/client-personalize';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { logger } from './shared/logger';
import { OWNER_TAG_ENV, OWNER_TAG_KEY } from './shared/ownership';

const personalize = new PersonalizeClient({});

export interface CleanupTarget {
  readonly datasetGroupArn: string;
  readonly solutionArn: string;
}

/** What still exists after one pass; the delete is complete when it is empty. */
export interface CleanupProgress {
  readonly remaining: string[];
}

const TRAINING_STATUSES = new Set(['CREATE PENDING', 'CREATE IN_PROGRESS']);
const STOPPING_STATUS = 'CREATE STOPPING';

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined;
}

/**
 * Runs `call` on `arn`, treating "already gone" as success and "not deletable yet" as retry-later. The
 * function's policy allows deleting only campaigns and trackers with this stack's owner tag: an access
 * denial means one the API did not create, which the stack must not delete, and which blocks deleting the
 * solution or the dataset group; the error says so.
 */
async function attempt(arn: string, call: () => Promise<unknown>): Promise<'done' | 'gone' | 'later'> {
  try {
    await call();
    return 'done';
  } catch (error) {
    const name = errorName(error);
    if (name === 'ResourceNotFoundException') return 'gone';
    // A campaign or tracker still being created cannot be deleted yet; the next pass retries.
    if (name === 'ResourceInUseException') return 'later';
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

/** Lists every page, treating a parent that no longer exists as having no children. */
async function listAll<T>(
  listPage: (nextToken?: string) => Promise<{ items?: T[]; nextToken?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await listPage(nextToken);
      all.push(...(page.items ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return [];
    throw error;
  }
  return all;
}

/**
 * One cleanup pass: asks Personalize to delete each campaign and event tracker (and to stop each training
 * solution version) not already on its way out, and returns what still exists.
 */
export async function cleanUpRunTimeResources(
  client: PersonalizeClient,
  target: CleanupTarget,
): Promise<CleanupProgress> {
  const remaining: string[] = [];

  const campaigns = await listAll(async (nextToken) => {
    const page = await client.send(new ListCampaignsCommand({ solutionArn: target.solutionArn, nextToken }));
    return { items: page.campaigns, nextToken: page.nextToken };
  });
  for (const campaign of campaigns) {
    if (!campaign.campaignArn) continue;
    const arn = campaign.campaignArn;
    if (campaign.status?.startsWith('DELETE')) {
      remaining.push(arn);
      continue;
    }
    const outcome = await attempt(arn, () => client.send(new DeleteCampaignCommand({ campaignArn: arn })));
    if (outcome !== 'gone') remaining.push(arn);
  }

  const trackers = await listAll(async (nextToken) => {
    const page = await client.send(
      new ListEventTrackersCommand({ datasetGroupArn: target.datasetGroupArn, nextToken }),
    );
    return { items: page.eventTrackers, nextToken: page.nextToken };
  });
  for (const tracker of trackers) {
    if (!tracker.eventTrackerArn) continue;
    const arn = tracker.eventTrackerArn;
    if (tracker.status?.startsWith('DELETE')) {
      remaining.push(arn);
      continue;
    }
    const outcome = await attempt(arn, () =>
      client.send(new DeleteEventTrackerCommand({ eventTrackerArn: arn })),
    );
    if (outcome !== 'gone') remaining.push(arn);
  }

  const versions = await listAll(async (nextToken) => {
    const page = await client.send(
      new ListSolutionVersionsCommand({ solutionArn: target.solutionArn, nextToken }),
    );
    return { items: page.solutionVersions, nextToken: page.nextToken };
  });
  for (const version of versions) {
    if (!version.solutionVersionArn || !version.status) continue;
    const arn = version.solutionVersionArn;
    // A training version blocks deleting the solution; a finished one is deleted with it.
    if (TRAINING_STATUSES.has(version.status)) {
      const outcome = await attempt(arn, () =>
        client.send(new StopSolutionVersionCreationCommand({ solutionVersionArn: arn })),
      );
      if (outcome !== 'gone') remaining.push(arn);
    } else if (version.status === STOPPING_STATUS) {
      remaining.push(arn);
    }
  }

  return { remaining };
}

function targetOf(event: CloudFormationCustomResourceEvent): CleanupTarget {
  const { DatasetGroupArn, SolutionArn } = event.ResourceProperties;
  if (typeof DatasetGroupArn !== 'string' || typeof SolutionArn !== 'string') {
    throw new Error('PersonalizeCleanup needs the properties DatasetGroupArn and SolutionArn');
  }
  return { datasetGroupArn: DatasetGroupArn, solutionArn: SolutionArn };
}

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
}

export function onEvent(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<OnEventResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, () => handleEvent(event));
}

async function handleEvent(event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> {
  const target = targetOf(event);
  if (event.RequestType === 'Create') {
    return { PhysicalResourceId: `${target.datasetGroupArn}/cleanup` };
  }
  if (event.RequestType === 'Update') {
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const progress = await cleanUpRunTimeResources(personalize, target);
  logger.info('Cleanup started', { ...target, remaining: progress.remaining });
  return { PhysicalResourceId: event.PhysicalResourceId };
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
}

export function isComplete(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<IsCompleteResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, () => checkCompletion(event));
}

async function checkCompletion(event: CloudFormationCustomResourceEvent): Promise<IsCompleteResponse> {
  if (event.RequestType !== 'Delete') return { IsComplete: true };
  const target = targetOf(event);
  // Each poll retries what could not be deleted yet (a campaign still being created, for one).
  const progress = await cleanUpRunTimeResources(personalize, target);
  logger.info('Cleanup progress', { ...target, remaining: progress.remaining });
  return { IsComplete: progress.remaining.length === 0 };
}
