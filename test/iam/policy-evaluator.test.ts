/**
 * The evaluator the IAM conformance test relies on, held to AWS's documented rules: an action with no
 * resource types is granted only by `*`; an action is authorized against each resource type AWS lists for it;
 * conditions on tags decide as IAM does (including ForAllValues on an absent key).
 */
import { evaluate, isWildcardOnly, type Statement } from './policy-evaluator';
import { resolve, roleStatements } from './template-policies';

const ACCOUNT = 'arn:aws:personalize:us-east-1:111122223333';
const CAMPAIGN = `${ACCOUNT}:campaign/mine`;
const OTHER_CAMPAIGN = `${ACCOUNT}:campaign/theirs`;
const SOLUTION = `${ACCOUNT}:solution/app-solution`;
const VERSION = `${SOLUTION}/abcd1234`;
const TAG = 'nrt-recommendations:stack';

const allow = (Action: string | string[], Resource: string | string[], Condition?: Statement['Condition']) =>
  ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }) as Statement;

describe('the IAM policy evaluator', () => {
  it('grants personalize:PutEvents only on "*", since AWS lists no resource type for it', async () => {
    expect(await isWildcardOnly('personalize:PutEvents')).toBe(true);
    const call = { action: 'personalize:PutEvents', resources: [] };
    expect(
      (await evaluate([allow('personalize:PutEvents', `${ACCOUNT}:event-tracker/*`)], call)).allowed,
    ).toBe(false);
    expect((await evaluate([allow('personalize:PutEvents', '*')], call)).allowed).toBe(true);
  });

  it('authorizes CreateCampaign against both the campaign and the solution', async () => {
    const call = { action: 'personalize:CreateCampaign', resources: [`${ACCOUNT}:campaign/new`, VERSION] };
    expect(
      (await evaluate([allow('personalize:CreateCampaign', `${ACCOUNT}:campaign/*`)], call)).allowed,
    ).toBe(false);
    const both = allow('personalize:CreateCampaign', [`${ACCOUNT}:campaign/*`, SOLUTION, `${SOLUTION}/*`]);
    expect((await evaluate([both], call)).allowed).toBe(true);
  });

  it('requires the owner tag on create, and no other tag key', async () => {
    const statement = allow('personalize:CreateCampaign', [`${ACCOUNT}:campaign/*`, `${SOLUTION}/*`], {
      StringEquals: { [`aws:RequestTag/${TAG}`]: 'App' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG] },
    });
    const create = (requestTags?: Record<string, string>) => ({
      action: 'personalize:CreateCampaign',
      resources: [`${ACCOUNT}:campaign/new`, VERSION],
      ...(requestTags ? { requestTags } : {}),
    });
    expect((await evaluate([statement], create({ [TAG]: 'App' }))).allowed).toBe(true);
    expect((await evaluate([statement], create())).allowed).toBe(false);
    expect((await evaluate([statement], create({ [TAG]: 'Other' }))).allowed).toBe(false);
    expect((await evaluate([statement], create({ [TAG]: 'App', extra: 'x' }))).allowed).toBe(false);
  });

  it("denies acting on another application's campaign when the grant is conditioned on the owner tag", async () => {
    const statement = allow('personalize:GetRecommendations', `${ACCOUNT}:campaign/*`, {
      StringEquals: { [`aws:ResourceTag/${TAG}`]: 'App' },
    });
    const call = (arn: string, tags: Record<string, string>) => ({
      action: 'personalize:GetRecommendations',
      resources: [arn],
      resourceTags: { [arn]: tags },
    });
    expect((await evaluate([statement], call(CAMPAIGN, { [TAG]: 'App' }))).allowed).toBe(true);
    expect((await evaluate([statement], call(OTHER_CAMPAIGN, {}))).allowed).toBe(false);
    expect((await evaluate([statement], call(OTHER_CAMPAIGN, { [TAG]: 'Other' }))).allowed).toBe(false);
  });

  it('treats ForAllValues over an absent key as true, as IAM does (why the owner tag is also required by StringEquals)', async () => {
    const statement = allow('personalize:CreateCampaign', [`${ACCOUNT}:campaign/*`, `${SOLUTION}/*`], {
      'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG] },
    });
    const call = { action: 'personalize:CreateCampaign', resources: [`${ACCOUNT}:campaign/new`, VERSION] };
    expect((await evaluate([statement], call)).allowed).toBe(true);
  });

  it('lets an explicit Deny win, and refuses what it does not model instead of guessing', async () => {
    const call = { action: 'personalize:DescribeCampaign', resources: [CAMPAIGN] };
    const deny = { Effect: 'Deny', Action: '*', Resource: '*' } as Statement;
    expect((await evaluate([allow('personalize:*', '*'), deny], call)).allowed).toBe(false);
    await expect(
      evaluate([{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' } as unknown as Statement], call),
    ).rejects.toThrow(/NotAction/);
    await expect(
      evaluate(
        [allow('personalize:DescribeCampaign', '*', { DateGreaterThan: { 'aws:CurrentTime': 'x' } })],
        call,
      ),
    ).rejects.toThrow(/does not model/);
    await expect(evaluate([], { action: 'personalize:DescribeCampain', resources: [] })).rejects.toThrow(
      /knows no action/,
    );
  });

  it('fails when a call does not name a resource its action is authorized against', async () => {
    await expect(evaluate([], { action: 'personalize:GetRecommendations', resources: [] })).rejects.toThrow(
      /names none/,
    );
  });

  it("takes a standard workflow's execution for StopExecution, whose AWS data also marks express required", async () => {
    const execution = 'arn:aws:states:us-east-1:111122223333:execution:Workflow:run-1';
    const grant = {
      Effect: 'Allow' as const,
      Action: 'states:StopExecution',
      Resource: 'arn:aws:states:us-east-1:111122223333:execution:Workflow:*',
    };
    await expect(
      evaluate([grant], { action: 'states:StopExecution', resources: [execution] }),
    ).resolves.toMatchObject({
      allowed: true,
    });
    const other = { action: 'states:StopExecution', resources: [execution.replace('Workflow', 'Other')] };
    await expect(evaluate([grant], other)).resolves.toMatchObject({ allowed: false });
    await expect(evaluate([grant], { action: 'states:StopExecution', resources: [] })).rejects.toThrow(
      /names none/,
    );
  });
});

describe('the template resolver', () => {
  const bindings = {
    partition: 'aws',
    region: 'us-east-1',
    accountId: '111122223333',
    refs: { bucketARN: 'arn:aws:s3:::data' },
    attributes: { 'Solution1.SolutionArn': SOLUTION },
  };

  it('resolves the intrinsics CDK writes into policies', () => {
    expect(
      resolve(
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':personalize:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':campaign/*',
            ],
          ],
        },
        bindings,
      ),
    ).toBe(`${ACCOUNT}:campaign/*`);
    expect(
      resolve({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Solution1', 'SolutionArn'] }, '/*']] }, bindings),
    ).toBe(`${SOLUTION}/*`);
    expect(resolve({ 'Fn::Sub': '${bucketARN}/*' }, bindings)).toBe('arn:aws:s3:::data/*');
    // A state machine's name, as CDK writes it into its executions' ARN.
    expect(
      resolve(
        { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'Machine' }] }] },
        { ...bindings, refs: { Machine: 'arn:aws:states:us-east-1:111122223333:stateMachine:Workflow' } },
      ),
    ).toBe('Workflow');
  });

  it('leaves what it cannot bind unmatchable, so it grants nothing by accident', async () => {
    const template = {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: {} },
        Policy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            Roles: [{ Ref: 'Role' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'personalize:DescribeCampaign',
                  Resource: { 'Fn::GetAtt': ['Nope', 'Arn'] },
                },
              ],
            },
          },
        },
      },
    };
    const statements = roleStatements(template, 'Role', bindings);
    expect(statements).toHaveLength(1);
    const call = { action: 'personalize:DescribeCampaign', resources: [CAMPAIGN] };
    expect((await evaluate(statements, call)).allowed).toBe(false);
  });
});
