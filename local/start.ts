/**
 * `npm start`: the whole system on this machine, on 127.0.0.1, with no AWS account: the Personalize
 * emulator, Kinesis (kinesalite), the event source mapping, the dead-letter queue, the Firehose archive and
 * the API gateway, provisioned as the stack provisions and serving the same API at `/prod`.
 *
 * `startLocalMode` is the programmatic entry point (tests and the benchmark start it on free ports).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { personalizeNames, USER_PERSONALIZATION_RECIPE_ARN } from '../lib/personalize-schemas';
import { PUT_EVENTS_CONSUMER } from '../lib/api-routes';
import { STACK_OUTPUTS } from '../lib/stack-outputs';
import { startPersonalizeEmulator, type PersonalizeEmulator } from './personalize';
import { StreamArchive } from './archive';
import { CheckpointFile } from './checkpoints';
import { DeadLetterFile, startSqsStandIn } from './dead-letter';
import { startGateway, type ProxyHandler } from './gateway';
import { createKinesisClient, ensureStream, startKinesis } from './kinesis';
import { PortInUseError } from './listen';
import { provisionPersonalize } from './provision';
import { StreamConsumer, type EventSourceSettings, type KinesisHandler } from './stream-consumer';

const PROJECT_ROOT = resolve(__dirname, '..');
const ACCOUNT_ID = '000000000000';

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
  /** Directory standing for S3. @default `<stateDir>/s3` */
  readonly s3Dir?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Ports of the internal services. @default 0 (free ports) */
  readonly personalizePort?: number;
  readonly kinesisPort?: number;
  /** Duration of each Personalize lifecycle step. @default the emulator's (200 ms) */
  readonly personalizeTransitionMs?: number;
  /** Overrides of the stack's event source mapping settings (tests shorten the batching window). */
  readonly eventSourceSettings?: Partial<EventSourceSettings>;
  readonly consumerRetryDelayMs?: (attempt: number) => number;
  /** @default 60 (the stack's) */
  readonly archiveBufferingSeconds?: number;
  /** Wipe the state directory first. */
  readonly reset?: boolean;
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
  readonly stateDir: string;
  readonly outputsFile: string;
  readonly deadLetterFile: string;
  readonly personalize: PersonalizeEmulator;
  readonly kinesis: KinesisClient;
  readonly consumer: StreamConsumer;
  readonly archive: StreamArchive;
  close(): Promise<void>;
}

