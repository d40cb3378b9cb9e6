import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { acknowledge, attributeFinding } from './acknowledge';
import { DEFAULTS } from './defaults';
import { HandlerFunction } from './handler-function';

export interface PollingProviderProps {
  /** File under `lambda/` exporting `onEvent` and `isComplete`. */
  readonly entry: string;
  readonly onEventDescription: string;
  readonly isCompleteDescription: string;
  /** @default - the HandlerFunction defaults only */
  readonly environment?: Record<string, string>;
  /** How long isComplete may keep answering "not yet". @default DEFAULTS.customResource.totalTimeout (1 hour) */
  readonly totalTimeout?: Duration;
  /** @default DEFAULTS.customResource.queryInterval (30 seconds) */
  readonly queryInterval?: Duration;
}

export interface PollingProvider {
  readonly onEvent: HandlerFunction;
  readonly isComplete: HandlerFunction;
  readonly provider: cr.Provider;
}

/**
 * A custom resource provider that polls: the project's onEvent and isComplete handlers (HandlerFunction) and
 * the custom-resources Provider framework, as children `OnEvent`, `IsComplete`, `Provider` and
 * `ProviderLogs` of `scope`. Those ids must not change for an existing resource: CloudFormation refuses to
 * change a custom resource's ServiceToken (the framework function's ARN) on update.
 */
export function addPollingProvider(scope: Construct, props: PollingProviderProps): PollingProvider {
  const handler = (id: string, exportName: string, description: string) =>
    new HandlerFunction(scope, id, {
      entry: props.entry,
      exportName,
      description,
      environment: props.environment,
      timeout: DEFAULTS.customResource.handlerTimeout,
      logRetention: DEFAULTS.logRetention.customResource,
    });
  const onEvent = handler('OnEvent', 'onEvent', props.onEventDescription);
  const isComplete = handler('IsComplete', 'isComplete', props.isCompleteDescription);

  const provider = new cr.Provider(scope, 'Provider', {
    onEventHandler: onEvent.function,
    isCompleteHandler: isComplete.function,
    queryInterval: props.queryInterval ?? DEFAULTS.customResource.queryInterval,
    totalTimeout: props.totalTimeout ?? DEFAULTS.customResource.totalTimeout,
    logGroup: new logs.LogGroup(scope, 'ProviderLogs', {
      retention: DEFAULTS.logRetention.customResource,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
  });
  acknowledgeFramework(provider, [onEvent, isComplete]);
  return { onEvent, isComplete, provider };
}

export interface OnEventProviderProps {
  /** File under `lambda/` exporting `onEvent`. */
  readonly entry: string;
  readonly onEventDescription: string;
  /** @default - the HandlerFunction defaults only */
  readonly environment?: Record<string, string>;
}

/**
 * A custom resource provider whose onEvent does all the work at once (no isComplete, no waiter): the
 * project's onEvent handler and the Provider framework, as children `OnEvent`, `Provider` and `ProviderLogs`
 * of `scope` (ids kept for the same reason as addPollingProvider's).
 */
export function addOnEventProvider(
  scope: Construct,
  props: OnEventProviderProps,
): { readonly onEvent: HandlerFunction; readonly provider: cr.Provider } {
  const onEvent = new HandlerFunction(scope, 'OnEvent', {
    entry: props.entry,
    exportName: 'onEvent',
    description: props.onEventDescription,
    environment: props.environment,
    timeout: DEFAULTS.customResource.handlerTimeout,
    logRetention: DEFAULTS.logRetention.customResource,
  });
  const provider = new cr.Provider(scope, 'Provider', {
    onEventHandler: onEvent.function,
    logGroup: new logs.LogGroup(scope, 'ProviderLogs', {
      retention: DEFAULTS.logRetention.customResource,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
  });
  acknowledgeFramework(provider, [onEvent]);
  return { onEvent, provider };
}

/**
 * The Provider framework's own functions, roles and waiter state machine are built by aws-cdk-lib and cannot
 * be configured further; what cdk-nag reports on them is acknowledged here, finding by finding.
 */
function acknowledgeFramework(provider: cr.Provider, handlers: readonly HandlerFunction[]): void {
  const frameworkFunctions = ['framework-isComplete', 'framework-onTimeout'].flatMap((childId) => {
    const child = provider.node.tryFindChild(childId);
    return child ? [child] : [];
  });
  const waiter = provider.node.tryFindChild('waiter-state-machine') !== undefined;
  acknowledge(
    provider,
    'AwsSolutions-IAM4',
    'The custom-resources Provider framework functions use AWSLambdaBasicExecutionRole (logs only); their roles are not configurable.',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  );
  acknowledge(
    provider,
    'AwsSolutions-IAM5',
    "The Provider framework may invoke any version of this provider's handlers (function ARN followed by :*), and nothing else.",
    [...handlers.map((h) => h.function), ...frameworkFunctions].map((fn) =>
      attributeFinding(fn, 'Arn', ':*'),
    ),
  );
  if (!waiter) return;
  acknowledge(
    provider,
    'AwsSolutions-SF1',
    'The Provider framework\'s waiter state machine only polls isComplete; each poll is logged by the isComplete function (its own log group), so state machine logging (which needs logs:* on "*") would add nothing.',
  );
  acknowledge(
    provider,
    'AwsSolutions-SF2',
    "The Provider framework's waiter state machine does not expose X-Ray tracing; it only polls isComplete.",
  );
}
