import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The runtime every function of the project uses (DESIGN.md: Node.js 22, arm64). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

export interface HandlerFunctionProps {
  /** File name under `lambda/`, without `.ts` (as `handler` in lib/api-routes.ts). */
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
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * How long the function's log group keeps its logs.
   * @default logs.RetentionDays.ONE_MONTH
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
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs of a destroyed stack have no reader left; `cdk destroy` leaves nothing behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs lambda/${props.entry}.ts`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'lambda', `${props.entry}.ts`),
      handler: props.exportName ?? 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
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
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: OutputFormat.CJS,
        // The SDK is bundled, not taken from the runtime: the handlers run with the versions they were
        // tested with, and tree-shaking keeps each bundle small.
        externalModules: [],
      },
    });
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime the project decided on (DESIGN.md) and tests against; a newer runtime is adopted deliberately, not by default.',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5',
      'X-Ray tracing (Tracing.ACTIVE) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions. Any other action granted on "*" is acknowledged where it is granted, with its own reason.',
      ['Resource::*'],
    );
  }
}
