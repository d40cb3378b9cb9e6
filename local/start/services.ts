/**
 * What serves before anything is provisioned: the Personalize emulator, Kinesis with the stack's stream,
 * local S3 and the API gateway, with the Lambda environment the stack gives its functions pointed at them.
 */
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { FAILED_RECORDS_BUCKET_ENV, OWNER_TAG_ENV } from '../../lib/contract/ownership';
import { stackValueEnvironment } from '../../lib/contract/api-routes';
import {
  startGateway,
  type GatewayOptions,
  type LocalGateway,
  type ProxyHandler,
} from '../apigateway/gateway';
import { tapEmfLines } from '../cloudwatch/emf-tap';
import { MetricStore } from '../cloudwatch/metric-store';
import { metricsPageSite } from '../cloudwatch/metrics-page';
import { createKinesisClient, ensureStream, startKinesis } from '../kinesis/kinesis';
import { FailedRecordsBucket } from '../lambda/failed-records';
import { InvocationPool } from '../lambda/invocation-pool';
import {
  startPersonalizeEmulator,
  type PersonalizeEmulator,
  type PersonalizeEmulatorOptions,
} from '../personalize';
import { ServiceMetrics } from '../personalize/service-metrics';
import { startS3StandIn, type S3Call, type S3StandIn } from '../s3/s3';
import { PortInUseError } from '../shared/listen';
import { ACCOUNT_ID, PROJECT_ROOT, type LocalModeConfig, type LocalModeOptions } from './options';
import { ServiceStartError, startServiceProcess, type ServiceProcess } from './service-process';
import type { Stops } from './shutdown';

/** The credentials every handler gets (nothing local checks them; S3 records the key id). */
const LOCAL_ACCESS_KEY_ID = 'local';
/** The variable the handlers read the dataset group from (lambda/shared/trackers.ts). */
const DATASET_GROUP_ARN_ENV = 'DATASET_GROUP_ARN';

/** What serves before anything is provisioned: the AWS services' stand-ins and the API. */
export interface Services {
  readonly personalize: PersonalizeEmulator;
  readonly kinesis: { readonly endpoint: string; readonly client: KinesisClient };
  readonly s3: S3StandIn;
  readonly failedRecords: FailedRecordsBucket;
  readonly gateway: LocalGateway;
  /** The functions' metrics (their EMF lines) and the emulator's AWS/Personalize counts: the metrics page. */
  readonly metrics: MetricStore;
  /** The child processes' own figures, when the services run in processes of their own (else empty). */
  readonly processes: ServiceProcesses;
  /** The invocation workers the handlers run on, when `invocationWorkers` is above 0 (else in this thread). */
  readonly invocations?: InvocationPool;
}

/** What runs in child processes, by service, when `separateProcesses` is on. */
export interface ServiceProcesses {
  readonly personalize?: Pick<ServiceProcess, 'pid' | 'stats'>;
  readonly kinesis?: Pick<ServiceProcess, 'pid' | 'stats'>;
}

/**
 * The Personalize emulator, Kinesis with the stack's stream, local S3 and the gateway, with the handlers'
 * environment pointing at them; each is stopped with the rest.
 */
