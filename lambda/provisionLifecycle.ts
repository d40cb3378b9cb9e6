/**
 * Custom resource handler (onEvent + isComplete of a custom-resources Provider) that takes a deployed model
 * to recommendations in one deploy: it waits for the datasets' import jobs, trains a solution version,
 * creates a campaign on it and the dataset group's event tracker, each ACTIVE before the next starts.
 * Local mode drives the same two functions (local/cloudformation/custom-resource-driver.ts).
 *
 * onEvent calls nothing: it checks the properties and names the resource after the dataset group. isComplete
 * advances one step per call and finds where it is from the service itself (what it created carries the
 * names below and the owner tag), so a retried deploy or a restarted local mode reuses what exists:
 * imports ACTIVE → CreateSolutionVersion → ACTIVE → CreateCampaign → ACTIVE → CreateEventTracker → ACTIVE.
 * A step that fails fails the deploy with the service's failureReason. Delete does nothing: the stack's
 * clean-up deletes the campaigns and event trackers, and the solution's versions go with the solution.
 */
import {
  CreateCampaignCommand,
  CreateEventTrackerCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionVersionCommand,
  paginateListCampaigns,
  paginateListDatasetImportJobs,
  paginateListEventTrackers,
  paginateListSolutionVersions,
  type PersonalizeClient,
  type SolutionVersion,
} from '@aws-sdk/client-personalize';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { personalize } from './shared/clients/personalize';
import type { OnEventResponse } from './shared/custom-resource';
import { logger } from './shared/logger';
import { ownerTags } from './shared/ownership';
import { allItems } from './shared/personalize';
import { PERSONALIZE_NAME_MAX_LENGTH, PERSONALIZE_NAME_PATTERN } from './shared/requests';
import { isServiceError } from './shared/service-errors';

/** What the resource is given (CloudFormation sends strings). */
export interface ProvisioningTarget {
  readonly datasetGroupArn: string;
  readonly solutionArn: string;
  readonly datasetArns: readonly string[];
  /** Name of the solution version, the campaign and the event tracker it creates. */
  readonly name: string;
  /** When this request began: a version that failed before it is trained again. @default - never */
  readonly requestedAt?: Date;
}

/** The resource's attributes once complete (the stack's outputs of the same names). */
export interface ProvisionedLifecycle {
  readonly SolutionVersionArn: string;
  readonly CampaignArn: string;
  readonly EventTrackerArn: string;
  readonly TrackingId: string;
}

/** isComplete's answer; `Data` once complete. */
export interface ProvisioningResponse {
  readonly IsComplete: boolean;
  readonly Data?: ProvisionedLifecycle;
}

/** One isComplete step: done (with the attributes), or what it is waiting for. */
export type Step = { done: ProvisionedLifecycle } | { waiting: string };

const FAILED = /FAILED/;
/** The List calls' page size (the service's maximum); the paginators read every page. */
const PAGE_SIZE = 100;
const DELETING = /DELETE/;

function required(properties: Record<string, unknown>, name: string): string {
  const value = properties[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`PersonalizeProvisioning needs the property ${name} (a non-empty string)`);
  }
  return value;
}

export function targetOf(properties: Record<string, unknown>): ProvisioningTarget {
  const datasetArns = properties.DatasetArns;
  if (
    !Array.isArray(datasetArns) ||
    datasetArns.length === 0 ||
    datasetArns.some((arn) => typeof arn !== 'string' || arn.length === 0)
  ) {
    throw new Error('PersonalizeProvisioning needs the property DatasetArns (a list of dataset ARNs)');
  }
  const name = required(properties, 'Name');
  if (!PERSONALIZE_NAME_PATTERN.test(name) || name.length > PERSONALIZE_NAME_MAX_LENGTH) {
    throw new Error(
      `PersonalizeProvisioning property Name must be a Personalize name, got ${JSON.stringify(name)}`,
    );
  }
  return {
    datasetGroupArn: required(properties, 'DatasetGroupArn'),
    solutionArn: required(properties, 'SolutionArn'),
    datasetArns: datasetArns as string[],
    name,
  };
}

