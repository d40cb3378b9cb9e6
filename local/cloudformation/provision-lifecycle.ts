/**
 * `npm start -- --provision`: what `cdk deploy -c provision=true` adds, run by the stack's own handler
 * (lambda/provisionLifecycle.ts) against the emulator, driven as the Provider framework drives it. Its
 * attributes are the outputs the stack writes (PROVISIONING_OUTPUTS). What exists is reused: a restart with
 * kept state creates nothing again.
 */
import { join } from 'node:path';
import type { ProvisionedLifecycle } from '../../lambda/provisionLifecycle';
import { PROVISIONING_OUTPUTS } from '../../lib/contract/stack-outputs';
import { driveCreate, type CustomResourceHandlers } from './custom-resource-driver';
import type { ProvisionedModel } from './provision';

const ACCOUNT_ID = '000000000000';

export interface LifecycleConfig {
  readonly stackName: string;
  readonly region: string;
  readonly log: (line: string) => void;
}

/**
 * Runs the provisioning handler to completion and returns its outputs. The handler module is loaded here,
 * after local mode pointed the SDK's environment at the emulator (its client is created when it loads).
 */
export async function provisionLifecycle(
  config: LifecycleConfig,
  model: ProvisionedModel,
  transitionMs?: number,
): Promise<Record<string, string>> {
  const handlers = (await import(
    join(__dirname, '..', '..', 'lambda', 'provisionLifecycle')
  )) as CustomResourceHandlers<ProvisionedLifecycle> & {
    provisionedName(stackName: string): string;
  };
  const data = await driveCreate(handlers, {
    resourceType: 'Custom::PersonalizeProvisioning',
    logicalResourceId: 'Provisioning',
    properties: {
      DatasetGroupArn: model.datasetGroupArn,
      SolutionArn: model.solutionArn,
      DatasetArns: [model.interactionsDatasetArn, model.itemsDatasetArn],
      Name: handlers.provisionedName(config.stackName),
    },
    stackName: config.stackName,
    region: config.region,
    accountId: ACCOUNT_ID,
    // A few polls per lifecycle transition of the emulator.
    pollIntervalMs: Math.max(50, Math.round((transitionMs ?? 200) / 2)),
  });
  if (!data) throw new Error('The provisioning handler completed without its attributes');
  const outputs = {
    [PROVISIONING_OUTPUTS.solutionVersionArn]: data.SolutionVersionArn,
    [PROVISIONING_OUTPUTS.campaignArn]: data.CampaignArn,
    [PROVISIONING_OUTPUTS.eventTrackerArn]: data.EventTrackerArn,
    [PROVISIONING_OUTPUTS.trackingId]: data.TrackingId,
  };
  config.log(`Provisioned: campaign ${data.CampaignArn}, event tracker ${data.EventTrackerArn}`);
  return outputs;
}