export async function startServices(
  config: LocalModeConfig,
  options: LocalModeOptions,
  stops: Stops,
  demoPage?: GatewayOptions['demoPage'],
): Promise<Services> {
  const processes: { personalize?: ServiceProcess; kinesis?: ServiceProcess } = {};
  const personalize = await startEmulator(config, options, processes);
  stops.push(() => personalize.close());
  const kinesis = await startStream(config, options, processes, stops);
  const s3 = await startS3StandIn({ port: options.s3Port ?? 0, dir: config.s3Dir, ...recording(options) });
  stops.push(() => s3.close());
  const failedRecords = new FailedRecordsBucket(s3.store, config.failedRecordsBucketName, (key, status) =>
    s3.record(onFailurePutCall(config.failedRecordsBucketName, key, status)),
  );
  // The handlers build their SDK clients when their module loads: the environment comes first.
  stops.push(setEnvironment(handlerEnvironment(config, personalize.endpoint, kinesis.endpoint, s3.endpoint)));
  // The functions' EMF lines go to <state>/metrics/emf.log and the metrics page, as CloudWatch Logs would
  // turn them into metrics, instead of the terminal.
  const metrics = new MetricStore((since) => personalize.serviceMetrics.since(since));
  stops.push(tapEmfLines(join(config.stateDir, 'metrics', 'emf.log'), (line) => metrics.addEmfLine(line)));
  // Started with the handlers' environment set; stopped after the gateway, before the tap (which takes the
  // lines the workers hand back).
  const invocations = options.invocationWorkers
    ? new InvocationPool({
        size: options.invocationWorkers,
        handlersDir: join(PROJECT_ROOT, 'lambda'),
        log: config.log,
      })
    : undefined;
  if (invocations) stops.push(() => invocations.close());
  // The gateway listens before provisioning, so a port already in use is reported at once.
  const gateway = await startGateway({
    port: config.port,
    apiKey: config.apiKey,
    streamName: config.streamName,
    kinesis: kinesis.client,
    region: config.region,
    loadHandler: (name) =>
      invocations
        ? Promise.resolve(invocations.handler<ProxyHandler>(name))
        : loadHandler<ProxyHandler>(name),
    functionName: (handler) => `${config.stackName}-${handler}`,
    portVariable: 'PORT',
    log: config.log,
    ...(demoPage ? { demoPage } : {}),
    sites: [metricsPageSite(metrics)],
  });
  stops.push(() => gateway.close());
  return {
    personalize,
    kinesis,
    s3,
    failedRecords,
    gateway,
    metrics,
    processes,
    ...(invocations ? { invocations } : {}),
  };
}

function recording(options: LocalModeOptions): { recordCalls: boolean } {
  return { recordCalls: options.recordCalls ?? false };
}

/** The event source mapping's PutObject to its S3 destination, recorded as made with the function's role. */
function onFailurePutCall(bucket: string, key: string, status: number): S3Call {
  return {
    operation: 'PutObject',
    action: 's3:PutObject',
    resources: [`arn:aws:s3:::${bucket}/${key}`],
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    status,
    via: 'local',
  };
}

async function startEmulator(
  config: LocalModeConfig,
  options: LocalModeOptions,
  processes: { personalize?: ServiceProcess },
): Promise<PersonalizeEmulator> {
  const emulatorOptions = {
    port: options.personalizePort ?? 0,
    s3Dir: config.s3Dir,
    stateDir: join(config.stateDir, 'personalize'),
    region: config.region,
    accountId: ACCOUNT_ID,
    ...recording(options),
    ...(options.personalizeTransitionMs === undefined
      ? {}
      : { transitionMs: options.personalizeTransitionMs }),
    ...(options.personalizeTransitionMsByKind === undefined
      ? {}
      : { transitionMsByKind: options.personalizeTransitionMsByKind }),
    ...(options.automaticUpdateMs === undefined ? {} : { automaticUpdateMs: options.automaticUpdateMs }),
  };
  const started = options.separateProcesses
    ? emulatorProcess(emulatorOptions, processes)
    : startPersonalizeEmulator(emulatorOptions);
  return started.catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE'
      ? new PortInUseError(options.personalizePort ?? 0, 'Personalize emulator', 'PERSONALIZE_PORT')
      : error;
  });
}

/**
 * The emulator in a child process: its endpoint, and its AWS/Personalize counts kept here for the metrics
 * page. What only an emulator in this process can do synchronously (faults, the call record) is reached over
 * its admin routes instead (`/_emulator/faults`, `/_emulator/calls`).
 */
async function emulatorProcess(
  options: Omit<PersonalizeEmulatorOptions, 'time' | 'models'>,
  processes: { personalize?: ServiceProcess },
): Promise<PersonalizeEmulator> {
  const serviceMetrics = new ServiceMetrics(() => Date.now());
  const child = await startServiceProcess(
    { service: 'personalize', options },
    { onData: (points) => serviceMetrics.addPoints(points), onExit: serviceProcessDied() },
  ).catch(asErrnoError);
  processes.personalize = child;
  const inAnotherProcess = (what: string) => (): never => {
    throw new Error(
      `The Personalize emulator runs in its own process (pid ${child.pid}): ${what} is reached over its admin routes (/_emulator/faults, /_emulator/calls)`,
    );
  };
  return {
    endpoint: child.endpoint,
    port: child.port,
    injectFaults: inAnotherProcess('injectFaults'),
    clearFaults: inAnotherProcess('clearFaults'),
    get calls(): never {
      return inAnotherProcess('calls')();
    },
    clearCalls: inAnotherProcess('clearCalls'),
    runAutomaticUpdates: inAnotherProcess('runAutomaticUpdates (/_emulator/automatic-updates)'),
    serviceMetrics,
    close: () => child.close(),
  };
}

