/**
 * `npm start`: the whole system on this machine, on 127.0.0.1, with no AWS account: the Personalize
 * emulator, Kinesis (kinesalite), S3 (the failed-records bucket, the archive, the CSVs), the event source
 * mapping with its on-failure destination, the Firehose archive and the API gateway, provisioned as the
 * stack provisions and serving the same API at `/prod`.
 *
 * `startLocalMode` is the programmatic entry point (tests and the benchmark start it on free ports).
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { FAILED_RECORDS_BUCKET_ENV, OWNER_TAG_ENV } from '../lambda/shared/ownership';
import { errorMessage } from '../lambda/shared/service-errors';
import {
  personalizeNames,
  USER_PERSONALIZATION_RECIPE_ARN,
  type PersonalizeNames,
} from '../lib/contract/personalize-schemas';
import { PUT_EVENTS_CONSUMER, stackValueEnvironment } from '../lib/contract/api-routes';
import { STACK_OUTPUTS } from '../lib/contract/stack-outputs';
import { provisionLifecycle } from './cloudformation/provision-lifecycle';
import { startPersonalizeEmulator, type PersonalizeEmulator } from './personalize';
import { StreamArchive } from './firehose/archive';
import { CheckpointFile } from './lambda/checkpoints';
import { FailedRecordsBucket, loadOrCreateMappingUuid } from './lambda/failed-records';
import { startGateway, type LocalGateway, type ProxyHandler } from './apigateway/gateway';
import { createKinesisClient, ensureStream, startKinesis } from './kinesis/kinesis';
import { PortInUseError } from './shared/listen';
import { LOCK_FILE, lockStateDirectory } from './shared/state-lock';
import { provisionPersonalize, type ProvisionedModel } from './cloudformation/provision';
import { nextStep, readLocalState, type LocalState } from './next-step';
import { startS3StandIn, type S3Call, type S3StandIn } from './s3/s3';
import { StreamConsumer, type EventSourceSettings, type KinesisHandler } from './lambda/stream-consumer';

const PROJECT_ROOT = resolve(__dirname, '..');
const ACCOUNT_ID = '000000000000';
/** The credentials every handler gets (nothing local checks them; S3 records the key id). */
const LOCAL_ACCESS_KEY_ID = 'local';
/** The file in the state directory that keeps the API key between starts. */
const API_KEY_FILE = 'api-key';
/** The stack output naming the failed-records bucket (the stack's FailedRecordsBucketName). */
/** The variable the handlers read the dataset group from (lambda/shared/trackers.ts). */
const DATASET_GROUP_ARN_ENV = 'DATASET_GROUP_ARN';

export interface LocalModeOptions {
  /** Gateway port; 0 picks a free one. @default PORT or 3000 */
  readonly port?: number;
  /** @default API_KEY, else the key kept in the state directory, else a new one */
  readonly apiKey?: string;
  /** Where everything persists. @default STATE_DIR or `.local-state/` in the project */
  readonly stateDir?: string;
  /** @default `<stateDir>/outputs.json` */
  readonly outputsFile?: string;
  /** Prefix of every name, as the CDK stack name. @default 'NearRealTimeRecommendations' */
  readonly stackName?: string;
  /** A CSV path, a directory, or `s3://bucket/key` in local S3. @default data/interactions.csv */
  readonly interactionDataLocation?: string;
  /** @default data/items.csv */
  readonly itemDataLocation?: string;
  /** @default aws-user-personalization */
  readonly recipeArn?: string;
  /**
   * The stack's `autoTraining` context: false turns the solution's automatic training off once it is ACTIVE;
   * a schedule (`rate(7 days)`) keeps it on. @default false
   */
  readonly autoTraining?: false | string;
  /** Directory standing for S3. @default `<stateDir>/s3` */
  readonly s3Dir?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Ports of the internal services. @default 0 (free ports) */
  readonly personalizePort?: number;
  readonly kinesisPort?: number;
  readonly s3Port?: number;
  /** Duration of each Personalize lifecycle step. @default the emulator's (200 ms) */
  readonly personalizeTransitionMs?: number;
  /** Overrides of the stack's event source mapping settings (tests shorten the batching window). */
  readonly eventSourceSettings?: Partial<EventSourceSettings>;
  readonly consumerRetryDelayMs?: (attempt: number) => number;
  /** @default 60 (the stack's) */
  readonly archiveBufferingSeconds?: number;
  /**
   * Record the AWS calls that reach the Personalize emulator (`personalize.calls`) and local S3 (`s3.calls`),
   * for IAM conformance tests. @default false
   */
  readonly recordCalls?: boolean;
  /** Wipe the state directory first. */
  readonly reset?: boolean;
  /**
   * Also train a solution version, create a campaign and the event tracker (as `cdk deploy -c
   * provision=true`), and write their outputs. @default false
   */
  readonly provision?: boolean;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

export type StackOutputs = Record<string, string>;

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
  readonly eventSourceMappingUuid: string;
  readonly consumer: StreamConsumer;
  readonly archive: StreamArchive;
  close(): Promise<void>;
}