export async function startLocalMode(options: LocalModeOptions = {}): Promise<LocalMode> {
  const log = options.log ?? console.log;
  const stackName = options.stackName ?? 'NearRealTimeRecommendations';
  const region = options.region ?? 'us-east-1';
  const stateDir = resolve(options.stateDir ?? process.env.STATE_DIR ?? join(PROJECT_ROOT, '.local-state'));
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const s3Dir = resolve(options.s3Dir ?? join(stateDir, 's3'));
  const outputsFile = resolve(options.outputsFile ?? join(stateDir, 'outputs.json'));
  const port = options.port ?? parsePort(process.env.PORT, 'PORT') ?? 3000;
  const apiKey = options.apiKey ?? process.env.API_KEY ?? loadOrCreateApiKey(join(stateDir, 'api-key'));
  const names = personalizeNames(stackName);
  const streamName = `${stackName}-events`;
  const streamArn = `arn:aws:kinesis:${region}:${ACCOUNT_ID}:stream/${streamName}`;
  const archiveBucketName = `${stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-archive`;

  // Everything started so far, stopped in reverse order if a later step fails or on close.
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse().splice(0)) {
      try {
        await stop();
      } catch (error) {
        log(`local mode: while stopping: ${String(error)}`);
      }
    }
  };
  try {
    const personalize = await startPersonalizeEmulator({
      port: options.personalizePort ?? 0,
      s3Dir,
      stateDir: join(stateDir, 'personalize'),
      region,
      accountId: ACCOUNT_ID,
      ...(options.personalizeTransitionMs === undefined
        ? {}
        : { transitionMs: options.personalizeTransitionMs }),
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE'
        ? new PortInUseError(options.personalizePort ?? 0, 'Personalize emulator', 'PERSONALIZE_PORT')
        : error;
    });
    stops.push(() => personalize.close());

    const kinesisServer = await startKinesis({
      port: options.kinesisPort ?? 0,
      dataDir: join(stateDir, 'kinesis'),
      portVariable: 'KINESIS_PORT',
    });
    stops.push(() => kinesisServer.close());
    const kinesis = createKinesisClient(kinesisServer.endpoint, region);
    stops.push(() => kinesis.destroy());
    await ensureStream(kinesis, streamName);

    const deadLetters = new DeadLetterFile(join(stateDir, 'dead-letters.jsonl'));
    const sqs = await startSqsStandIn({
      port: 0,
      queueName: `${stackName}-dead-letter`,
      deadLetters,
      accountId: ACCOUNT_ID,
    });
    stops.push(() => sqs.close());

    // The handlers build their SDK clients when their module loads: the environment comes first.
    const restoreEnvironment = setEnvironment({
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: undefined,
      AWS_ENDPOINT_URL_PERSONALIZE: personalize.endpoint,
      AWS_ENDPOINT_URL_PERSONALIZE_EVENTS: personalize.endpoint,
      AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME: personalize.endpoint,
      AWS_ENDPOINT_URL_KINESIS: kinesisServer.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      DEAD_LETTER_QUEUE_URL: sqs.queueUrl,
      SOLUTION_REGION: region,
    });
    stops.push(restoreEnvironment);

    // The gateway listens before provisioning, so a port already in use is reported at once.
    const gateway = await startGateway({
      port,
      apiKey,
      streamName,
      kinesis,
      region,
      loadHandler: (name) => loadHandler<ProxyHandler>(name),
      functionName: (handler) => `${stackName}-${handler}`,
      portVariable: 'PORT',
      log,
    });
    stops.push(() => gateway.close());

    const personalizeClient = new PersonalizeClient({ region, endpoint: personalize.endpoint });
    stops.push(() => personalizeClient.destroy());
    const model = await provisionPersonalize(personalizeClient, {
      names,
      recipeArn: options.recipeArn ?? USER_PERSONALIZATION_RECIPE_ARN,
      interactionDataLocation: toLocalS3(
        options.interactionDataLocation ?? join(PROJECT_ROOT, 'data', 'interactions.csv'),
        s3Dir,
        'interactions',
      ),
      itemDataLocation: toLocalS3(
        options.itemDataLocation ?? join(PROJECT_ROOT, 'data', 'items.csv'),
        s3Dir,
        'items',
      ),
      importRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${stackName}-personalize-import`,
      log,
    });

    const consumerHandler = await loadHandler<KinesisHandler>(PUT_EVENTS_CONSUMER.handler);
    const consumer = new StreamConsumer({
      kinesis,
      streamName,
      streamArn,
      region,
      functionName: `${stackName}-${PUT_EVENTS_CONSUMER.handler}`,
      handler: consumerHandler,
      checkpoints: new CheckpointFile(join(stateDir, 'consumer-checkpoints.json')),
      deadLetters,
      log,
      ...(options.eventSourceSettings ? { settings: options.eventSourceSettings } : {}),
      ...(options.consumerRetryDelayMs ? { retryDelayMs: options.consumerRetryDelayMs } : {}),
    });
    await consumer.start();
    stops.push(() => consumer.close());

    const archive = new StreamArchive({
      kinesis,
      streamName,
      deliveryStreamName: `${stackName}-archive`,
      bucketDir: join(s3Dir, archiveBucketName),
      checkpoints: new CheckpointFile(join(stateDir, 'archive-checkpoints.json')),
      bufferingIntervalSeconds: options.archiveBufferingSeconds ?? 60,
      log,
    });
    await archive.start();
    stops.push(() => archive.close());

    const outputs: StackOutputs = {
      [STACK_OUTPUTS.apiUrl]: `${gateway.url}/`,
      [STACK_OUTPUTS.apiKeyId]: 'local',
      [STACK_OUTPUTS.datasetGroupArn]: model.datasetGroupArn,
      [STACK_OUTPUTS.solutionArn]: model.solutionArn,
      [STACK_OUTPUTS.streamName]: streamName,
      [STACK_OUTPUTS.archiveBucketName]: archiveBucketName,
      // Local only: on AWS the key's value is read with `aws apigateway get-api-key --include-value`.
      ApiKey: apiKey,
    };
    writeOutputsFile(outputsFile, stackName, outputs);

    let closing: Promise<void> | undefined;
    return {
      url: gateway.url,
      apiKey,
      outputs,
      stackName,
      stateDir,
      outputsFile,
      deadLetterFile: deadLetters.path,
      personalize,
      kinesis,
      consumer,
      archive,
      close: () => (closing ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
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

function loadOrCreateApiKey(path: string): string {
  if (existsSync(path)) {
    const kept = readFileSync(path, 'utf8').trim();
    if (kept) return kept;
  }
  // API Gateway's generated keys: 40 letters and digits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const key = [...randomBytes(40)].map((byte) => alphabet[byte % alphabet.length]).join('');
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return key;
}

function writeOutputsFile(path: string, stackName: string, outputs: StackOutputs): void {
  mkdirSync(dirname(path), { recursive: true });
  // As `cdk deploy --outputs-file`: outputs keyed by stack name.
  writeFileSync(path, `${JSON.stringify({ [stackName]: outputs }, null, 2)}\n`);
}

function parsePort(value: string | undefined, variable: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${variable} must be a port number from 0 to 65535, got "${value}"`);
  }
  return port;
}

