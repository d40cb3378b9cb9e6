/**
 * Custom resource handler (onEvent + isComplete of a custom-resources Provider) for a Personalize solution's
 * automatic training, which AWS::Personalize::Solution cannot set: a new solution trains a new version every
 * 7 days (performAutoTraining defaults to true; the first within an hour of ACTIVE). The stack turns it off,
 * or sets a schedule, with UpdateSolution.
 *
 * onEvent calls nothing: it checks the properties and names the resource after the solution (a replaced
 * solution gets a new id, so the old one gets a Delete). isComplete does the work, one step per poll: once
 * the solution is ACTIVE and no update is in progress, it calls UpdateSolution with the wanted setting
 * unless the latest update already has it; it completes when DescribeSolution's latestSolutionUpdate is
 * ACTIVE with the wanted setting. On Delete it turns automatic training off, so no version starts training
 * while the stack's clean-up runs and CloudFormation deletes the solution.
 */
import {
  DescribeSolutionCommand,
  PersonalizeClient,
  UpdateSolutionCommand,
  type Solution,
  type SolutionUpdateSummary,
  type UpdateSolutionRequest,
} from '@aws-sdk/client-personalize';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { IsCompleteResponse, OnEventResponse } from './shared/custom-resource';
import { logger } from './shared/logger';
import { isServiceError } from './shared/service-errors';

const personalize = new PersonalizeClient({});

/** The automatic training a solution should have. */
interface AutoTraining {
  readonly performAutoTraining: boolean;
  /** `rate(N days)`, with automatic training only. */
  readonly schedulingExpression?: string;
}

const OFF: AutoTraining = { performAutoTraining: false };
const UPDATE_IN_PROGRESS = new Set(['CREATE PENDING', 'CREATE IN_PROGRESS']);
const SOLUTION_BEING_CREATED = new Set(['CREATE PENDING', 'CREATE IN_PROGRESS']);

/** The solution and the wanted setting, from the custom resource's properties (CloudFormation sends strings). */
function settingOf(properties: Record<string, unknown>): { solutionArn: string; wanted: AutoTraining } {
  const { SolutionArn, PerformAutoTraining, SchedulingExpression } = properties;
  if (typeof SolutionArn !== 'string' || SolutionArn.length === 0) {
    throw new Error('PersonalizeSolutionAutoTraining needs the property SolutionArn');
  }
  if (PerformAutoTraining !== 'true' && PerformAutoTraining !== 'false') {
    throw new Error(
      `PerformAutoTraining must be "true" or "false", got ${JSON.stringify(PerformAutoTraining)}`,
    );
  }
  if (PerformAutoTraining === 'false') return { solutionArn: SolutionArn, wanted: OFF };
  if (typeof SchedulingExpression !== 'string' || SchedulingExpression.length === 0) {
    throw new Error('Automatic training needs the property SchedulingExpression, e.g. rate(7 days)');
  }
  return {
    solutionArn: SolutionArn,
    wanted: { performAutoTraining: true, schedulingExpression: SchedulingExpression },
  };
}

/** `rate(7 day)` and ` rate(7 days) ` are the same schedule. */
function normalSchedule(expression: string | undefined): string | undefined {
  const match = expression?.trim().match(/^rate\(\s*(\d+)\s*days?\s*\)$/i);
  return match ? `rate(${Number(match[1])} days)` : expression?.trim();
}

function hasSetting(update: SolutionUpdateSummary, wanted: AutoTraining): boolean {
  if (update.performAutoTraining !== wanted.performAutoTraining) return false;
  if (!wanted.performAutoTraining) return true;
  const schedule = update.solutionUpdateConfig?.autoTrainingConfig?.schedulingExpression;
  return normalSchedule(schedule) === normalSchedule(wanted.schedulingExpression);
}

function updateRequest(solutionArn: string, wanted: AutoTraining): UpdateSolutionRequest {
  if (!wanted.performAutoTraining) return { solutionArn, performAutoTraining: false };
  return {
    solutionArn,
    performAutoTraining: true,
    solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: wanted.schedulingExpression } },
  };
}

/** The solution, or undefined when it no longer exists. */
async function describe(client: PersonalizeClient, solutionArn: string): Promise<Solution | undefined> {
  try {
    return (await client.send(new DescribeSolutionCommand({ solutionArn }))).solution;
  } catch (error) {
    if (isServiceError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/**
 * One step towards `wanted`: true once the solution's latest update is ACTIVE with it. `requestedAt` is when
 * this request began: a failed update with the wanted setting since then fails the request (an older one,
 * from an earlier deployment, is retried). On Delete, a solution that is gone or failed needs nothing.
 */
async function configureAutoTraining(
  client: PersonalizeClient,
  target: { solutionArn: string; wanted: AutoTraining; requestedAt: Date; deleting: boolean },
): Promise<boolean> {
  const { solutionArn, wanted } = target;
  const solution = await describe(client, solutionArn);
  const status = solution?.status;
  if (status !== 'ACTIVE') {
    if (status !== undefined && SOLUTION_BEING_CREATED.has(status)) return false;
    if (target.deleting) return true;
    throw new Error(`Solution ${solutionArn} is ${status ?? 'gone'}: its automatic training cannot be set`);
  }
  const update = solution?.latestSolutionUpdate;
  if (update?.status && UPDATE_IN_PROGRESS.has(update.status)) return false;
  if (update?.status === 'ACTIVE' && hasSetting(update, wanted)) return true;
  if (target.deleting && !update && solution?.performAutoTraining === false) return true;
  if (
    update?.status === 'CREATE FAILED' &&
    hasSetting(update, wanted) &&
    (update.creationDateTime?.getTime() ?? 0) >= target.requestedAt.getTime()
  ) {
    throw new Error(`UpdateSolution of ${solutionArn} failed: ${update.failureReason ?? 'no reason given'}`);
  }
  try {
    await client.send(new UpdateSolutionCommand(updateRequest(solutionArn, wanted)));
  } catch (error) {
    // An update or a training still starting: the next poll asks again.
    if (isServiceError(error, 'ResourceInUseException')) return false;
    throw error;
  }
  return false;
}

export function onEvent(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<OnEventResponse> {
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that invalid properties (settingOf throws) reject the returned promise, as the provider framework expects
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, async () => {
    const { solutionArn } = settingOf(event.ResourceProperties);
    return {
      PhysicalResourceId:
        event.RequestType === 'Delete' ? event.PhysicalResourceId : `${solutionArn}/auto-training`,
      // isComplete receives it: a failed update since then is this request's own.
      Data: { RequestedAt: new Date().toISOString() },
    };
  });
}

export function isComplete(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<IsCompleteResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, async () => {
    const { solutionArn, wanted: configured } = settingOf(event.ResourceProperties);
    const deleting = event.RequestType === 'Delete';
    const wanted = deleting ? OFF : configured;
    const data = (event as { Data?: { RequestedAt?: string } }).Data;
    const requestedAt = new Date(data?.RequestedAt ?? 0);
    const complete = await configureAutoTraining(personalize, { solutionArn, wanted, requestedAt, deleting });
    logger.info('Solution auto training', { solutionArn, requestType: event.RequestType, wanted, complete });
    return { IsComplete: complete };
  });
}
