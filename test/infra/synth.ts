/**
 * Synthesizes the stack as bin/app.ts does, with cdk.json's feature flags, for template assertions.
 * Bundling the ~11 functions is the slow part of a synth: only the test that checks the bundles asks for it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RecommendationsStack, type RecommendationsStackProps } from '../../lib/recommendations-stack';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

export const STACK_NAME = 'NearRealTimeRecommendations';

export interface Synthesized {
  readonly app: App;
  readonly stack: RecommendationsStack;
  readonly template: Template;
}

export function synthesize(
  options: { bundle?: boolean; props?: RecommendationsStackProps; context?: Record<string, unknown> } = {},
): Synthesized {
  const app = new App({
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      // As `cdk deploy -c key=value` passes them: strings.
      ...options.context,
    },
  });
  const stack = new RecommendationsStack(app, STACK_NAME, options.props);
  return { app, stack, template: Template.fromStack(stack) };
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
