/**
 * `npm start -- --provision`: what `cdk deploy -c provision=true` adds, played as CloudFormation plays it.
 * The stack's own functions (lambda/provisionLifecycle.ts) build the execution's input and read the outputs;
 * the workflow is the stack's definition itself (lib/contract/provisioning-workflow.ts), run by the local
 * Step Functions (local/stepfunctions) against the emulator; its signal function PUTs to a local
 * WaitCondition handle. Like CloudFormation's Create, it provisions every time it runs: local mode
 * (local/start/local-mode.ts) runs it only when the state does not hold a provisioning already.
 */
import { join } from 'node:path';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import type * as ProvisionLifecycle from '../../lambda/provisionLifecycle';
import {
  provisioningDefinition,
  SIGNAL_FUNCTION_PLACEHOLDER,
  type ProvisioningResult,
  type WaitConditionSignal,
  provisionedName,
} from '../../lib/contract/provisioning-workflow';
import { PROVISIONING_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startExecution } from '../stepfunctions/state-machine';
import type { ProvisionedModel } from './provision';
import { createWaitCondition } from './wait-condition';

export interface LifecycleConfig {
  readonly stackName: string;
  readonly region: string;
  readonly log: (line: string) => void;
}

export interface LifecycleOptions {
  /** Where the workflow's SDK integrations call Personalize. */
  readonly personalizeEndpoint: string;
  /** How long each Wait state waits, in ms (the emulator changes state in milliseconds). @default 100 */
  readonly waitMs?: number;
  /** A solution version that still exists, deployed instead of training one. @default - one is trained */
  readonly solutionVersionArn?: string;
}

/**
 * Runs the provisioning to its signal and returns its outputs. The handler module is loaded here, after local
 * mode pointed the SDK's environment at the emulator (its clients are created when it loads).
 */
export async function provisionLifecycle(
  config: LifecycleConfig,
  model: ProvisionedModel,
  options: LifecycleOptions,
): Promise<Record<string, string>> {
  const handlers = (await import(
    join(__dirname, '..', '..', 'lambda', 'provisionLifecycle')
  )) as typeof ProvisionLifecycle;
  const properties = {
    DatasetGroupArn: model.datasetGroupArn,
    SolutionArn: model.solutionArn,
    DatasetArns: [model.interactionsDatasetArn, model.itemsDatasetArn],
    Name: provisionedName(config.stackName),
  };
  const result = await runWorkflow(config, options, handlers, properties);
  config.log(`Provisioned: campaign ${result.CampaignArn}, event tracker ${result.EventTrackerArn}`);
  return {
    [PROVISIONING_OUTPUTS.solutionVersionArn]: result.SolutionVersionArn,
    [PROVISIONING_OUTPUTS.campaignArn]: result.CampaignArn,
    [PROVISIONING_OUTPUTS.eventTrackerArn]: result.EventTrackerArn,
    [PROVISIONING_OUTPUTS.trackingId]: result.TrackingId,
  };
}

/** The WaitCondition, the execution the starter's input begins, and the outputs read from the signal. */
async function runWorkflow(
  config: LifecycleConfig,
  options: LifecycleOptions,
  handlers: typeof ProvisionLifecycle,
  properties: Record<string, unknown>,
): Promise<ProvisioningResult> {
  const waitCondition = await createWaitCondition();
  const personalize = new PersonalizeClient({ region: config.region, endpoint: options.personalizeEndpoint });
  const input = {
    ...handlers.executionInput({ ...properties, WaitHandle: waitCondition.url }, config.stackName),
    ...(options.solutionVersionArn ? { SolutionVersionArn: options.solutionVersionArn } : {}),
  };
  const execution = startExecution(
    provisioningDefinition(),
    JSON.parse(JSON.stringify(input)) as Parameters<typeof startExecution>[1],
    {
      personalize,
      lambdas: {
        [SIGNAL_FUNCTION_PLACEHOLDER]: (payload) =>
          handlers.signal(payload as unknown as WaitConditionSignal),
      },
    },
    { waitMs: options.waitMs ?? 100 },
  );
  try {
    // The signal decides, as for the stack; an execution that fails without signalling fails too.
    const signals = await Promise.race([waitCondition.data, execution.result.then(() => waitCondition.data)]);
    return handlers.resultOfSignals(signals);
  } finally {
    execution.stop();
    personalize.destroy();
    await waitCondition.close();
  }
}
