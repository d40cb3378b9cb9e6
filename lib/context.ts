/**
 * The context keys the stack reads (`cdk deploy -c key=value`), parsed in one place. Values given on the
 * command line arrive as strings; cdk.json may hold JSON values.
 */
import type { IConstruct } from 'constructs';

export const CONTEXT_KEYS = {
  /** An e-mail address subscribed to the alarm topic (lib/constructs/observability.ts). Default: none. */
  alarmEmail: 'alarmEmail',
  /**
   * The consumer's batching window in seconds, 0 to 300 (default 1): 0 for lower latency and more invocations
   * (docs/events.md).
   */
  batchingWindowSeconds: 'batchingWindowSeconds',
  /** `false` for accounts that already have API Gateway's CloudWatch role (default `true`: create it). */
  apiGatewayCloudWatchRole: 'apiGatewayCloudWatchRole',
  /** The solution's automatic training: `false` (default) or a schedule such as `rate(7 days)`. */
  autoTraining: 'autoTraining',
  /** `true` deploys the demo page (S3 behind CloudFront; lib/constructs/demo-page.ts). Default `false`. */
  demoPage: 'demoPage',
  /**
   * `true` also trains a solution version and creates a campaign and the event tracker during the deploy
   * (lib/constructs/personalize-provisioning.ts), with their ARNs and tracking id as outputs. Default `false`.
   */
  provision: 'provision',
  /**
   * `true` adds a Users dataset (and its schema) to the dataset group, filled by `POST /users` (PutUsers).
   * Default `false`: the group holds the Interactions and Items datasets only. Turning it on adds the dataset to
   * the deployed group without replacing anything.
   */
  usersDataset: 'usersDataset',
  /**
   * `true` gives the Items schema an AVAILABILITY field, so `POST /items` can retire an item, and the `available`
   * filter GET /getRecommendations applies by default. Default `false`. On a deployed stack, turning it on
   * replaces the dataset group (a schema cannot change in place): docs/catalogue.md.
   */
  retirableItems: 'retirableItems',
} as const;

/** A true/false context value, `defaultValue` when absent; anything else is refused. */
export function booleanContext(scope: IConstruct, key: string, defaultValue: boolean): boolean {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return defaultValue;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** The solution's automatic training: off, or on a schedule. */
export interface AutoTrainingSetting {
  readonly performAutoTraining: boolean;
  /** `rate(N days)`, N from 1 to 30 (UpdateSolution's AutoTrainingConfig); with automatic training only. */
  readonly schedulingExpression?: string;
}

/**
 * `false` (the default: no version is trained unless the API asks) or a Personalize schedule,
 * `rate(N day)` / `rate(N days)` with N from 1 to 30.
 */
export function parseAutoTraining(value: unknown): AutoTrainingSetting {
  if (value === undefined || value === false || value === 'false') return { performAutoTraining: false };
  const match = typeof value === 'string' ? value.trim().match(/^rate\((\d+) days?\)$/) : null;
  const days = match ? Number(match[1]) : NaN;
  if (!match || days < 1 || days > 30) {
    throw new Error(
      `Context ${CONTEXT_KEYS.autoTraining} must be false or rate(N days) with N from 1 to 30, got ${JSON.stringify(value)}`,
    );
  }
  return { performAutoTraining: true, schedulingExpression: (value as string).trim() };
}

/** An optional string context value: absent or empty is undefined; anything but a string is refused. */
export function stringContext(scope: IConstruct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new Error(`Context ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}
