/**
 * `startLocalMode`: the whole system composed in order: the state directory claimed, the services started,
 * the model provisioned, the stream's readers started, the outputs file written. What was started is
 * stopped, in reverse order, on close or when a later step fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { stackValueEnvironment } from '../../lib/contract/api-routes';
import { provisionLifecycle } from '../cloudformation/provision-lifecycle';
import type { StreamArchive } from '../firehose/archive';
import type { FailedRecordsBucket } from '../lambda/failed-records';
import type { StreamConsumer } from '../lambda/stream-consumer';
import type { PersonalizeEmulator } from '../personalize';
import type { S3StandIn } from '../s3/s3';
import { PROVISIONING_OUTPUTS } from '../../lib/contract/stack-outputs';
import type { ProvisionedModel } from '../cloudformation/provision';
import {
  API_KEY_FILE,
  claimStateDir,
  resolveConfig,
  resolveStateDir,
  type LocalModeConfig,
  type LocalModeOptions,
} from './options';
import {
  keptProvisioningOutputs,
  previousOutputs,
  stackOutputs,
  writeOutputsFile,
  type StackOutputs,
} from './outputs';
import { provision, withPersonalize } from './provisioning';
import { setHandlerEnvironment, startServices, type ServiceProcesses } from './services';
import { Stops } from './shutdown';
import { startStreamReaders } from './stream-readers';
import type { MetricStore } from '../cloudwatch/metric-store';

export interface LocalMode {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000/prod`. */
  readonly url: string;
  readonly apiKey: string;
  /** The stack outputs (same names as the CDK stack's), plus `ApiKey` (the key's value). */
  readonly outputs: StackOutputs;
  readonly stackName: string;
  readonly region: string;
  readonly stateDir: string;
  readonly outputsFile: string;
  readonly personalize: PersonalizeEmulator;
  readonly kinesis: KinesisClient;
  /** Local S3: `s3.endpoint` is AWS_ENDPOINT_URL_S3; `s3.calls` what reached it when recording. */
  readonly s3: S3StandIn;
  /**
   * The failed-records bucket (`failedRecords.name`, `failedRecords.list(prefix)`): the event source
   * mapping's on-failure objects under `aws/lambda/<eventSourceMappingUuid>/`, the consumer's own under
   * `consumer/`.
   */
  readonly failedRecords: FailedRecordsBucket;
  /** What the metrics page (`/metrics`) shows: the functions' EMF lines and the emulator's AWS/Personalize counts. */
  readonly metrics: MetricStore;
  /** The child processes' pids and figures, when `separateProcesses` is on. */
  readonly processes: ServiceProcesses;
  readonly eventSourceMappingUuid: string;
  readonly consumer: StreamConsumer;
  readonly archive: StreamArchive;
  close(): Promise<void>;
}

