/**
 * The outputs file, as `cdk deploy --outputs-file` writes it: the stack's output names (plus `ApiKey`, the
 * key's value), keyed by stack name, readable by its owner only.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DescribeCampaignCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionVersionCommand,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { isServiceError } from '../../lambda/shared/service-errors';
import { filterOutputName } from '../../lib/contract/personalize-filters';
import { PROVISIONING_OUTPUTS, STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import type { ProvisionedModel } from '../cloudformation/provision';
import type { LocalModeConfig } from './options';

export type StackOutputs = Record<string, string>;

export function stackOutputs(
  config: LocalModeConfig,
  gatewayUrl: string,
  model: ProvisionedModel,
): StackOutputs {
  return {
    [STACK_OUTPUTS.apiUrl]: `${gatewayUrl}/`,
    [STACK_OUTPUTS.apiKeyId]: 'local',
    [STACK_OUTPUTS.datasetGroupArn]: model.datasetGroupArn,
    [STACK_OUTPUTS.solutionArn]: model.solutionArn,
    [STACK_OUTPUTS.streamName]: config.streamName,
    [STACK_OUTPUTS.archiveBucketName]: config.archiveBucketName,
    [STACK_OUTPUTS.failedRecordsBucketName]: config.failedRecordsBucketName,
    ...Object.fromEntries(
      (model.filters ?? []).map(({ definition, filterArn }) => [filterOutputName(definition), filterArn]),
    ),
    // Local only: on AWS the key's value is read with `aws apigateway get-api-key --include-value`.
    ApiKey: config.apiKey,
  };
}

/** The outputs hold the API key: the file is its owner's only, whatever mode an earlier file had. */
export function writeOutputsFile(path: string, stackName: string, outputs: StackOutputs): void {
  mkdirSync(dirname(path), { recursive: true });
  // As `cdk deploy --outputs-file`: outputs keyed by stack name.
  writePrivateFile(path, `${JSON.stringify({ [stackName]: outputs }, null, 2)}\n`);
}

/**
 * Writes a file only its owner may read: a new file of mode 0600 renamed over the old, so the content is
 * never readable by others, not even for a moment in a file created earlier with a wider mode.
 */
export function writePrivateFile(path: string, content: string): void {
  const draft = `${path}.${process.pid}.tmp`;
  try {
    rmSync(draft, { force: true });
    writeFileSync(draft, content, { mode: 0o600, flag: 'wx' });
    renameSync(draft, path);
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The outputs the last start wrote for this stack, or none (no file, another stack's, unreadable). */
export function previousOutputs(path: string, stackName: string): StackOutputs {
  if (!existsSync(path)) return {};
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const outputs = file[stackName];
    if (typeof outputs !== 'object' || outputs === null) return {};
    return Object.fromEntries(
      Object.entries(outputs).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  } catch {
    return {};
  }
}

/** A resource being deleted, or failed, is not one a client can use. */
const GONE = /DELETE|FAILED/;

/**
 * The provisioning outputs of the last start (`--provision` then, or kept since) that the state still holds:
 * each resource described, and kept only if it exists and is neither failed nor being deleted. So a restart
 * without `--provision` writes the campaign and tracker a script can still use, and none that would answer 404.
 */
export async function keptProvisioningOutputs(
  previous: StackOutputs,
  client: PersonalizeClient,
): Promise<StackOutputs> {
  const usable = async (describe: () => Promise<string | undefined>): Promise<boolean> => {
    try {
      const status = await describe();
      return status !== undefined && !GONE.test(status);
    } catch (error) {
      if (isServiceError(error, 'ResourceNotFoundException')) return false;
      throw error;
    }
  };
  const kept: StackOutputs = {};
  const versionArn = previous[PROVISIONING_OUTPUTS.solutionVersionArn];
  if (
    versionArn &&
    (await usable(
      async () =>
        (await client.send(new DescribeSolutionVersionCommand({ solutionVersionArn: versionArn })))
          .solutionVersion?.status,
    ))
  ) {
    kept[PROVISIONING_OUTPUTS.solutionVersionArn] = versionArn;
  }
  const campaignArn = previous[PROVISIONING_OUTPUTS.campaignArn];
  if (
    campaignArn &&
    (await usable(
      async () => (await client.send(new DescribeCampaignCommand({ campaignArn }))).campaign?.status,
    ))
  ) {
    kept[PROVISIONING_OUTPUTS.campaignArn] = campaignArn;
  }
  const trackerArn = previous[PROVISIONING_OUTPUTS.eventTrackerArn];
  const trackingId = previous[PROVISIONING_OUTPUTS.trackingId];
  if (trackerArn && trackingId) {
    const tracker = await usable(async () => {
      const { eventTracker } = await client.send(
        new DescribeEventTrackerCommand({ eventTrackerArn: trackerArn }),
      );
      // The tracking id goes with its tracker: a file naming another one's id is not kept.
      return eventTracker?.trackingId === trackingId ? eventTracker.status : undefined;
    });
    if (tracker) {
      kept[PROVISIONING_OUTPUTS.eventTrackerArn] = trackerArn;
      kept[PROVISIONING_OUTPUTS.trackingId] = trackingId;
    }
  }
  return kept;
}
