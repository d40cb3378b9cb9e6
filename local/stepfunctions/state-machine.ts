/**
 * Step Functions in local mode: an ASL definition run by aws-local-stepfunctions (MIT), an interpreter of the
 * Amazon States Language, with its Task states answered here as Step Functions answers them:
 * - `arn:aws:states:::aws-sdk:personalize:<action>`: the real Personalize SDK client (so the emulator sees
 *   the calls as from any client), with Step Functions' conventions for AWS SDK integrations: parameters and
 *   results in PascalCase though Personalize's API is camelCase, and errors named `Personalize.<Exception>`
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html);
 * - `arn:aws:states:::lambda:invoke`: the function registered under the FunctionName parameter, its result
 *   as the optimized integration gives it (`{StatusCode, Payload}`).
 * Wait states wait `waitMs` (the emulator's resources change state in milliseconds, not minutes) or, with
 * `waitMs` undefined, the seconds the definition says: tests drive them with fake timers.
 */
import * as personalizeSdk from '@aws-sdk/client-personalize';
import type { PersonalizeClient } from '@aws-sdk/client-personalize';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface LocalTaskTargets {
  readonly personalize: PersonalizeClient;
  /** Lambda functions by the FunctionName the definition invokes them with. */
  readonly lambdas: Readonly<Record<string, (payload: Json) => Promise<unknown>>>;
}

export interface LocalExecution {
  /** The execution's output, or a rejection with the error it failed with (its `name` is the ASL error). */
  readonly result: Promise<Json>;
  /** StopExecution: no state runs after it. */
  stop(): void;
}

const SDK_PREFIX = 'arn:aws:states:::aws-sdk:personalize:';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

const upperFirst = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
const lowerFirst = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

/** Keys renamed at every depth; dates as ISO strings; the SDK's $metadata dropped. */
function rekey(value: unknown, rename: (key: string) => string): Json {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => rekey(item, rename));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== '$metadata')
        .map(([key, item]) => [rename(key), rekey(item, rename)]),
    );
  }
  return value as Json;
}

/** An error as Step Functions names a service's: `Personalize.<Name>Exception`. */
function serviceError(error: unknown): Error {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const failure = new Error(error instanceof Error ? error.message : String(error));
  failure.name = `Personalize.${name.endsWith('Exception') ? name : `${name}Exception`}`;
  return failure;
}

type Command = new (input: unknown) => Parameters<PersonalizeClient['send']>[0];

function personalizeTask(client: PersonalizeClient, action: string) {
  const commandName = `${upperFirst(action)}Command`;
  const command = (personalizeSdk as unknown as Record<string, Command | undefined>)[commandName];
  if (!command) throw new Error(`The Personalize SDK has no ${commandName} (Task resource ${action})`);
  return async (input: Json): Promise<Json> => {
    try {
      return rekey(await client.send(new command(rekey(input, lowerFirst))), upperFirst);
    } catch (error) {
      throw serviceError(error);
    }
  };
}

function lambdaTask(lambdas: LocalTaskTargets['lambdas']) {
  return async (input: Json): Promise<Json> => {
    const { FunctionName, Payload } = input as { FunctionName?: string; Payload?: Json };
    const fn = FunctionName === undefined ? undefined : lambdas[FunctionName];
    if (!fn) throw new Error(`No local function is registered as ${String(FunctionName)}`);
    return { StatusCode: 200, Payload: ((await fn(Payload ?? null)) ?? null) as Json };
  };
}

interface StateLike {
  readonly Type?: string;
  readonly Resource?: string;
  readonly Branches?: readonly { States: Record<string, StateLike> }[];
  readonly ItemProcessor?: { States: Record<string, StateLike> };
  readonly Iterator?: { States: Record<string, StateLike> };
}

/** Every state of the definition, nested ones (Map, Parallel) included, by name. */
function allStates(states: Record<string, StateLike>): Array<[string, StateLike]> {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, StateLike],
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch.States)),
    ...allStates(state.ItemProcessor?.States ?? {}),
    ...allStates(state.Iterator?.States ?? {}),
  ]);
}

/** Starts an execution of `definition` with `input`. */
export function startExecution(
  definition: Record<string, unknown>,
  input: Json,
  targets: LocalTaskTargets,
  options: { readonly waitMs?: number } = {},
): LocalExecution {
  const states = allStates((definition as { States: Record<string, StateLike> }).States);
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  const waits: Record<string, number> = {};
  for (const [name, state] of states) {
    if (state.Type === 'Wait' && options.waitMs !== undefined) waits[name] = options.waitMs;
    if (state.Type !== 'Task') continue;
    const resource = state.Resource ?? '';
    if (resource.startsWith(SDK_PREFIX)) {
      handlers[name] = personalizeTask(targets.personalize, resource.slice(SDK_PREFIX.length));
    } else if (resource === LAMBDA_INVOKE) {
      handlers[name] = lambdaTask(targets.lambdas);
    } else {
      throw new Error(`Local mode cannot run the Task state ${name} (resource ${resource})`);
    }
  }
  const machine = new StateMachine(definition as unknown as StateMachineDefinition);
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits },
  });
  return { result: execution.result, stop: () => execution.abort() };
}
