import * as path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { acknowledge } from './acknowledge';
import { DEFAULTS } from './defaults';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The runtime every function of the project uses: Node.js 22 on arm64 (Graviton). */
const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;
const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

/** The file a function's `entry` names. */
function entryFile(entry: string, projectRoot: string = PROJECT_ROOT): string {
  return path.join(projectRoot, 'lambda', `${entry}.ts`);
}

/**
 * How every function is bundled (NodejsFunction's `bundling`, esbuild run locally, never in Docker).
 * scripts/bundle-report.ts and test/infra/bundle-size.test.ts build the same bundles from this definition
 * through `functionEsbuildOptions`. Figures from `npm run bundle-report` (Node.js 20, a busy 2-core machine;
 * init = a fresh process `require`s the bundle, median of 10, CPU milliseconds):
 *
 * - The SDK is bundled, not taken from the runtime. With `@aws-sdk/*` external a route function's bundle is
 *   95 KiB instead of 427, but its init is no faster (CPU 155-260 ms against 140-165: the runtime's SDK is
 *   hundreds of unminified files), and the handlers would run with SDK versions they were not tested with.
 * - Modules the SDK loads only lazily, on a path a function never takes, are left out (below): 558 KiB ->
 *   427 KiB for a route function. test/infra/bundle-size.test.ts loads each bundle with nothing outside it.
 * - Source maps without the sources embedded: 740 KiB instead of 1964 for a route function, and the same
 *   file:line in stack traces. `--enable-source-maps` stays on (NODE_OPTIONS below): it costs about 30 ms
 *   of init (CPU ~185 ms with it, ~150 without), a fair price for errors that name the TypeScript line.
 *   Before these changes (and zod's named import, since made a namespace import) a route function was
 *   915 KiB with a 3297 KiB map, and its init CPU 220-240 ms, 300-320 with source maps.
 */
const FUNCTION_BUNDLING = {
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  externalModules: [
    // Required lazily by the SDK's default credential chain only after the environment's credentials were
    // not found; Lambda always sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, so
    // they never load (the SSO, STS and sign-in clients come with them).
    '@aws-sdk/credential-provider-http',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@smithy/credential-provider-imds',
    // Imported dynamically by the browser user-agent provider only.
    'bowser',
  ],
} as const satisfies BundlingOptions;

const ESBUILD_FORMAT: Record<OutputFormat, 'cjs' | 'esm'> = {
  [OutputFormat.CJS]: 'cjs',
  [OutputFormat.ESM]: 'esm',
};

/**
 * The esbuild options NodejsFunction passes for FUNCTION_BUNDLING (its command line: `--bundle <entry>
 * --target --platform=node --format --outfile --minify --sourcemap --sources-content --external:...`),
 * as a `build()` call, writing `outfile` (and `outfile.map`).
 */
export function functionEsbuildOptions(entry: string, outfile: string, projectRoot?: string): BuildOptions {
  return {
    entryPoints: [entryFile(entry, projectRoot)],
    bundle: true,
    target: FUNCTION_BUNDLING.target,
    platform: 'node',
    format: ESBUILD_FORMAT[FUNCTION_BUNDLING.format],
    outfile,
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    external: [...FUNCTION_BUNDLING.externalModules],
  };
}

export interface HandlerFunctionProps {
  /** File name under `lambda/`, without `.ts` (as `handler` in lib/contract/api-routes.ts). */
  readonly entry: string;
  /**
   * Exported function of the entry file that Lambda invokes.
   * @default 'handler'
   */
  readonly exportName?: string;
  /** @default - no description */
  readonly description?: string;
  /**
   * Extra environment variables, merged over the defaults.
   * @default - only the defaults (`NODE_OPTIONS=--enable-source-maps`)
   */
  readonly environment?: Record<string, string>;
  /** @default DEFAULTS.function.timeout (30 seconds) */
  readonly timeout?: Duration;
  /** @default DEFAULTS.function.memorySize (256) */
  readonly memorySize?: number;
  /**
   * How long the function's log group keeps its logs.
   * @default DEFAULTS.logRetention.standard (one month)
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Lambda function with the project's defaults in one place: Node.js 22 on arm64, bundled locally with
 * esbuild (never Docker), source maps, X-Ray tracing, its own log group with a retention, and a role that
 * may write only to that log group (no AWSLambdaBasicExecutionRole, whose log grant is account-wide).
 */
export class HandlerFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(props.entry)) {
      throw new Error(
        `HandlerFunction entry must be a file name under lambda/ without extension, got "${props.entry}"`,
      );
    }
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? DEFAULTS.logRetention.standard,
      // Logs of a destroyed stack have no reader left; `cdk destroy` leaves nothing behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs lambda/${props.entry}.ts`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = this.createFunction(props);
    this.acknowledgeFindings();
  }

  /** The function itself, writing to `this.logGroup` with `this.role`. */
  private createFunction(props: HandlerFunctionProps): NodejsFunction {
    return new NodejsFunction(this, 'Function', {
      entry: entryFile(props.entry),
      handler: props.exportName ?? 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULTS.function.memorySize,
      timeout: props.timeout ?? DEFAULTS.function.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      role: this.role,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: { ...FUNCTION_BUNDLING, externalModules: [...FUNCTION_BUNDLING.externalModules] },
    });
  }

  /** What cdk-nag reports on every function and is deliberate, each with its reason. */
  private acknowledgeFindings(): void {
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime every function of the project is built for (esbuild target node22) and tested against; a newer runtime is adopted deliberately, with its own build target and tests, not by default.',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5',
      'X-Ray tracing (Tracing.ACTIVE) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions. Any other action granted on "*" is acknowledged where it is granted, with its own reason.',
      ['Resource::*'],
    );
  }
}