/** Names, directories and ports, resolved once from the options and the environment. */
interface LocalModeConfig {
  readonly log: (line: string) => void;
  readonly stackName: string;
  readonly region: string;
  readonly stateDir: string;
  readonly s3Dir: string;
  readonly outputsFile: string;
  readonly port: number;
  readonly apiKey: string;
  readonly names: PersonalizeNames;
  readonly streamName: string;
  readonly streamArn: string;
  readonly archiveBucketName: string;
  readonly failedRecordsBucketName: string;
  /** The dataset group's ARN as Personalize forms it (known before it exists, for the handlers). */
  readonly datasetGroupArn: string;
}

function resolveStateDir(options: LocalModeOptions): string {
  return resolve(options.stateDir ?? process.env.STATE_DIR ?? join(PROJECT_ROOT, '.local-state'));
}

/**
 * Creates the state directory and takes its lock (before `reset` touches anything in it, so a reset never
 * wipes the state of a local mode still running); returns what releases the lock.
 */
function claimStateDir(stateDir: string, reset: boolean | undefined): () => void {
  mkdirSync(stateDir, { recursive: true });
  const unlock = lockStateDirectory(stateDir);
  if (reset) {
    for (const entry of readdirSync(stateDir)) {
      if (entry !== LOCK_FILE) rmSync(join(stateDir, entry), { recursive: true, force: true });
    }
  }
  return unlock;
}

function resolveConfig(options: LocalModeOptions, stateDir: string): LocalModeConfig {
  const stackName = options.stackName ?? 'NearRealTimeRecommendations';
  const region = options.region ?? 'us-east-1';
  // The same names the stack gives its resources, recipe included (it fingerprints the solution name).
  const names = personalizeNames(stackName, { recipeArn: options.recipeArn });
  const streamName = `${stackName}-events`;
  // Bucket names as the stack's: lower case, so a stack name's capitals do not make an invalid bucket.
  const bucketPrefix = stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return {
    log: options.log ?? console.log,
    stackName,
    region,
    stateDir,
    s3Dir: resolve(options.s3Dir ?? join(stateDir, 's3')),
    outputsFile: resolve(options.outputsFile ?? join(stateDir, 'outputs.json')),
    port: options.port ?? parsePort(process.env.PORT, 'PORT') ?? 3000,
    apiKey: options.apiKey ?? process.env.API_KEY ?? loadOrCreateApiKey(join(stateDir, API_KEY_FILE)),
    names,
    streamName,
    streamArn: `arn:aws:kinesis:${region}:${ACCOUNT_ID}:stream/${streamName}`,
    archiveBucketName: `${bucketPrefix}-archive`,
    failedRecordsBucketName: `${bucketPrefix}-failed-records`,
    datasetGroupArn: `arn:aws:personalize:${region}:${ACCOUNT_ID}:dataset-group/${names.datasetGroup}`,
  };
}

