import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OWNER_TAG_ENV } from '../contract/ownership';
import {
  bodyJsonSchema,
  requiredQueryParameters,
  ROUTES,
  type KinesisRoute,
  type LambdaRoute,
  type Route,
} from '../contract/api-routes';
import {
  GATEWAY_RESPONSES,
  PUT_RECORD_ERROR_RESPONSES,
  type GatewayResponseDefinition,
} from '../contract/gateway-responses';
import { PUT_RECORD_RESPONSE_TEMPLATE, putRecordRequestTemplate } from '../contract/kinesis-integration';
import { API_STAGE_NAME } from '../contract/stack-outputs';
import { acknowledge } from './acknowledge';
import { DEFAULTS } from './defaults';
import type { EventPipeline } from './event-pipeline';
import { HandlerFunction } from './handler-function';
import type { PersonalizeModel } from './personalize-model';

export interface RecommendationsApiProps {
  /** The Personalize resources the route functions act on (their permissions are scoped to it). */
  readonly model: PersonalizeModel;
  /** The stream `POST /data` writes to. */
  readonly events: EventPipeline;
  /**
   * The routes to serve.
   * @default ROUTES (lib/contract/api-routes.ts)
   */
  readonly routes?: readonly Route[];
  /**
   * Steady-state requests per second allowed per API key.
   * @default DEFAULTS.api.throttleRateLimit (10)
   */
  readonly throttleRateLimit?: number;
  /** @default DEFAULTS.api.throttleBurstLimit (20) */
  readonly throttleBurstLimit?: number;
  /**
   * Requests per day allowed per API key.
   * @default DEFAULTS.api.dailyQuota (10000)
   */
  readonly dailyQuota?: number;
  /**
   * Set API Gateway's account-level CloudWatch role (AWS::ApiGateway::Account), which the stage's access
   * logs need. Retained on delete: the setting is account-wide and other APIs may rely on it.
   * @default DEFAULTS.api.accountCloudWatchRole (true)
   */
  readonly accountCloudWatchRole?: boolean;
}

/**
 * The project's HTTP API, built from the route table: one Lambda function per route (through
 * `HandlerFunction`), `POST /data` as a Kinesis PutRecord integration, every method behind the API key,
 * request validation from the routes' zod schemas, JSON error bodies from lib/contract/gateway-responses.ts.
 */
export class RecommendationsApi extends Construct {
  public readonly restApi: apigateway.RestApi;
  public readonly apiKey: apigateway.ApiKey;
  public readonly usagePlan: apigateway.UsagePlan;
  public readonly accessLogs: logs.LogGroup;
  /** The function of each Lambda route, by handler name. */
  public readonly functions: ReadonlyMap<string, HandlerFunction>;
  /** The role API Gateway assumes to put records on the stream. */
  public readonly kinesisRole: iam.Role;

  private readonly validator: apigateway.RequestValidator;

  constructor(scope: Construct, id: string, props: RecommendationsApiProps) {
    super(scope, id);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: DEFAULTS.logRetention.standard,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.restApi = this.createRestApi(props.accountCloudWatchRole ?? DEFAULTS.api.accountCloudWatchRole);
    this.validator = this.restApi.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.addGatewayResponses();

    this.kinesisRole = new iam.Role(this, 'KinesisRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway put records on the event stream (POST /data)',
    });
    props.events.grantPutRecord(this.kinesisRole);
    this.functions = this.addRoutes(props.routes ?? ROUTES, props);

