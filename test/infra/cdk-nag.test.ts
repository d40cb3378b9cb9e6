import { STACK_NAME, synthesize, type TreeReport } from './synth';

// The pack bin/app.ts registers, run on the default app, and the acknowledgements in the stack's tree.
let tree: TreeReport;
beforeAll(() => {
  ({ tree } = synthesize());
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error', () => {
    const errors = tree.violations.filter((v) => v.severity === 'error' && /^AwsSolutions-/.test(v.ruleName));
    expect(errors.map((v) => `${v.ruleName} ${v.constructPaths.join(', ')}`)).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    const warnings = tree.violations.filter(
      (v) => v.severity === 'warning' && /^AwsSolutions-/.test(v.ruleName),
    );
    expect(warnings.map((v) => v.ruleName)).toEqual([]);
  });

  it('acknowledges findings on constructs, never on the whole stack (except the CloudFormation lint of a module)', () => {
    const onStack = tree.acknowledgements.filter((a) => a.path === STACK_NAME);
    expect(onStack.map((a) => a.id)).toEqual(['CloudFormation-Validate::W7001']);
  });

  it('acknowledges wildcard findings one by one, never the whole IAM5 rule', () => {
    const iam5 = tree.acknowledgements.filter((a) => a.id.includes('AwsSolutions-IAM5'));
    expect(iam5.length).toBeGreaterThan(0);
    for (const acknowledgement of iam5) {
      expect(acknowledgement.id).toMatch(/AwsSolutions-IAM5\[(Action|Resource)::.+\]$/);
    }
  });

  it('never acknowledges a Personalize wildcard broader than a resource type of this account', () => {
    const personalize = tree.acknowledgements.filter((a) => /IAM5\[Resource::.*personalize/.test(a.id));
    for (const acknowledgement of personalize) {
      expect(acknowledgement.id).toMatch(
        /:personalize:<AWS::Region>:<AWS::AccountId>:(campaign|event-tracker)\/\*\]$/,
      );
    }
  });

  it('acknowledges PutEvents on "*" only on the roles granted it, for that finding alone, saying why', () => {
    const putEvents = tree.acknowledgements.filter((a) => a.reason.includes('personalize:PutEvents'));
    expect(putEvents.map((a) => [a.path, a.id.replace(/^Annotation::/, '')]).sort()).toEqual(
      [
        ['NearRealTimeRecommendations/Api/PutEventsDirectFunction/Role', 'AwsSolutions-IAM5[Resource::*]'],
        ['NearRealTimeRecommendations/PutEventsConsumer/Role', 'AwsSolutions-IAM5[Resource::*]'],
      ].sort(),
    );
    for (const acknowledgement of putEvents) {
      expect(acknowledgement.reason).toMatch(/no resource type/);
      expect(acknowledgement.reason).toMatch(/must allow personalize:PutEvents on "\*"/);
    }
  });

  it("acknowledges the AWS managed policy only on API Gateway's CloudWatch role, the one AWS documents for it", () => {
    const iam4 = tree.acknowledgements.filter((a) => a.id.includes('AwsSolutions-IAM4'));
    const onRole = iam4.filter((a) => a.path === 'NearRealTimeRecommendations/Api/Api/CloudWatchRole');
    expect(onRole.map((a) => a.id.replace(/^Annotation::/, ''))).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    ]);
    expect(onRole[0]!.reason).toMatch(/AmazonAPIGatewayPushToCloudWatchLogs/);
  });

  it('explains execution logging without claiming the stack leaves the account role alone', () => {
    const apig6 = tree.acknowledgements.filter((a) => a.id.includes('AwsSolutions-APIG6'));
    expect(apig6).toHaveLength(1);
    expect(apig6[0]!.reason).not.toMatch(/does not change/);
    expect(apig6[0]!.reason).toMatch(/API-Gateway-Execution-Logs_/);
  });

  it('gives every acknowledgement a reason', () => {
    for (const acknowledgement of tree.acknowledgements) {
      expect(acknowledgement.reason.length).toBeGreaterThan(40);
    }
  });
});