/** What was started, stopped in reverse order on close or when a later step fails. */
class Stops {
  private readonly stops: Array<() => Promise<void> | void> = [];

  constructor(private readonly log: (line: string) => void) {}

  push(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.stops.reverse().splice(0)) {
      try {
        await stop();
      } catch (error) {
        this.log(`local mode: while stopping: ${String(error)}`);
      }
    }
  }
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
    const services = await startServices(config, options, stops);
    const model = await provision(config, options, services.personalize.endpoint);
    // The dataset group as predicted, the solution and datasets as provisioned; restored on close.
    Object.assign(process.env, stackValueEnvironment(model));
    const readers = await startStreamReaders(config, options, services, stops);
    const outputs = {
      ...stackOutputs(config, services.gateway.url, model),
      ...(options.provision ? await provisionLifecycle(config, model, options.personalizeTransitionMs) : {}),
    };
    writeOutputsFile(config.outputsFile, config.stackName, outputs);
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
      ...readers,
      close: () => (closing ??= stops.stopAll()),
    };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

/** What serves before anything is provisioned: the AWS services' stand-ins and the API. */
interface Services {
  readonly personalize: PersonalizeEmulator;
  readonly kinesis: { readonly endpoint: string; readonly client: KinesisClient };
  readonly s3: S3StandIn;
  readonly failedRecords: FailedRecordsBucket;
  readonly gateway: LocalGateway;
}

/**
 * The Personalize emulator, Kinesis with the stack's stream, local S3 and the gateway, with the handlers'
 * environment pointing at them; each is stopped with the rest.
 */
async function startServices(
  config: LocalModeConfig,
  options: LocalModeOptions,
  stops: Stops,
): Promise<Services> {
  const personalize = await startEmulator(config, options);
  stops.push(() => personalize.close());
  const kinesis = await startStream(config, options, stops);
  const s3 = await startS3StandIn({ port: options.s3Port ?? 0, dir: config.s3Dir, ...recording(options) });
  stops.push(() => s3.close());
  const failedRecords = new FailedRecordsBucket(s3.store, config.failedRecordsBucketName, (key, status) =>
    s3.record(onFailurePutCall(config.failedRecordsBucketName, key, status)),
  );
  // The handlers build their SDK clients when their module loads: the environment comes first.
  stops.push(setEnvironment(handlerEnvironment(config, personalize.endpoint, kinesis.endpoint, s3.endpoint)));
  // The gateway listens before provisioning, so a port already in use is reported at once.
  const gateway = await startGateway({
    port: config.port,
    apiKey: config.apiKey,
    streamName: config.streamName,
    kinesis: kinesis.client,
    region: config.region,
    loadHandler: (name) => loadHandler<ProxyHandler>(name),
    functionName: (handler) => `${config.stackName}-${handler}`,
    portVariable: 'PORT',
    log: config.log,
  });
  stops.push(() => gateway.close());
  return { personalize, kinesis, s3, failedRecords, gateway };
}

/** The stream's readers, once the model exists: the event source mapping (the consumer) and the archive. */
async function startStreamReaders(
  config: LocalModeConfig,
  options: LocalModeOptions,
  { kinesis, failedRecords }: Services,
  stops: Stops,
): Promise<Pick<LocalMode, 'eventSourceMappingUuid' | 'consumer' | 'archive'>> {
  const eventSourceMappingUuid = loadOrCreateMappingUuid(join(config.stateDir, 'event-source-mapping.json'));
  const consumer = await startConsumer(
    config,
    options,
    kinesis.client,
    failedRecords,
    eventSourceMappingUuid,
  );
  stops.push(() => consumer.close());
  const archive = await startArchive(config, options, kinesis.client);
  stops.push(() => archive.close());
  return { eventSourceMappingUuid, consumer, archive };
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
): Promise<PersonalizeEmulator> {
  return startPersonalizeEmulator({
    port: options.personalizePort ?? 0,
    s3Dir: config.s3Dir,
    stateDir: join(config.stateDir, 'personalize'),
    region: config.region,
    accountId: ACCOUNT_ID,
    ...recording(options),
    ...(options.personalizeTransitionMs === undefined
      ? {}
      : { transitionMs: options.personalizeTransitionMs }),
  }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE'
      ? new PortInUseError(options.personalizePort ?? 0, 'Personalize emulator', 'PERSONALIZE_PORT')
      : error;
  });
}

