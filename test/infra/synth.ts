/**
 * Synthesizes the stack as bin/app.ts does, with cdk.json's feature flags, for template assertions.
 *
 * A synthesis inside a jest worker costs most in loading aws-cdk-lib's construct modules, again in every test
 * file (each has its own module registry): about 15 s of CPU for the first template of a file. So the variants
 * several files read (SHARED_VARIANTS) are synthesized once per test run, natively, by one child process
 * (synth-cache-producer.ts) into the run's cache directory (jest's globalSetup, test/synth-cache-setup.ts),
 * and a test reads its template from there; `app` and `stack` (cdk-nag, construct paths) are synthesized in the
 * test's own process only when it reads them. Without the cache directory (another runner), or for any other
 * variant, everything is synthesized in the test's process. The producer also runs cdk-nag's AwsSolutions pack
 * on the variants whose tree the tests check (`tree: true`) and keeps what they read of it (`Synthesized.tree`),
 * so those tests need no construct tree of their own either.
 * Bundling the functions is the slow part of a synth: only the test that checks the bundles asks for it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RECIPES, recipeArnOf } from '../../lib/contract/recipes';
import type { RecommendationsStack, RecommendationsStackProps } from '../../lib/recommendations-stack';
import { SYNTH_CACHE_VARIABLE } from '../synth-cache-setup';
import { processRunning } from './bundled-synth';

const ROOT = path.join(__dirname, '..', '..');
const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

export const STACK_NAME = 'NearRealTimeRecommendations';

export interface SynthOptions {
  readonly bundle?: boolean;
  readonly props?: RecommendationsStackProps;
  /** As `cdk deploy -c key=value` passes them: strings. */
  readonly context?: Record<string, string>;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: RecommendationsStack;
  readonly template: Template;
  /** cdk-nag's findings on the app and the stack's construct tree, as data. */
  readonly tree: TreeReport;
}

/** What the tests read of a synthesized app's construct tree. */
export interface TreeReport {
  /**
   * The violations cdk-nag's AwsSolutions pack reports on the app (the pack lib/app.ts registers, run by
   * validateScope as the CLI runs it): each rule with its severity and the construct paths of its resources.
   */
  readonly violations: ReadonlyArray<{
    readonly ruleName: string;
    readonly severity?: string;
    readonly constructPaths: readonly string[];
  }>;
  /** Every acknowledged finding in the stack's tree: the construct's path, the rule id, the reason. */
  readonly acknowledgements: ReadonlyArray<{
    readonly path: string;
    readonly id: string;
    readonly reason: string;
  }>;
  /** The path of every construct in the stack's tree. */
  readonly constructPaths: readonly string[];
}

/** A variant synthesized once per run; `tree`: its TreeReport too (cdk-nag's run costs a second or two). */
export interface SharedVariant extends SynthOptions {
  readonly tree?: boolean;
}

const popularityCount = 'arn:aws:personalize:::recipe/aws-popularity-count';
/**
 * The variants the infra tests read, synthesized once per run (a variant that fails is kept as its error), in
 * the order the longest-first sequencer starts the files that read them: the default first (most files read it).
 */
export const SHARED_VARIANTS: readonly SharedVariant[] = [
  { tree: true },
  { context: { usersDataset: 'true' } },
  { context: { usersDataset: 'true', retirableItems: 'true' }, tree: true },
  { context: { demoPage: 'true' }, tree: true },
  // Each recipe as `-c recipeArn=` gives it: those served with their tree, those refused as their error.
  ...RECIPES.map(({ name, refused }) => ({ props: { recipeArn: recipeArnOf(name) }, tree: !refused })),
  { context: { provision: 'true' }, tree: true },
  { context: { provision: 'true', demoPage: 'true' } },
  { context: { provision: 'true' }, props: { recipeArn: popularityCount } },
  { context: { apiGatewayCloudWatchRole: 'false' } },
  { context: { batchingWindowSeconds: '0' } },
  { context: { alarmEmail: 'ops@example.com' } },
  ...['rate(7 days)', 'rate(1 day)', 'rate(30 days)'].map((autoTraining) => ({ context: { autoTraining } })),
  { props: { autoTraining: 'rate(3 days)' }, context: { autoTraining: 'false' } },
  // Refused at synth: the error is what the test reads.
  { context: { apiGatewayCloudWatchRole: 'no' } },
  { context: { batchingWindowSeconds: '301' } },
  { context: { batchingWindowSeconds: 'soon' } },
  { context: { alarmEmail: 'not-an-address' } },
  { context: { provision: 'yes' } },
  { context: { demoPage: 'yes' } },
  { context: { usersDataset: 'yes' } },
  ...['true', 'rate(31 days)', 'rate(0 days)', 'rate(7 hours)', 'weekly'].map((autoTraining) => ({
    context: { autoTraining },
  })),
];