/** The newest import job of each dataset must be ACTIVE; a failed one fails with its reason. */
async function importsWaiting(
  client: PersonalizeClient,
  datasetArns: readonly string[],
): Promise<string | undefined> {
  for (const datasetArn of datasetArns) {
    const jobs = await allItems(
      paginateListDatasetImportJobs({ client, pageSize: PAGE_SIZE }, { datasetArn }),
      (page) => page.datasetImportJobs,
    );
    const newest = [...jobs].sort(
      (a, b) => (b.creationDateTime?.getTime() ?? 0) - (a.creationDateTime?.getTime() ?? 0),
    )[0];
    if (!newest) return `an import job of ${datasetArn}`;
    if (newest.status && FAILED.test(newest.status)) {
      throw new Error(
        `Import job ${newest.jobName ?? newest.datasetImportJobArn} is ${newest.status}: ${newest.failureReason ?? 'no reason given'}`,
      );
    }
    if (newest.status !== 'ACTIVE') return `import job ${newest.jobName} (${newest.status})`;
  }
  return undefined;
}

/** The newest of the solution's versions named `name` (ListSolutionVersions gives no names). */
async function ownVersion(
  client: PersonalizeClient,
  solutionArn: string,
  name: string,
): Promise<SolutionVersion | undefined> {
  const summaries = await allItems(
    paginateListSolutionVersions({ client, pageSize: PAGE_SIZE }, { solutionArn }),
    (page) => page.solutionVersions,
  );
  const sorted = [...summaries].sort(
    (a, b) => (b.creationDateTime?.getTime() ?? 0) - (a.creationDateTime?.getTime() ?? 0),
  );
  for (const summary of sorted) {
    const version = (
      await client.send(
        new DescribeSolutionVersionCommand({ solutionVersionArn: summary.solutionVersionArn }),
      )
    ).solutionVersion;
    if (version?.name === name) return version;
  }
  return undefined;
}

function failIf(what: string, status: string | undefined, failureReason: string | undefined): void {
  if (status && FAILED.test(status))
    throw new Error(`${what} is ${status}: ${failureReason ?? 'no reason given'}`);
}

/** A stage of provisioning: its resource is ACTIVE (`ready`), or what it is waiting for. */
type Stage<T> = { ready: T } | { waiting: string };

type Log = (message: string, fields?: Record<string, unknown>) => void;

/**
 * One step towards a campaign and an event tracker, both ACTIVE: at most one Create call, never a wait.
 * `log` is told what was started and what is awaited.
 */
export async function provisionStep(
  client: PersonalizeClient,
  target: ProvisioningTarget,
  log: Log = () => undefined,
): Promise<Step> {
  const waitingImports = await importsWaiting(client, target.datasetArns);
  if (waitingImports) return { waiting: waitingImports };
  const version = await solutionVersionStage(client, target, log);
  if ('waiting' in version) return version;
  const campaign = await campaignStage(client, target, version.ready, log);
  if ('waiting' in campaign) return campaign;
  const tracker = await eventTrackerStage(client, target, log);
  if ('waiting' in tracker) return tracker;
  return {
    done: {
      SolutionVersionArn: version.ready,
      CampaignArn: campaign.ready,
      EventTrackerArn: tracker.ready.eventTrackerArn,
      TrackingId: tracker.ready.trackingId,
    },
  };
}

/** The solution version named after the target, ACTIVE (its ARN); trained when there is none to use. */
async function solutionVersionStage(
  client: PersonalizeClient,
  target: ProvisioningTarget,
  log: Log,
): Promise<Stage<string>> {
  const version = await ownVersion(client, target.solutionArn, target.name);
  if (!version?.solutionVersionArn || failedBeforeRequest(version, target)) {
    return trainVersion(client, target, log);
  }
  const solutionVersionArn = version.solutionVersionArn;
  failIf(`Solution version ${solutionVersionArn}`, version.status, version.failureReason);
  if (version.status !== 'ACTIVE')
    return { waiting: `solution version ${solutionVersionArn} (${version.status})` };
  return { ready: solutionVersionArn };
}

/** A version that failed before this request began (an earlier deploy, a restart) is trained again. */
function failedBeforeRequest(version: SolutionVersion, target: ProvisioningTarget): boolean {
  return (
    version.status !== undefined &&
    FAILED.test(version.status) &&
    (version.creationDateTime?.getTime() ?? 0) < (target.requestedAt?.getTime() ?? 0)
  );
}

async function trainVersion(
  client: PersonalizeClient,
  target: ProvisioningTarget,
  log: Log,
): Promise<{ waiting: string }> {
  try {
    const created = await client.send(
      new CreateSolutionVersionCommand({
        solutionArn: target.solutionArn,
        name: target.name,
        trainingMode: 'FULL',
        tags: ownerTags(),
      }),
    );
    log('Training a solution version', { solutionVersionArn: created.solutionVersionArn });
    return { waiting: `solution version ${created.solutionVersionArn ?? target.name}` };
  } catch (error) {
    // Another version (automatic training) is in progress: the next call asks again.
    if (isServiceError(error, 'ResourceInUseException')) {
      return { waiting: 'a solution version in progress' };
    }
    throw error;
  }
}

