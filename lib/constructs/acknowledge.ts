import { CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on `scope` and everything under it, with the reason a reviewer reads.
 * With `findings`, only those findings of the rule (cdk-nag's `Rule[Finding]` ids, e.g.
 * `AwsSolutions-IAM5[Resource::*]`) are acknowledged, never the whole rule.
 */
export function acknowledge(
  scope: IConstruct,
  rule: string,
  reason: string,
  findings?: readonly string[],
): void {
  if (reason.trim().length < 20)
    throw new Error(`Acknowledging ${rule} needs a reason a reviewer can accept`);
  if (findings === undefined) {
    Validations.of(scope).acknowledge({ id: rule, reason });
    return;
  }
  for (const finding of findings) {
    Validations.of(scope).acknowledge({ id: `${rule}[${finding}]`, reason });
  }
}

/**
 * cdk-nag's name for a resource ARN built from `resource`'s attribute, e.g.
 * `Resource::<ModelSolutionA44C59A3.SolutionArn>/*`, so a finding can be acknowledged exactly.
 */
export function attributeFinding(resource: IConstruct, attribute: string, suffix: string): string {
  const cfn = CfnElement.isCfnElement(resource) ? resource : resource.node.defaultChild;
  if (!cfn || !CfnElement.isCfnElement(cfn)) {
    throw new Error(`${resource.node.path} has no CloudFormation resource to name in a cdk-nag finding`);
  }
  const stack = Stack.of(cfn);
  return `Resource::<${String(stack.resolve(stack.getLogicalId(cfn)))}.${attribute}>${suffix}`;
}

/**
 * cdk-nag's name for the ARN pattern `arn:<partition>:<service>:<region>:<account>:<resource>` of `scope`'s
 * stack (pseudo parameters where the environment is not known at synth time, literals where it is).
 */
export function accountPatternFinding(scope: IConstruct, service: string, resource: string): string {
  const stack = Stack.of(scope);
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  const partition = part(stack.partition, 'Partition');
  const region = part(stack.region, 'Region');
  const account = part(stack.account, 'AccountId');
  return `Resource::arn:${partition}:${service}:${region}:${account}:${resource}`;
}