/** The stack synthesized in this process (what the cache producer runs, and the fallback). */
export function synthesizeHere(options: SynthOptions = {}): Synthesized {
  // Loaded here, not at the top: a test served by the cache never loads the construct modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('../../lib/recommendations-stack') as typeof import('../../lib/recommendations-stack');
  const cacheDirectory = process.env[SYNTH_CACHE_VARIABLE];
  const app = new cdk.App({
    // In the run's directory when there is one, which goes at the end of the run (else a system temp dir).
    ...(cacheDirectory && fs.existsSync(cacheDirectory)
      ? { outdir: fs.mkdtempSync(path.join(cacheDirectory, 'cdk.out-')) }
      : {}),
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const stack = new lib.RecommendationsStack(app, STACK_NAME, options.props);
  const template = Template.fromStack(stack);
  let tree: TreeReport | undefined;
  return {
    app,
    stack,
    template,
    get tree() {
      return (tree ??= treeReportOf(app, stack));
    },
  };
}

/** cdk-nag's AwsSolutions pack run on the app, and the stack's acknowledgements and construct paths. */
function treeReportOf(app: App, stack: RecommendationsStack): TreeReport {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Validations } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
  // The same pack lib/app.ts registers; validateScope runs it on the tree without the CLI.
  const { violations } = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
  const constructs = stack.node.findAll();
  return {
    violations: violations.map(({ ruleName, severity, violatingResources }) => ({
      ruleName,
      ...(severity === undefined ? {} : { severity }),
      constructPaths: violatingResources.map((resource) => resource.constructPath ?? ''),
    })),
    acknowledgements: constructs.flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            path: construct.node.path,
            id,
            reason,
          })),
        ),
    ),
    constructPaths: constructs.map((construct) => construct.node.path),
  };
}

export function synthesize(options: SynthOptions = {}): Synthesized {
  const cached = options.bundle ? undefined : cachedVariant(options);
  if (cached === undefined) return synthesizeHere(options);
  let here: Synthesized | undefined;
  const live = () => (here ??= synthesizeHere(options));
  const template = Template.fromJSON(cached.template);
  return {
    template,
    get app() {
      return live().app;
    },
    get stack() {
      return live().stack;
    },
    get tree() {
      return cached.tree ?? live().tree;
    },
  };
}