/** The campaign named after the target, ACTIVE (its ARN); created on `solutionVersionArn` when there is none. */
async function campaignStage(
  client: PersonalizeClient,
  target: ProvisioningTarget,
  solutionVersionArn: string,
  log: Log,
): Promise<Stage<string>> {
  const campaigns = await allItems(
    paginateListCampaigns({ client, pageSize: PAGE_SIZE }, { solutionArn: target.solutionArn }),
    (page) => page.campaigns,
  );
  const campaignArn = campaigns.find(
    (c) => c.name === target.name && !DELETING.test(c.status ?? ''),
  )?.campaignArn;
  if (!campaignArn) {
    const created = await client.send(
      new CreateCampaignCommand({
        name: target.name,
        solutionVersionArn,
        minProvisionedTPS: 1,
        tags: ownerTags(),
      }),
    );
    log('Creating a campaign', { campaignArn: created.campaignArn, solutionVersionArn });
    return { waiting: `campaign ${created.campaignArn ?? target.name}` };
  }
  const campaign = (await client.send(new DescribeCampaignCommand({ campaignArn }))).campaign;
  failIf(`Campaign ${campaignArn}`, campaign?.status, campaign?.failureReason);
  if (campaign?.status !== 'ACTIVE') return { waiting: `campaign ${campaignArn} (${campaign?.status})` };
  return { ready: campaignArn };
}

/**
 * The dataset group's event tracker, ACTIVE with its tracking ID. A dataset group has at most one: the one
 * that exists is used (the walkthrough's, say), else one named after the target is created.
 */
async function eventTrackerStage(
  client: PersonalizeClient,
  target: ProvisioningTarget,
  log: Log,
): Promise<Stage<{ eventTrackerArn: string; trackingId: string }>> {
  const trackers = await allItems(
    paginateListEventTrackers({ client, pageSize: PAGE_SIZE }, { datasetGroupArn: target.datasetGroupArn }),
    (page) => page.eventTrackers,
  );
  const eventTrackerArn = trackers.find((t) => !DELETING.test(t.status ?? ''))?.eventTrackerArn;
  if (!eventTrackerArn) {
    const created = await client.send(
      new CreateEventTrackerCommand({
        name: target.name,
        datasetGroupArn: target.datasetGroupArn,
        tags: ownerTags(),
      }),
    );
    log('Creating the event tracker', { eventTrackerArn: created.eventTrackerArn });
    return { waiting: `event tracker ${created.eventTrackerArn ?? target.name}` };
  }
  const tracker = (await client.send(new DescribeEventTrackerCommand({ eventTrackerArn }))).eventTracker;
  failIf(`Event tracker ${eventTrackerArn}`, tracker?.status, undefined);
  if (tracker?.status !== 'ACTIVE' || !tracker.trackingId) {
    return { waiting: `event tracker ${eventTrackerArn} (${tracker?.status})` };
  }
  return { ready: { eventTrackerArn, trackingId: tracker.trackingId } };
}

export function onEvent(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<OnEventResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, () => {
    if (event.RequestType === 'Delete') {
      logger.info('Provisioning deleted: the clean-up removes the campaign and the event tracker');
      return Promise.resolve({ PhysicalResourceId: event.PhysicalResourceId });
    }
    const target = targetOf(event.ResourceProperties);
    return Promise.resolve({
      PhysicalResourceId: `${target.datasetGroupArn}/provisioning`,
      // isComplete receives it: a version that failed before then is retrained, one since then fails.
      Data: { RequestedAt: new Date().toISOString() },
    });
  });
}

export function isComplete(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<ProvisioningResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, async () => {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    const requestedAt = (event as { Data?: { RequestedAt?: string } }).Data?.RequestedAt;
    const target = { ...targetOf(event.ResourceProperties), requestedAt: new Date(requestedAt ?? 0) };
    const step = await provisionStep(personalize, target, (message, fields) => logger.info(message, fields));
    if ('waiting' in step) {
      logger.info('Provisioning: waiting', { for: step.waiting });
      return { IsComplete: false };
    }
    logger.info('Provisioning complete', { ...step.done, TrackingId: undefined });
    return { IsComplete: true, Data: step.done };
  });
}

/** The name of the provisioned version, campaign and tracker: `<stack>-provisioned`, within 63 characters. */
export function provisionedName(stackName: string): string {
  return `${stackName.replace(/[^a-zA-Z0-9\-_]/g, '-').slice(0, 51)}-provisioned`;
}
