import { expect } from '@jest/globals';
import { Match } from 'aws-cdk-lib/assertions';
import { bodyJsonSchema, requiredQueryParameters, ROUTES } from '../../lib/contract/api-routes';
import {
  GATEWAY_RESPONSES,
  PUT_RECORD_ERROR_RESPONSES,
  type GatewayResponseDefinition,
} from '../../lib/contract/gateway-responses';
import { PUT_RECORD_RESPONSE_TEMPLATE } from '../../lib/contract/kinesis-integration';
import { API_STAGE_NAME } from '../../lib/contract/stack-outputs';
import { resourcesOf, statementsOfRole, synthesize, type Resource, type Synthesized } from './synth';

let synth: Synthesized;
let methods: Record<string, Resource>;
let resources: Record<string, Resource>;
beforeAll(() => {
  synth = synthesize();
  methods = synth.template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>;
  resources = synth.template.findResources('AWS::ApiGateway::Resource') as Record<string, Resource>;
});

/** The method serving `path` and `method` (paths of the contract are one segment deep). */
function methodOf(path: string, httpMethod: string): Resource {
  const [resourceId] =
    Object.entries(resources).find(([, r]) => `/${String(r.Properties?.PathPart)}` === path) ?? [];
  if (!resourceId) throw new Error(`No API resource for ${path}`);
  const found = Object.values(methods).find(
    (m) =>
      m.Properties?.HttpMethod === httpMethod &&
      JSON.stringify(m.Properties?.ResourceId) === JSON.stringify({ Ref: resourceId }),
  );
  if (!found) throw new Error(`No ${httpMethod} method on ${path}`);
  return found;
}

describe('routes', () => {
  it.each(ROUTES.map((route) => [route.method, route.path]))('serves %s %s', (method, path) => {
    expect(methodOf(path, method)).toBeDefined();
  });

  it('serves exactly the routes of the route table', () => {
    expect(Object.keys(methods)).toHaveLength(ROUTES.length);
  });

  it('requires the API key on every method', () => {
    for (const method of Object.values(methods)) {
      expect(method.Properties?.ApiKeyRequired).toBe(true);
    }
  });

  it('validates the body and the parameters of every method', () => {
    synth.template.resourceCountIs('AWS::ApiGateway::RequestValidator', 1);
    synth.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    for (const method of Object.values(methods)) {
      expect(method.Properties?.RequestValidatorId).toEqual({ Ref: expect.stringMatching(/Validator/) });
    }
  });

  it.each(ROUTES.filter((route) => route.body).map((route) => [route.method, route.path, route]))(
    'validates the body of %s %s with the JSON schema of its zod model',
    (method, path, route) => {
      const modelRef = (methodOf(path, method).Properties?.RequestModels as Record<string, { Ref: string }>)[
        'application/json'
      ];
      const model = resourcesOf(synth.template)[modelRef!.Ref]!;
      expect(model.Properties?.ContentType).toBe('application/json');
      expect(model.Properties?.Schema).toEqual(bodyJsonSchema(route));
    },
  );

  it('requires the query parameters the route table marks as required', () => {
    const route = ROUTES.find((r) => r.path === '/getRecommendations')!;
    const required = requiredQueryParameters(route);
    // userId or itemId: which one depends on the campaign's recipe type, so neither is required here.
    expect(required).toEqual(['campaignArn']);
    expect(methodOf(route.path, route.method).Properties?.RequestParameters).toEqual(
      Object.fromEntries(required.map((name) => [`method.request.querystring.${name}`, true])),
    );
  });

  it('sends each Lambda route to its own function through a proxy integration', () => {
    const integrated = new Set<string>();
    for (const route of ROUTES.filter((r) => r.kind === 'lambda')) {
      const integration = methodOf(route.path, route.method).Properties?.Integration as {
        Type: string;
        Uri: unknown;
      };
      expect(integration.Type).toBe('AWS_PROXY');
      integrated.add(JSON.stringify(integration.Uri));
    }
    expect(integrated.size).toBe(ROUTES.filter((r) => r.kind === 'lambda').length);
  });
});