    this.apiKey = new apigateway.ApiKey(this, 'ApiKey', {
      description: 'Key of the recommendations API (header x-api-key)',
    });
    this.usagePlan = this.createUsagePlan(props);
    this.usagePlan.addApiKey(this.apiKey);
    this.acknowledgeFindings();
  }

  /** The regional REST API, its `prod` stage logging to `this.accessLogs`, every method behind the key. */
  private createRestApi(accountCloudWatchRole: boolean): apigateway.RestApi {
    return new apigateway.RestApi(this, 'Api', {
      description: 'Near-real-time recommendations with Amazon Personalize',
      // Access logs need API Gateway's account-level CloudWatch role: without one the stage fails to create.
      // CDK makes the stage depend on the AWS::ApiGateway::Account it creates. Both are retained on delete:
      // the setting outlives the stack and keeps pointing at the role, and other APIs may rely on it.
      cloudWatchRole: accountCloudWatchRole,
      cloudWatchRoleRemovalPolicy: accountCloudWatchRole ? RemovalPolicy.RETAIN : undefined,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      deployOptions: {
        stageName: API_STAGE_NAME,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
        metricsEnabled: true,
      },
      defaultMethodOptions: { apiKeyRequired: true },
    });
  }

  /** A method per route; answers the function of each Lambda route, by handler name. */
  private addRoutes(
    routes: readonly Route[],
    props: RecommendationsApiProps,
  ): ReadonlyMap<string, HandlerFunction> {
    const functions = new Map<string, HandlerFunction>();
    for (const route of routes) {
      if (route.kind === 'lambda') {
        functions.set(route.handler, this.lambdaRoute(route, props.model));
      } else {
        this.kinesisRoute(route, props.events);
      }
    }
    return functions;
  }

  /** Throttling and the daily quota of the API's key, on the `prod` stage. */
  private createUsagePlan(props: RecommendationsApiProps): apigateway.UsagePlan {
    return new apigateway.UsagePlan(this, 'UsagePlan', {
      description: 'Throttling and daily quota of the recommendations API',
      throttle: {
        rateLimit: props.throttleRateLimit ?? DEFAULTS.api.throttleRateLimit,
        burstLimit: props.throttleBurstLimit ?? DEFAULTS.api.throttleBurstLimit,
      },
      quota: { limit: props.dailyQuota ?? DEFAULTS.api.dailyQuota, period: apigateway.Period.DAY },
      apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
    });
  }

  /** The gateway's own error responses, as JSON bodies (lib/contract/gateway-responses.ts). */
  private addGatewayResponses(): void {
    for (const [name, response] of Object.entries(GATEWAY_RESPONSES) as Array<
      [string, GatewayResponseDefinition]
    >) {
      this.restApi.addGatewayResponse(`${name[0]!.toUpperCase()}${name.slice(1)}Response`, {
        type: apigateway.ResponseType.of(response.type),
        // Unset on the DEFAULT_4XX/5XX fallbacks, so each response type keeps its own status.
        statusCode: response.statusCode === undefined ? undefined : String(response.statusCode),
        templates: { 'application/json': response.template },
      });
    }
  }

  /** What cdk-nag reports on the API and is deliberate, each with its reason. */
  private acknowledgeFindings(): void {
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG3',
      'No WAF web ACL: the API is behind API keys with usage-plan throttling and a daily quota; a web ACL costs money for a sample that must cost nothing when idle.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG4',
      'Callers are identified by API key, as in the original sample and the Postman collection; adding IAM or Cognito authorization is a deployment choice left to the user.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-COG4',
      'No Cognito user pool: callers are identified by API key (see AwsSolutions-APIG4).',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG6',
      "Access logging is on (JSON, to a log group with a retention, deleted with the stack). Execution logging stays off: API Gateway writes it to a log group of its own, API-Gateway-Execution-Logs_<api id>/<stage>, which this stack does not own, without retention and left behind by cdk destroy; the access logs and each function's own log group already record every request.",
    );
    const cloudWatchRole = this.restApi.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      acknowledge(
        cloudWatchRole,
        'AwsSolutions-IAM4',
        "AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for API Gateway's account-level CloudWatch role; API Gateway writes the logs of every API in the account and region through it, so it cannot be scoped to this stack's log groups.",
        ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
      );
    }
  }

  private lambdaRoute(route: LambdaRoute, model: PersonalizeModel): HandlerFunction {
    const fn = new HandlerFunction(this, `${pascal(route.handler)}Function`, {
      entry: route.handler,
      description: `${route.method} ${route.path}: ${route.description}`,
      environment: {
        // What the function creates is tagged as this stack's, and its policy requires that tag.
        [OWNER_TAG_ENV]: Stack.of(this).stackName,
        ...model.environmentOf(route.environment),
      },
    });
    model.grant(fn.function, route.permissions);

    const queryParameters = requiredQueryParameters(route);
    this.resourceFor(route).addMethod(route.method, new apigateway.LambdaIntegration(fn.function), {
      apiKeyRequired: true,
      requestValidator: this.validator,
      requestModels: this.requestModels(route, pascal(route.handler)),
      requestParameters: Object.fromEntries(
        queryParameters.map((name) => [`method.request.querystring.${name}`, true]),
      ),
    });
    return fn;
  }

  private kinesisRoute(route: KinesisRoute, events: EventPipeline): void {
    const integration = new apigateway.AwsIntegration({
      service: 'kinesis',
      action: 'PutRecord',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: this.kinesisRole,
        // Bodies that are not JSON are rejected instead of being passed to Kinesis unmapped.
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestTemplates: { 'application/json': putRecordRequestTemplate(events.stream.streamName) },
        timeout: DEFAULTS.api.kinesisIntegrationTimeout,
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': PUT_RECORD_RESPONSE_TEMPLATE } },
          ...Object.values(PUT_RECORD_ERROR_RESPONSES).map((response) => ({
            selectionPattern: response.selectionPattern,
            statusCode: String(response.statusCode),
            responseTemplates: { 'application/json': response.template },
          })),
        ],
      },
    });
    this.resourceFor(route).addMethod(route.method, integration, {
      apiKeyRequired: true,
      requestValidator: this.validator,
      requestModels: this.requestModels(route, 'PutRecord'),
      methodResponses: [
        { statusCode: '200' },
        ...Object.values(PUT_RECORD_ERROR_RESPONSES).map((response) => ({
          statusCode: String(response.statusCode),
        })),
        // The client-error template may override its status to 429.
        { statusCode: '429' },
      ],
    });
  }

  private resourceFor(route: Route): apigateway.Resource {
    const segments = route.path.split('/').filter((segment) => segment.length > 0);
    if (segments.length === 0) throw new Error(`Route path must name a resource, got "${route.path}"`);
    return this.restApi.root.resourceForPath(segments.join('/'));
  }

  private requestModels(route: Route, name: string): Record<string, apigateway.IModel> | undefined {
    const schema = bodyJsonSchema(route);
    if (!schema) return undefined;
    const model = this.restApi.addModel(`${name}Model`, {
      contentType: 'application/json',
      description: `Body of ${route.method} ${route.path}`,
      schema,
    });
    return { 'application/json': model };
  }
}

function pascal(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
