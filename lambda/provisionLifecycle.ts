/**
 * The one-shot provisioning's functions (`cdk deploy -c provision=true`; lib/constructs/personalize-provisioning.ts).
 * The work itself is the workflow lib/contract/provisioning-workflow.ts; these functions only connect it to
 * CloudFormation, which waits for it on a WaitCondition (up to 12 hours, where a custom resource waits one):
 *
 * - `onEvent`, for two custom resources of the Provider framework (onEvent only, each call is quick):
 *   - `Custom::PersonalizeProvisioning` starts the workflow's execution on Create (its ARN is the physical id)
 *     and STOPS it on Delete. A rollback or `cdk destroy` while it runs deletes this resource before the
 *     stack's clean-up (which it depends on), so nothing creates a campaign after the clean-up has listed them.
 *   - `Custom::PersonalizeProvisioned` reads the outputs from the WaitCondition's Data once it is signalled.
 * - `signal`, the workflow's last step: the WaitCondition signal, PUT to the handle's presigned URL
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-waitcondition.html).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import {
  PROVISIONING_SIGNAL_ID,
  type ProvisioningInput,
  type ProvisioningResult,
  type WaitConditionSignal,
} from '../lib/contract/provisioning-workflow';
import { sfn } from './shared/clients/sfn';
import type { OnEventResponse } from './shared/custom-resource';
import { logger } from './shared/logger';
import { OWNER_TAG_ENV } from '../lib/contract/ownership';
import { PERSONALIZE_NAME_MAX_LENGTH, PERSONALIZE_NAME_PATTERN } from '../lib/contract/requests';
import { isServiceError } from './shared/service-errors';
import { PROVISIONED_RESOURCE_TYPE } from '../lib/contract/provisioning-workflow';

function required(properties: Record<string, unknown>, name: string): string {
  const value = properties[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`PersonalizeProvisioning needs the property ${name} (a non-empty string)`);
  }
  return value;
}

/** The execution's input from the resource's properties (checked) and the stack's owner tag. */
export function executionInput(properties: Record<string, unknown>, ownerTag: string): ProvisioningInput {
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
  if (ownerTag.length === 0)
    throw new Error(`PersonalizeProvisioning needs ${OWNER_TAG_ENV} (the stack name)`);
  return {
    DatasetGroupArn: required(properties, 'DatasetGroupArn'),
    SolutionArn: required(properties, 'SolutionArn'),
    DatasetArns: datasetArns as string[],
    Name: name,
    OwnerTag: ownerTag,
    WaitHandle: required(properties, 'WaitHandle'),
  };
}

/**
 * The workflow's result from a WaitCondition's Data attribute, a JSON object of the signals' Data by their
 * UniqueId (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-waitcondition.html#aws-resource-cloudformation-waitcondition-return-values).
 */
export function resultOfSignals(signals: string): ProvisioningResult {
  let data: unknown;
  try {
    const bySignal = JSON.parse(signals) as Record<string, unknown>;
    data = JSON.parse(String(bySignal[PROVISIONING_SIGNAL_ID]));
  } catch {
    throw new Error(`The WaitCondition's Data carries no ${PROVISIONING_SIGNAL_ID} signal: ${signals}`);
  }
  const field = (name: keyof ProvisioningResult): string => {
    const value = (data as Record<string, unknown> | null)?.[name];
    if (typeof value !== 'string' || value === '')
      throw new Error(`The provisioning signal has no ${name}: ${signals}`);
    return value;
  };
  return {
    SolutionVersionArn: field('SolutionVersionArn'),
    CampaignArn: field('CampaignArn'),
    EventTrackerArn: field('EventTrackerArn'),
    TrackingId: field('TrackingId'),
  };
}

const isExecutionArn = (id: string | undefined): id is string =>
  /^arn:aws[a-z-]*:states:.+:execution:/.test(id ?? '');

/** Whether the old properties gave the same input (old ones this version cannot read did not). */
function sameInput(old: Record<string, unknown>, input: ProvisioningInput): boolean {
  try {
    return JSON.stringify(executionInput(old, input.OwnerTag)) === JSON.stringify(input);
  } catch {
    return false;
  }
}

async function startProvisioning(event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> {
  const properties = event.ResourceProperties;
  const input = executionInput(properties, process.env[OWNER_TAG_ENV] ?? '');
  if (event.RequestType === 'Update') {
    const sameMachine = event.OldResourceProperties.StateMachineArn === properties.StateMachineArn;
    if (sameMachine && sameInput(event.OldResourceProperties, input)) {
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
  }
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: required(properties, 'StateMachineArn'),
      // Idempotent: the framework retrying this request starts no second execution.
      name: event.RequestId.slice(0, 80),
      input: JSON.stringify(input),
    }),
  );
  if (!executionArn) throw new Error('StartExecution returned no executionArn');
  logger.info('Provisioning started', { executionArn });
  // A new physical id on Update: CloudFormation then deletes the old resource, which stops its execution.
  return { PhysicalResourceId: executionArn };
}

/** Stops the execution if it still runs: no step of it creates anything after this returns. */
async function stopProvisioning(executionArn: string): Promise<void> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') {
      logger.info('Provisioning already ended', { executionArn, status });
      return;
    }
    await sfn.send(
      new StopExecutionCommand({
        executionArn,
        error: 'Provisioning.Deleted',
        cause: 'The stack deleted its provisioning (rollback or cdk destroy)',
      }),
    );
    logger.info('Provisioning stopped', { executionArn });
  } catch (error) {
    if (isServiceError(error, 'ExecutionDoesNotExist')) return;
    throw error;
  }
}

export function onEvent(
  event: CloudFormationCustomResourceEvent,
  context?: Context,
): Promise<OnEventResponse> {
  return logger.withRequestId(context?.awsRequestId ?? event.RequestId, async () => {
    if (event.ResourceType === PROVISIONED_RESOURCE_TYPE) {
      if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
      const result = resultOfSignals(required(event.ResourceProperties, 'Signals'));
      logger.info('Provisioned', { ...result, TrackingId: undefined });
      return { PhysicalResourceId: event.LogicalResourceId, Data: { ...result } };
    }
    if (event.RequestType === 'Delete') {
      if (isExecutionArn(event.PhysicalResourceId)) await stopProvisioning(event.PhysicalResourceId);
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    return startProvisioning(event);
  });
}

/** PUTs the signal to the WaitCondition handle; the body is what CloudFormation reads, no content type. */
export function signal(payload: WaitConditionSignal): Promise<{ readonly statusCode: number }> {
  const url = new URL(payload.Url);
  const body = JSON.stringify({
    Status: payload.Status,
    UniqueId: payload.UniqueId,
    Reason: payload.Reason.slice(0, 4000),
    Data: payload.Data,
  });
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const put = request(
      url,
      // A presigned URL is signed without a content type: an empty one is sent, as cfn-response does.
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => {
          const statusCode = response.statusCode ?? 0;
          if (statusCode >= 200 && statusCode < 300) {
            logger.info('WaitCondition signalled', { status: payload.Status, reason: payload.Reason });
            resolve({ statusCode });
          } else {
            reject(new Error(`The WaitCondition handle answered ${statusCode}`));
          }
        });
      },
    );
    put.on('error', reject);
    put.end(body);
  });
}