describe('POST /data', () => {
  const integration = () =>
    methodOf('/data', 'POST').Properties?.Integration as {
      Type: string;
      Uri: unknown;
      Credentials: { 'Fn::GetAtt': [string, string] };
      RequestTemplates: Record<string, unknown>;
      IntegrationResponses: Array<{
        StatusCode: string;
        SelectionPattern?: string;
        ResponseTemplates: Record<string, string>;
      }>;
      PassthroughBehavior: string;
    };

  it('is an AWS integration to Kinesis PutRecord', () => {
    expect(integration().Type).toBe('AWS');
    expect(JSON.stringify(integration().Uri)).toContain(':kinesis:action/PutRecord');
    expect(integration().PassthroughBehavior).toBe('NEVER');
  });

  it("always writes to the stack's own stream, never the request's stream-name", () => {
    const [streamId] = Object.keys(synth.template.findResources('AWS::Kinesis::Stream'));
    const template = JSON.stringify(integration().RequestTemplates['application/json']);
    expect(template).toContain(JSON.stringify({ Ref: streamId }));
    expect(template).not.toContain('stream-name');
  });

  it('answers the contract success body and maps Kinesis errors to JSON errors', () => {
    const responses = integration().IntegrationResponses;
    expect(responses).toEqual(
      expect.arrayContaining([
        { StatusCode: '200', ResponseTemplates: { 'application/json': PUT_RECORD_RESPONSE_TEMPLATE } },
        ...Object.values(PUT_RECORD_ERROR_RESPONSES).map((r) => ({
          StatusCode: String(r.statusCode),
          SelectionPattern: r.selectionPattern,
          ResponseTemplates: { 'application/json': r.template },
        })),
      ]),
    );
  });

  it('maps every Kinesis 4xx and 5xx status to exactly one error response', () => {
    const patterns = integration()
      .IntegrationResponses.filter((r) => r.SelectionPattern)
      .map((r) => new RegExp(`^${r.SelectionPattern!}$`));
    for (let status = 400; status < 600; status++) {
      expect(patterns.filter((pattern) => pattern.test(String(status)))).toHaveLength(1);
    }
  });

  it('uses a role that may only put records on the stream', () => {
    const statements = statementsOfRole(synth.template, integration().Credentials['Fn::GetAtt'][0]);
    const [streamId] = Object.keys(synth.template.findResources('AWS::Kinesis::Stream'));
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'kinesis:PutRecord',
        Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
      }),
    ]);
  });
});

describe('stage, key and usage plan', () => {
  it('deploys the stage prod with JSON access logs and tracing', () => {
    synth.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: API_STAGE_NAME,
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: {
          'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('AccessLogs') }])],
        },
        Format: Match.stringLikeRegexp('requestId'),
      },
    });
  });

  it('creates an API key bound to a usage plan with throttling and a daily quota', () => {
    synth.template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    synth.template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: Match.anyValue(), BurstLimit: Match.anyValue() },
      Quota: { Limit: Match.anyValue(), Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
    });
    synth.template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyType: 'API_KEY' });
  });
});

describe("API Gateway's account-level CloudWatch role (needed by the stage's access logs)", () => {
  const accountId = (template: Synthesized['template']) => {
    const ids = Object.keys(template.findResources('AWS::ApiGateway::Account'));
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };
  const stageOf = (template: Synthesized['template']) =>
    Object.values(template.findResources('AWS::ApiGateway::Stage') as Record<string, Resource>)[0]!;

  it('is set by default, so the first deploy works on an account where it was never set', () => {
    const account = resourcesOf(synth.template)[accountId(synth.template)]!;
    const roleId = (account.Properties?.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const role = resourcesOf(synth.template)[roleId]!;
    expect(role.Properties).toMatchObject({
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } },
        ],
      },
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
            ],
          ],
        },
      ],
    });
  });

  it('retains the role and the setting when the stack is deleted: the account setting outlives the stack and other APIs may rely on it', () => {
    const account = resourcesOf(synth.template)[accountId(synth.template)]!;
    const roleId = (account.Properties?.CloudWatchRoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const role = resourcesOf(synth.template)[roleId]!;
    for (const resource of [role, account]) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('is in place before the stage is created', () => {
    expect(stageOf(synth.template).DependsOn).toEqual(expect.arrayContaining([accountId(synth.template)]));
  });

  it('is left alone with -c apiGatewayCloudWatchRole=false, for accounts that already have one', () => {
    const { template } = synthesize({ context: { apiGatewayCloudWatchRole: 'false' } });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' } }] },
        ManagedPolicyArns: Match.anyValue(),
      },
    });
    expect(Object.keys(roles)).toEqual([]);
    template.resourceCountIs('AWS::ApiGateway::Stage', 1);
  });

  it('refuses a context value that is not true or false', () => {
    expect(() => synthesize({ context: { apiGatewayCloudWatchRole: 'no' } })).toThrow(
      /apiGatewayCloudWatchRole must be true or false/,
    );
  });
});

describe('gateway responses', () => {
  it.each(Object.entries(GATEWAY_RESPONSES) as Array<[string, GatewayResponseDefinition]>)(
    'answers %s with the JSON error body of lib/contract/gateway-responses.ts',
    (_, r) => {
      synth.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: r.type,
        StatusCode: r.statusCode === undefined ? Match.absent() : String(r.statusCode),
        ResponseTemplates: { 'application/json': r.template },
      });
    },
  );

  it('sets no status on the DEFAULT_4XX/5XX fallbacks, which would override every 4xx/5xx status (413, 415, 504)', () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      synth.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: Match.absent(),
      });
    }
  });

  it('answers a missing or wrong key with 403 and the code ForbiddenException', () => {
    expect(GATEWAY_RESPONSES.missingApiKey).toMatchObject({ type: 'INVALID_API_KEY', statusCode: 403 });
    expect(JSON.parse(GATEWAY_RESPONSES.missingApiKey.template)).toMatchObject({
      code: 'ForbiddenException',
    });
  });

  it('names the invalid field of a body with the validator message', () => {
    expect(GATEWAY_RESPONSES.badRequestBody.template).toContain('$context.error.validationErrorString');
  });
});
