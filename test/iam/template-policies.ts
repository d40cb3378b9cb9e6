/**
 * The identity policies of a synthesized template, with CloudFormation's intrinsic functions resolved to the
 * values a deployment would give them (here: local mode's ARNs), so they can be evaluated against real calls.
 */
import type { Statement } from './policy-evaluator';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Bindings {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Values of `Ref`s to parameters and resources, by logical id. */
  readonly refs: Readonly<Record<string, string>>;
  /** Values of `Fn::GetAtt`s, by `LogicalId.Attribute`. */
  readonly attributes: Readonly<Record<string, string>>;
}

interface TemplateJson {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

/** A value no ARN matches: an attribute the bindings do not know cannot grant anything by accident. */
const unresolved = (what: string) => `<unresolved ${what}>`;

/** A resolved value as it stands in a string: scalars as String() writes them, a structure as JSON. */
function textOf(value: Json): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

export function resolve(value: Json, bindings: Bindings): Json {
  if (Array.isArray(value)) return value.map((item) => resolve(item, bindings));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const argument = value[key] as Json;
    switch (key) {
      case 'Ref':
        return refValue(textOf(argument), bindings);
      case 'Fn::GetAtt': {
        const [id, attribute] = argument as [string, string];
        return bindings.attributes[`${id}.${attribute}`] ?? unresolved(`${id}.${attribute}`);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, Json[]];
        return parts.map((part) => textOf(resolve(part, bindings))).join(separator);
      }
      case 'Fn::Sub':
        return sub(argument, bindings);
      case 'Fn::Split': {
        const [separator, source] = argument as [string, Json];
        return textOf(resolve(source, bindings)).split(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [number | string, Json];
        const items = resolve(list, bindings);
        return Array.isArray(items)
          ? (items[Number(index)] ?? unresolved('Fn::Select'))
          : unresolved('Fn::Select');
      }
      default:
        if (key.startsWith('Fn::')) throw new Error(`The resolver does not model ${key}`);
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, bindings)]));
}

function refValue(name: string, bindings: Bindings): string {
  switch (name) {
    case 'AWS::Partition':
      return bindings.partition;
    case 'AWS::Region':
      return bindings.region;
    case 'AWS::AccountId':
      return bindings.accountId;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      return bindings.refs[name] ?? unresolved(`Ref ${name}`);
  }
}

function sub(argument: Json, bindings: Bindings): string {
  const [text, variables] = Array.isArray(argument)
    ? (argument as [string, Record<string, Json>])
    : [textOf(argument), {} as Record<string, Json>];
  return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
    if (name in variables) return textOf(resolve(variables[name] as Json, bindings));
    if (name.includes('.')) return bindings.attributes[name] ?? unresolved(name);
    return refValue(name, bindings);
  });
}

/** Every statement of the policies attached to the role, resolved (inline `Policies` and `AWS::IAM::Policy`). */
export function roleStatements(
  template: TemplateJson,
  roleLogicalId: string,
  bindings: Bindings,
): Statement[] {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role of the template`);
  if (role.Properties?.ManagedPolicyArns) {
    throw new Error(`${roleLogicalId} has managed policies, which this evaluator cannot read`);
  }
  const documents: Json[] = [];
  for (const policy of (role.Properties?.Policies as Array<{ PolicyDocument: Json }> | undefined) ?? []) {
    documents.push(policy.PolicyDocument);
  }
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles as Json[] | undefined) ?? [];
    if (roles.some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId }))) {
      documents.push(resource.Properties?.PolicyDocument as Json);
    }
  }
  return documents.flatMap(
    (document) => (resolve(document, bindings) as { Statement: Statement[] }).Statement,
  );
}
