/**
 * The options `startLocalMode` takes, and what they resolve to once: names as the stack gives them,
 * directories, ports, the API key. The state directory is claimed (locked, and wiped on `--reset`) here.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  personalizeNames,
  RETIRABLE_ITEMS_SCHEMA,
  type PersonalizeNames,
} from '../../lib/contract/personalize-schemas';
import type { EventSourceSettings } from '../lambda/stream-consumer';
import type { TransitionMsByKind } from '../personalize';
import { LOCK_FILE, lockStateDirectory } from '../shared/state-lock';
import { writePrivateFile } from './outputs';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const ACCOUNT_ID = '000000000000';
/** The file in the state directory that keeps the API key between starts. */
export const API_KEY_FILE = 'api-key';

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
  /** The stack's `usersDataset` context: a Users dataset, filled by POST /users. @default false */
  readonly usersDataset?: boolean;
  /**
   * The stack's `retirableItems` context: the Items schema with AVAILABILITY and the `available` filter applied by
   * default. A state directory made without it holds another dataset group (the names fingerprint the schema).
   * @default false
   */
  readonly retirableItems?: boolean;
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
  /** Some kinds' own step duration (`{ eventTracker: 1000 }`). @default every kind takes personalizeTransitionMs */
  readonly personalizeTransitionMsByKind?: TransitionMsByKind;
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
  /**
   * Time between User-Personalization's automatic updates, which bring items added with PutItems into the
   * served model (two hours on AWS). Tests and a demo of new items shorten it; local mode's emulator also runs
   * them at once on `POST /_emulator/automatic-updates` with the `x-emulator-admin` header. @default 7,200,000
   */
  readonly automaticUpdateMs?: number;
  /**
   * Run the Personalize emulator and Kinesis each in a child process of their own (started and stopped with
   * local mode, dying with it), so the gateway and the handlers have a core to themselves: what `npm start`
   * and the benchmark do. Off, everything runs in this process, and `personalize` also offers what only an
   * emulator in this process can (injectFaults, calls): what tests use. @default false
   */
  readonly separateProcesses?: boolean;
  /**
   * Worker threads the handlers run on (local/lambda/invocation-pool.ts), as Lambda runs invocations in
   * execution environments of their own, leaving the gateway's thread its HTTP work; 0 runs them in this thread
   * (a debugger's breakpoints in lambda/ then hit). npm start takes INVOCATION_WORKERS. @default 0
   */
  readonly invocationWorkers?: number;
  /** Wipe the state directory first. */
  readonly reset?: boolean;
  /**
   * Also train a solution version, create a campaign and the event tracker (as `cdk deploy -c
   * provision=true`), and write their outputs. @default false
   */
  readonly provision?: boolean;
  /** @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Aborts the start (the command line's Ctrl-C): the step under way ends, what was started stops, and
   * startLocalMode rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

/** Names, directories and ports, resolved once from the options and the environment. */
export interface LocalModeConfig {
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

/** The invocation workers npm start runs the handlers on when INVOCATION_WORKERS is not set. */
const DEFAULT_INVOCATION_WORKERS = 0;

/** npm start's invocation workers: INVOCATION_WORKERS (0 runs the handlers in the gateway's thread), else the default. */
export function invocationWorkersSetting(value = process.env.INVOCATION_WORKERS): number {
  if (value === undefined || value === '') return DEFAULT_INVOCATION_WORKERS;
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    throw new Error(`INVOCATION_WORKERS must be a whole number from 0 to 64, got "${value}"`);
  }
  return workers;
}

export function resolveStateDir(options: LocalModeOptions): string {
  return resolve(options.stateDir ?? process.env.STATE_DIR ?? join(PROJECT_ROOT, '.local-state'));
}

/**
 * Creates the state directory and takes its lock (before `reset` touches anything in it, so a reset never
 * wipes the state of a local mode still running); returns what releases the lock.
 */
export function claimStateDir(stateDir: string, reset: boolean | undefined): () => void {
  mkdirSync(stateDir, { recursive: true });
  const unlock = lockStateDirectory(stateDir);
  if (reset) {
    for (const entry of readdirSync(stateDir)) {
      if (entry !== LOCK_FILE) rmSync(join(stateDir, entry), { recursive: true, force: true });
    }
  }
  return unlock;
}

export function resolveConfig(options: LocalModeOptions, stateDir: string): LocalModeConfig {
  const stackName = options.stackName ?? 'NearRealTimeRecommendations';
  const region = options.region ?? 'us-east-1';
  // The same names the stack gives its resources, recipe included (it fingerprints the solution name).
  const names = personalizeNames(stackName, {
    recipeArn: options.recipeArn,
    ...(options.retirableItems ? { itemsSchema: RETIRABLE_ITEMS_SCHEMA } : {}),
  });
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

function parsePort(value: string | undefined, variable: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${variable} must be a port number from 0 to 65535, got "${value}"`);
  }
  return port;
}