/** A start failure from a child, as the error code it had there (EADDRINUSE is answered by the caller). */
function asErrnoError(error: unknown): never {
  if (error instanceof ServiceStartError && error.code) {
    throw Object.assign(new Error(error.message), { code: error.code });
  }
  throw error;
}

/**
 * A service process that dies while local mode runs leaves it unable to serve: an error nothing handles, so
 * the command line's backstop stops local mode and exits non-zero (shutdown.ts), saying which died.
 */
function serviceProcessDied(): (error: Error) => void {
  return (error) => {
    setImmediate(() => {
      throw error;
    });
  };
}

/** Kinesis with the stack's stream; its server and client are stopped with the rest. */
async function startStream(
  config: LocalModeConfig,
  options: LocalModeOptions,
  processes: { kinesis?: ServiceProcess },
  stops: Stops,
): Promise<{ endpoint: string; client: KinesisClient }> {
  const kinesisOptions = {
    port: options.kinesisPort ?? 0,
    dataDir: join(config.stateDir, 'kinesis'),
    portVariable: 'KINESIS_PORT',
  };
  const server = options.separateProcesses
    ? await startServiceProcess(
        { service: 'kinesis', options: kinesisOptions },
        { onExit: serviceProcessDied() },
      )
    : await startKinesis(kinesisOptions);
  if (options.separateProcesses) processes.kinesis = server as ServiceProcess;
  stops.push(() => server.close());
  const client = createKinesisClient(server.endpoint, config.region);
  stops.push(() => client.destroy());
  await ensureStream(client, config.streamName);
  return { endpoint: server.endpoint, client };
}

/** The Lambda environment the stack gives its functions, pointed at local mode's services. */
function handlerEnvironment(
  config: LocalModeConfig,
  personalizeEndpoint: string,
  kinesisEndpoint: string,
  s3Endpoint: string,
): Record<string, string | undefined> {
  return {
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: undefined,
    AWS_ENDPOINT_URL_PERSONALIZE: personalizeEndpoint,
    AWS_ENDPOINT_URL_PERSONALIZE_EVENTS: personalizeEndpoint,
    AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME: personalizeEndpoint,
    AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    SOLUTION_REGION: config.region,
    // No X-Ray here: the tracer is off outside Lambda anyway; manual mode keeps the X-Ray SDK it loads from
    // installing an async hook on the whole process.
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_MANUAL_MODE: 'true',
    [OWNER_TAG_ENV]: config.stackName,
    // The stack values the functions read (lib/contract/api-routes.ts), set once provisioned.
    ...stackValueEnvironment(undefined),
    [DATASET_GROUP_ARN_ENV]: config.datasetGroupArn,
    [FAILED_RECORDS_BUCKET_ENV]: config.failedRecordsBucketName,
  };
}

/** Imports a handler module from `lambda/` (TypeScript, through tsx or ts-jest) and returns its `handler`. */
export async function loadHandler<T>(name: string): Promise<T> {
  const module = (await import(join(PROJECT_ROOT, 'lambda', name))) as { handler?: T };
  if (typeof module.handler !== 'function')
    throw new Error(`lambda/${name}.ts does not export a handler function`);
  return module.handler;
}

/**
 * Sets variables of the handlers' environment once local mode is running (the stack values, once provisioned):
 * in this process and on the invocation workers; undefined removes one.
 */
export function setHandlerEnvironment(services: Services, values: Record<string, string | undefined>): void {
  applyEnvironment(values);
  services.invocations?.setEnvironment(values);
}

/** Sets variables (undefined removes one) and returns what restores the previous values. */
function setEnvironment(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  applyEnvironment(values);
  return () => applyEnvironment(previous);
}

function applyEnvironment(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    // `process.env[name] = undefined` would set the text "undefined".
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