/** Command-line options, named like the stack's deploy parameters (`--interactionDataLocation s3://...`). */
export function parseArguments(argv: readonly string[]): LocalModeOptions {
  const values: Record<string, string | boolean> = {};
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (!argument.startsWith('--')) throw new Error(`Unexpected argument ${argument}`);
    let [name, value] = argument.slice(2).split(/=(.*)/s) as [string, string | undefined];
    if (!KNOWN_OPTIONS.includes(name)) throw new Error(`Unknown option --${name}\n${USAGE}`);
    if (name === 'help' || name === 'reset') {
      values[name] = true;
      continue;
    }
    if (value === undefined) {
      value = argv[index + 1];
      index += 1;
      if (value === undefined) throw new Error(`--${name} needs a value`);
    }
    // `--parameters interactionDataLocation=s3://...`, as `cdk deploy` takes them.
    if (name === 'parameters') [name, value] = value.split(/=(.*)/s) as [string, string];
    values[name] = value ?? '';
  }
  const unknown = Object.keys(values).filter((name) => !KNOWN_OPTIONS.includes(name));
  if (unknown.length > 0)
    throw new Error(`Unknown option(s): ${unknown.map((name) => `--${name}`).join(', ')}\n${USAGE}`);
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  return {
    ...(text('state-dir') ? { stateDir: text('state-dir') } : {}),
    ...(text('outputs-file') ? { outputsFile: text('outputs-file') } : {}),
    ...(text('stack-name') ? { stackName: text('stack-name') } : {}),
    ...(text('interactionDataLocation') ? { interactionDataLocation: text('interactionDataLocation') } : {}),
    ...(text('itemDataLocation') ? { itemDataLocation: text('itemDataLocation') } : {}),
    ...(text('recipeArn') ? { recipeArn: text('recipeArn') } : {}),
    ...(text('s3-dir') ? { s3Dir: text('s3-dir') } : {}),
    ...(values.reset ? { reset: true } : {}),
  };
}

const KNOWN_OPTIONS = [
  'help',
  'reset',
  'state-dir',
  'outputs-file',
  'stack-name',
  'interactionDataLocation',
  'itemDataLocation',
  'recipeArn',
  's3-dir',
  'bucketARN',
  'bucketObjectsARN',
  'solutionRegion',
  'parameters',
];

const USAGE = `Usage: npm start -- [options]

  --interactionDataLocation <path|s3://bucket/key>  interactions CSV (default: data/interactions.csv)
  --itemDataLocation <path|s3://bucket/key>         items CSV (default: data/items.csv)
  --state-dir <dir>        where everything persists (default: STATE_DIR or .local-state/)
  --outputs-file <file>    stack outputs as JSON (default: <state-dir>/outputs.json)
  --stack-name <name>      prefix of every name (default: NearRealTimeRecommendations)
  --recipeArn <arn>        the solution's recipe (default: aws-user-personalization)
  --s3-dir <dir>           the directory standing for S3 (default: <state-dir>/s3)
  --reset                  delete the state directory first
  bucketARN, bucketObjectsARN and solutionRegion are accepted and ignored (local S3 needs no bucket policy).

Environment: PORT (default 3000), API_KEY (default: generated once, kept in the state directory), STATE_DIR.`;

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  console.log('Starting local mode (Personalize emulator, Kinesis, gateway)...');
  const local = await startLocalMode(options);
  const outputs = local.outputs;
  const base = local.url.replace('127.0.0.1', 'localhost');
  console.log(`
Local mode is up: the API of stack ${local.stackName} at ${base}

  API key          ${local.apiKey}
  Dataset group    ${outputs[STACK_OUTPUTS.datasetGroupArn]}
  Solution         ${outputs[STACK_OUTPUTS.solutionArn]}
  Stream           ${outputs[STACK_OUTPUTS.streamName]}
  State directory  ${local.stateDir}
  Stack outputs    ${local.outputsFile}
  Dead letters     ${local.deadLetterFile}

Train a solution version first:

  curl -s -X POST '${base}/solutionVersion' \\
    -H 'x-api-key: ${local.apiKey}' -H 'Content-Type: application/json' \\
    -d '{"solutionArn": "${outputs[STACK_OUTPUTS.solutionArn]}", "version": "v1"}'

The rest of the walkthrough: README.md, or bash scripts/walkthrough.sh. Ctrl-C stops everything.
`);
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

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`\nLocal mode did not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