/** Kinesis with the stack's stream; its server and client are stopped with the rest. */
async function startStream(
  config: LocalModeConfig,
  options: LocalModeOptions,
  stops: Stops,
): Promise<{ endpoint: string; client: KinesisClient }> {
  const server = await startKinesis({
    port: options.kinesisPort ?? 0,
    dataDir: join(config.stateDir, 'kinesis'),
    portVariable: 'KINESIS_PORT',
  });
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
    [OWNER_TAG_ENV]: config.stackName,
    // The stack values the functions read (lib/contract/api-routes.ts), set once provisioned.
    ...stackValueEnvironment(undefined),
    [DATASET_GROUP_ARN_ENV]: config.datasetGroupArn,
    [FAILED_RECORDS_BUCKET_ENV]: config.failedRecordsBucketName,
  };
}

async function provision(
  config: LocalModeConfig,
  options: LocalModeOptions,
  personalizeEndpoint: string,
): Promise<ProvisionedModel> {
  const client = new PersonalizeClient({ region: config.region, endpoint: personalizeEndpoint });
  try {
    return await provisionPersonalize(client, {
      names: config.names,
      recipeArn: options.recipeArn ?? USER_PERSONALIZATION_RECIPE_ARN,
      interactionDataLocation: toLocalS3(
        options.interactionDataLocation ?? join(PROJECT_ROOT, 'data', 'interactions.csv'),
        config.s3Dir,
        'interactions',
      ),
      itemDataLocation: toLocalS3(
        options.itemDataLocation ?? join(PROJECT_ROOT, 'data', 'items.csv'),
        config.s3Dir,
        'items',
      ),
      importRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${config.stackName}-personalize-import`,
      autoTraining: options.autoTraining ?? false,
      log: config.log,
    });
  } finally {
    client.destroy();
  }
}

/** The event source mapping: the consumer handler, fed from the stream, failures to the bucket. */
async function startConsumer(
  config: LocalModeConfig,
  options: LocalModeOptions,
  kinesis: KinesisClient,
  failedRecords: FailedRecordsBucket,
  mappingUuid: string,
): Promise<StreamConsumer> {
  const consumer = new StreamConsumer({
    kinesis,
    streamName: config.streamName,
    streamArn: config.streamArn,
    region: config.region,
    accountId: ACCOUNT_ID,
    functionName: `${config.stackName}-${PUT_EVENTS_CONSUMER.handler}`,
    handler: await loadHandler<KinesisHandler>(PUT_EVENTS_CONSUMER.handler),
    checkpoints: new CheckpointFile(join(config.stateDir, 'consumer-checkpoints.json')),
    onFailure: failedRecords,
    mappingUuid,
    log: config.log,
    ...(options.eventSourceSettings ? { settings: options.eventSourceSettings } : {}),
    ...(options.consumerRetryDelayMs ? { retryDelayMs: options.consumerRetryDelayMs } : {}),
  });
  await consumer.start();
  return consumer;
}

async function startArchive(
  config: LocalModeConfig,
  options: LocalModeOptions,
  kinesis: KinesisClient,
): Promise<StreamArchive> {
  const archive = new StreamArchive({
    kinesis,
    streamName: config.streamName,
    deliveryStreamName: `${config.stackName}-archive`,
    bucketDir: join(config.s3Dir, config.archiveBucketName),
    checkpoints: new CheckpointFile(join(config.stateDir, 'archive-checkpoints.json')),
    bufferingIntervalSeconds: options.archiveBufferingSeconds ?? 60,
    log: config.log,
  });
  await archive.start();
  return archive;
}

function stackOutputs(config: LocalModeConfig, gatewayUrl: string, model: ProvisionedModel): StackOutputs {
  return {
    [STACK_OUTPUTS.apiUrl]: `${gatewayUrl}/`,
    [STACK_OUTPUTS.apiKeyId]: 'local',
    [STACK_OUTPUTS.datasetGroupArn]: model.datasetGroupArn,
    [STACK_OUTPUTS.solutionArn]: model.solutionArn,
    [STACK_OUTPUTS.streamName]: config.streamName,
    [STACK_OUTPUTS.archiveBucketName]: config.archiveBucketName,
    [STACK_OUTPUTS.failedRecordsBucketName]: config.failedRecordsBucketName,
    // Local only: on AWS the key's value is read with `aws apigateway get-api-key --include-value`.
    ApiKey: config.apiKey,
  };
}

/** Imports a handler module from `lambda/` (TypeScript, through tsx or ts-jest) and returns its `handler`. */
async function loadHandler<T>(name: string): Promise<T> {
  const module = (await import(join(PROJECT_ROOT, 'lambda', name))) as { handler?: T };
  if (typeof module.handler !== 'function')
    throw new Error(`lambda/${name}.ts does not export a handler function`);
  return module.handler;
}

/** Sets variables (undefined removes one) and returns what restores the previous values. */
function setEnvironment(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const apply = (entries: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(values);
  return () => apply(previous);
}

/**
 * A data location as the emulator reads it: `s3://bucket/key` stays (it names `<s3Dir>/bucket/key`); a local
 * file or directory is copied into local S3 (bucket `local-data`) so the import job reads it as from S3.
 */
export function toLocalS3(location: string, s3Dir: string, dataset: string): string {
  if (location.startsWith('s3://')) return location;
  const source = isAbsolute(location) ? location : resolve(process.cwd(), location);
  if (!existsSync(source))
    throw new Error(`Data location ${location} does not exist (for the ${dataset} dataset)`);
  const key = statSync(source).isDirectory() ? `${dataset}/` : `${dataset}/${basename(source)}`;
  const target = join(s3Dir, 'local-data', key);
  rmSync(join(s3Dir, 'local-data', dataset), { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true });
  return `s3://local-data/${key}`;
}

/** The key kept in the state directory (readable by its owner only, also when it was not), or a new one. */
function loadOrCreateApiKey(path: string): string {
  if (existsSync(path)) {
    chmodSync(path, 0o600);
    const kept = readFileSync(path, 'utf8').trim();
    if (kept) return kept;
  }
  // API Gateway's generated keys: 40 letters and digits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const key = [...randomBytes(40)].map((byte) => alphabet[byte % alphabet.length]).join('');
  writePrivateFile(path, `${key}\n`);
  return key;
}

/** The outputs hold the API key: the file is its owner's only, whatever mode an earlier file had. */
function writeOutputsFile(path: string, stackName: string, outputs: StackOutputs): void {
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

function parsePort(value: string | undefined, variable: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${variable} must be a port number from 0 to 65535, got "${value}"`);
  }
  return port;
}

/**
 * Command-line options, named like the stack's deploy parameters (`--interactionDataLocation s3://...`).
 * bucketARN, bucketObjectsARN and solutionRegion are accepted and ignored.
 */
const OPTIONS = {
  help: { type: 'boolean' },
  reset: { type: 'boolean' },
  provision: { type: 'boolean' },
  'state-dir': { type: 'string' },
  'outputs-file': { type: 'string' },
  'stack-name': { type: 'string' },
  interactionDataLocation: { type: 'string' },
  itemDataLocation: { type: 'string' },
  recipeArn: { type: 'string' },
  autoTraining: { type: 'string' },
  's3-dir': { type: 'string' },
  bucketARN: { type: 'string' },
  bucketObjectsARN: { type: 'string' },
  solutionRegion: { type: 'string' },
  // `--parameters interactionDataLocation=s3://...`, as `cdk deploy` takes them.
  parameters: { type: 'string', multiple: true },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

const isOption = (name: string): name is keyof typeof OPTIONS => Object.hasOwn(OPTIONS, name);

/**
 * The options' values in the order given (a later one wins), `--parameters name=value` as `--name value`.
 * parseArgs reads the command line (`--name value`, `--name=value`); its tokens are checked here so a bad
 * argument gets the message naming it.
 */
function optionValues(argv: readonly string[]): Map<string, string | true> {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string | true>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !token.rawName.startsWith('--')) {
      throw new Error(`Unexpected argument ${argv[token.index]}`);
    }
    if (!isOption(token.name)) throw new Error(`Unknown option --${token.name}\n${USAGE}`);
    if (OPTIONS[token.name].type === 'boolean') {
      values.set(token.name, true);
    } else if (token.value === undefined) {
      throw new Error(`--${token.name} needs a value`);
    } else if (token.name === 'parameters') {
      const [name, value = ''] = token.value.split(/=(.*)/s) as [string, string?];
      values.set(name, value);
    } else {
      values.set(token.name, token.value);
    }
  }
  const unknown = [...values.keys()].filter((name) => !isOption(name));
  if (unknown.length > 0)
    throw new Error(`Unknown option(s): ${unknown.map((name) => `--${name}`).join(', ')}\n${USAGE}`);
  return values;
}

/** Command-line options, named like the stack's deploy parameters (`--interactionDataLocation s3://...`). */
export function parseArguments(argv: readonly string[]): LocalModeOptions {
  const values = optionValues(argv);
  if (values.get('help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const text = (name: keyof typeof OPTIONS) => {
    const value = values.get(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const autoTraining = text('autoTraining');
  return {
    ...(text('state-dir') ? { stateDir: text('state-dir') } : {}),
    ...(text('outputs-file') ? { outputsFile: text('outputs-file') } : {}),
    ...(text('stack-name') ? { stackName: text('stack-name') } : {}),
    ...(text('interactionDataLocation') ? { interactionDataLocation: text('interactionDataLocation') } : {}),
    ...(text('itemDataLocation') ? { itemDataLocation: text('itemDataLocation') } : {}),
    ...(text('recipeArn') ? { recipeArn: text('recipeArn') } : {}),
    ...(autoTraining ? { autoTraining: autoTraining === 'false' ? false : autoTraining } : {}),
    ...(text('s3-dir') ? { s3Dir: text('s3-dir') } : {}),
    ...(values.get('reset') ? { reset: true } : {}),
    ...(values.get('provision') ? { provision: true } : {}),
  };
}

const USAGE = `Usage: npm start -- [options]

  --interactionDataLocation <path|s3://bucket/key>  interactions CSV (default: data/interactions.csv)
  --itemDataLocation <path|s3://bucket/key>         items CSV (default: data/items.csv)
  --state-dir <dir>        where everything persists (default: STATE_DIR or .local-state/)
  --outputs-file <file>    stack outputs as JSON (default: <state-dir>/outputs.json)
  --stack-name <name>      prefix of every name (default: NearRealTimeRecommendations)
  --recipeArn <arn>        the solution's recipe (default: aws-user-personalization)
  --autoTraining <false|rate(N days)>  the solution's automatic training: off (default), as the stack
                           turns it off, or on with that schedule
  --s3-dir <dir>           the directory standing for S3 (default: <state-dir>/s3)
  --reset                  delete the state directory first
  --provision              also train a version, create a campaign and the event tracker (as
                           cdk deploy -c provision=true); their ARNs and tracking id go to the outputs
  bucketARN, bucketObjectsARN and solutionRegion are accepted and ignored (local S3 needs no bucket policy).

Environment: PORT (default 3000), API_KEY (default: generated once, kept in the state directory), STATE_DIR.`;

/** The command that replays the failed records of a running local mode into its Personalize. */
export function replayFailuresCommand(local: LocalMode): string {
  return [
    `AWS_ENDPOINT_URL_S3=${local.s3.endpoint} AWS_ENDPOINT_URL_PERSONALIZE_EVENTS=${local.personalize.endpoint} \\`,
    `  AWS_REGION=${local.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\`,
    `  npm run replay-failures -- ${local.failedRecords.uri}`,
  ].join('\n');
}

function banner(local: LocalMode, state: LocalState): string {
  const outputs = local.outputs;
  const base = local.url.replace('127.0.0.1', 'localhost');
  const next = nextStep(state, base, local.apiKey, {
    solutionArn: output(local, STACK_OUTPUTS.solutionArn),
    datasetGroupArn: output(local, STACK_OUTPUTS.datasetGroupArn),
  });
  const indent = (text: string) => text.replace(/^/gm, '  ');
  return `
Local mode is up: the API of stack ${local.stackName} at ${base}

  Demo page        ${base.replace(/\/prod$/, '/')} (a click changes the recommendations: enter the API key)
  API key          ${local.apiKey}
  Dataset group    ${outputs[STACK_OUTPUTS.datasetGroupArn]}
  Solution         ${outputs[STACK_OUTPUTS.solutionArn]}
  Stream           ${outputs[STACK_OUTPUTS.streamName]}
  State directory  ${local.stateDir}
  Stack outputs    ${local.outputsFile}
  Local S3         ${local.s3.endpoint} (the files: ${local.s3.store.dir})
  Failed records   ${local.failedRecords.uri}
                     aws/lambda/  batches the event source mapping gave up on
                     consumer/    records the consumer set aside, with their error

${next}

Failed records, once their cause is fixed, go to Personalize with the command below; each object is
deleted once sent. Add --dry-run to see what would be sent, --tracking-id <id> to send them to another
event tracker, --keep to keep the objects:

${indent(replayFailuresCommand(local))}

The rest of the walkthrough: README.md, or bash scripts/walkthrough.sh. Ctrl-C stops everything.
`;
}

/** A stack output local mode always writes. */
function output(local: LocalMode, name: string): string {
  const value = local.outputs[name];
  if (value === undefined) throw new Error(`Local mode wrote no ${name} output`);
  return value;
}

/** What the stack's dataset group holds (GET /status); an empty state (with a note) if it cannot be read, as the banner only advises. */
async function localState(local: LocalMode): Promise<LocalState> {
  try {
    return await readLocalState(local.url, local.apiKey);
  } catch (error) {
    console.error(`Could not read what the dataset group holds (GET /status): ${errorMessage(error)}`);
    return {};
  }
}

function stopOnSignals(local: LocalMode): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping local mode...`);
    local.close().then(
      () => {
        console.log('Stopped. State kept in', local.stateDir);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/**
 * The backstop of the command line (not of startLocalMode): an error nothing handled is a bug, so it is
 * logged and local mode stops, releasing its state directory, and exits non-zero rather than serving on in
 * an unknown state. The servers answer every request themselves; this is not how they survive one.
 */
function exitOnUnexpectedErrors(running: () => LocalMode | undefined): void {
  let failing = false;
  const fail = (kind: string, error: unknown) => {
    console.error(
      `\nLocal mode stopped on an ${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    if (failing) process.exit(1);
    failing = true;
    setTimeout(() => process.exit(1), 5000).unref();
    const exit = () => process.exit(1);
    void (running()?.close() ?? Promise.resolve()).then(exit, exit);
  };
  process.on('unhandledRejection', (error) => fail('unhandled rejection', error));
  process.on('uncaughtException', (error) => fail('uncaught exception', error));
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const started: { local?: LocalMode } = {};
  exitOnUnexpectedErrors(() => started.local);
  console.log('Starting local mode (Personalize emulator, Kinesis, S3, gateway)...');
  const local = await startLocalMode(options);
  started.local = local;
  console.log(banner(local, await localState(local)));
  stopOnSignals(local);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`\nLocal mode did not start: ${errorMessage(error)}`);
    process.exit(1);
  });
}