export async function startLocalMode(options: LocalModeOptions = {}): Promise<LocalMode> {
  const stateDir = resolveStateDir(options);
  const stops = new Stops(options.log ?? console.log);
  // A reset deletes the kept API key; unless one is given, the key changes, which the user must be told.
  const keyReset =
    options.reset && !options.apiKey && !process.env.API_KEY && existsSync(join(stateDir, API_KEY_FILE));
  // Released last, after everything that writes in the directory has stopped.
  stops.push(claimStateDir(stateDir, options.reset));
  try {
    const config = resolveConfig(options, stateDir);
    if (keyReset) {
      config.log(
        `--reset deleted the state directory and its API key: the key is now ${config.apiKey} (the old one is refused)`,
      );
    }
    // Ctrl-C during start-up: the step under way finishes, then what was started stops (the catch below).
    const step = () => options.signal?.throwIfAborted();
    step();
    // The demo page's view of the outputs, and its "provision now", once the model exists.
    const page: { outputs?: StackOutputs; provision?: () => Promise<StackOutputs> } = {};
    const services = await startServices(config, options, stops, {
      config: () => demoPageConfig(page.outputs),
      provision: () =>
        page.provision?.() ??
        Promise.reject(new Error('local mode is still starting: try again in a moment')),
    });
    step();
    const model = await provision(config, options, services.personalize.endpoint);
    step();
    // The dataset group as predicted, the solution and datasets as provisioned; restored on close.
    setHandlerEnvironment(services, stackValueEnvironment(model));
    const readers = await startStreamReaders(config, options, services, stops);
    step();
    // What an earlier --provision wrote stays in the file for as long as the state holds it.
    const kept = await withPersonalize(config, services.personalize.endpoint, (client) =>
      keptProvisioningOutputs(previousOutputs(config.outputsFile, config.stackName), client),
    );
    const outputs = {
      ...stackOutputs(config, services.gateway.url, model),
      ...(options.provision
        ? await provisionNow(config, model, kept, options, services.personalize.endpoint)
        : kept),
    };
    writeOutputsFile(config.outputsFile, config.stackName, outputs);
    page.outputs = outputs;
    let provisioning: Promise<StackOutputs> | undefined;
    // One at a time: a second press while it runs gets the same answer.
    page.provision = () =>
      (provisioning ??= provisionNow(config, model, outputs, options, services.personalize.endpoint)
        .then((lifecycle) => {
          Object.assign(outputs, lifecycle);
          writeOutputsFile(config.outputsFile, config.stackName, outputs);
          return lifecycle;
        })
        .finally(() => (provisioning = undefined)));
    let closing: Promise<void> | undefined;
    return {
      url: services.gateway.url,
      apiKey: config.apiKey,
      outputs,
      stackName: config.stackName,
      region: config.region,
      stateDir: config.stateDir,
      outputsFile: config.outputsFile,
      personalize: services.personalize,
      kinesis: services.kinesis.client,
      s3: services.s3,
      failedRecords: services.failedRecords,
      metrics: services.metrics,
      processes: services.processes,
      ...readers,
      close: () => (closing ??= stops.stopAll()),
    };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

/** The campaign and tracking id the outputs name, for the demo page to start from. */
function demoPageConfig(outputs: StackOutputs | undefined): { CampaignArn?: string; TrackingId?: string } {
  const campaignArn = outputs?.[PROVISIONING_OUTPUTS.campaignArn];
  const trackingId = outputs?.[PROVISIONING_OUTPUTS.trackingId];
  return {
    ...(campaignArn ? { CampaignArn: campaignArn } : {}),
    ...(trackingId ? { TrackingId: trackingId } : {}),
  };
}

/** `--provision` (or the demo page's "provision now"): the stack's provisioning workflow, announced. */
async function provisionNow(
  config: LocalModeConfig,
  model: ProvisionedModel,
  kept: StackOutputs,
  options: LocalModeOptions,
  personalizeEndpoint: string,
): Promise<StackOutputs> {
  // As CloudFormation runs a created resource's provisioning once: what the last --provision made and
  // still exists is kept; otherwise the stack's workflow runs.
  if (Object.values(PROVISIONING_OUTPUTS).every((name) => kept[name] !== undefined)) {
    config.log(
      'Provisioning: the solution version, campaign and event tracker of the last --provision are still there (nothing to train)',
    );
    return kept;
  }
  const solutionVersionArn = kept[PROVISIONING_OUTPUTS.solutionVersionArn];
  config.log(
    solutionVersionArn
      ? "Provisioning: the stack's workflow deploys a campaign on the last --provision's solution version, then the event tracker..."
      : "Provisioning: the stack's workflow waits for the imports, trains a solution version, then a campaign and the event tracker...",
  );
  return provisionLifecycle(config, model, {
    personalizeEndpoint,
    solutionVersionArn,
    // A few checks per lifecycle transition of the emulator.
    waitMs: Math.max(20, Math.round((options.personalizeTransitionMs ?? 200) / 2)),
  });
}