/** The file of a variant in the cache directory (a hash of its options, keys sorted). */
export function cacheFileOf(directory: string, options: SynthOptions): string {
  const sorted = (record: object | undefined) =>
    Object.entries(record ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const key = JSON.stringify({ context: sorted(options.context), props: sorted(options.props) });
  return path.join(directory, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
}

/** What the producer writes per variant. */
export type CachedVariant = { template: Record<string, unknown>; tree?: TreeReport } | { error: string };

const shared = (options: SynthOptions) =>
  SHARED_VARIANTS.some((variant) => cacheFileOf('', variant) === cacheFileOf('', options));

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * The variant's template (and tree report) from the run's cache (throwing its error as the synthesis did),
 * waiting for the producer, which the first file to ask starts; undefined when there is no cache or it cannot
 * serve.
 */
function cachedVariant(
  options: SynthOptions,
): { template: Record<string, unknown>; tree?: TreeReport } | undefined {
  const directory = process.env[SYNTH_CACHE_VARIABLE];
  if (!directory || !fs.existsSync(directory) || !shared(options)) return undefined;
  const producer = startProducerOnce(directory);
  const file = cacheFileOf(directory, options);
  // Generous: the producer writes the default in seconds, all of them in under a minute on a quiet machine.
  const deadline = Date.now() + 300_000;
  while (!fs.existsSync(file)) {
    if (fs.existsSync(path.join(directory, 'done')) || !processRunning(producer) || Date.now() > deadline)
      return undefined;
    Atomics.wait(sleeper, 0, 0, 50);
  }
  const variant = JSON.parse(fs.readFileSync(file, 'utf8')) as CachedVariant;
  if ('error' in variant) throw new Error(variant.error);
  return variant;
}

/** Starts the producer unless another test file did (the lock file holds its pid); returns that pid. */
function startProducerOnce(directory: string): number {
  const lock = path.join(directory, 'producer.pid');
  let fd: number;
  try {
    fd = fs.openSync(lock, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another file started it: its pid appears in a moment.
    const deadline = Date.now() + 10_000;
    let pid = Number(fs.readFileSync(lock, 'utf8'));
    while (!pid && Date.now() < deadline) {
      Atomics.wait(sleeper, 0, 0, 20);
      pid = Number(fs.readFileSync(lock, 'utf8'));
    }
    return pid;
  }
  const log = fs.openSync(path.join(directory, 'producer.log'), 'w');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'synth-cache-producer.ts'), directory],
    {
      cwd: ROOT,
      stdio: ['ignore', log, log],
    },
  );
  child.unref();
  fs.writeSync(fd, String(child.pid ?? 0));
  fs.closeSync(fd);
  fs.closeSync(log);
  return child.pid ?? 0;
}

export type Resource = { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown };

/** The template's resources by logical id. */
export function resourcesOf(template: Template): Record<string, Resource> {
  return (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of the identity policies attached to the role `roleLogicalId`. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties?.Roles as unknown[] | undefined)?.some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

/** The Lambda function whose description starts with `prefix` (route functions: `POST /campaign: ...`). */
export function functionByDescription(
  template: Template,
  prefix: string,
): { id: string; resource: Resource } {
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  const found = Object.entries(functions).filter(([, fn]) =>
    (typeof fn.Properties?.Description === 'string' ? fn.Properties.Description : '').startsWith(prefix),
  );
  if (found.length !== 1)
    throw new Error(`Expected one function described "${prefix}...", found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, resource };
}

/** Logical id of a function's role (`Role: {Fn::GetAtt: [id, 'Arn']}`). */
export function roleOf(fn: Resource): string {
  const role = fn.Properties?.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

/**
 * A role's grants of one service's actions as sorted `{action, resource, condition}` JSON lines, one per
 * action and resource, so a test can compare them exactly (however CDK merged the statements).
 */
export function grantsOfRole(template: Template, roleLogicalId: string, service: string): string[] {
  return statementsOfRole(template, roleLogicalId)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      asArray(statement.Action)
        .filter((action) => action.startsWith(`${service}:`))
        .flatMap((action) =>
          asArray(statement.Resource).map((resource) => grantLine(action, resource, statement.Condition)),
        ),
    )
    .sort();
}

/** One expected grant, in the form of `grantsOfRole`. */
export function grantLine(action: string, resource: unknown, condition?: unknown): string {
  return JSON.stringify({ action, resource, condition: condition ?? null });
}

/** Logical id of the template's only resource of `type` (fails if there are none or several). */
export function onlyLogicalIdOf(
  template: Template,
  type: string,
  properties?: Record<string, unknown>,
): string {
  const ids = Object.keys(template.findResources(type, properties ? { Properties: properties } : undefined));
  if (ids.length !== 1) throw new Error(`Expected one ${type}, found ${ids.length}`);
  return ids[0]!;
}
