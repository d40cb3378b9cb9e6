/**
 * The context keys the stack reads (`cdk deploy -c key=value`), parsed in one place. Values given on the
 * command line arrive as strings; cdk.json may hold JSON values.
 */
import type { IConstruct } from 'constructs';

export const CONTEXT_KEYS = {
  /** `false` for accounts that already have API Gateway's CloudWatch role (default `true`: create it). */
  apiGatewayCloudWatchRole: 'apiGatewayCloudWatchRole',
  /** The solution's automatic training: `false` (default) or a schedule such as `rate(7 days)`. */
  autoTraining: 'autoTraining',
} as const;

/** A true/false context value, `defaultValue` when absent; anything else is refused. */
export function booleanContext(scope: IConstruct, key: string, defaultValue: boolean): boolean {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return defaultValue;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
}
