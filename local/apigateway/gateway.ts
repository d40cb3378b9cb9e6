/**
 * Local mode's API Gateway: serves the stack's own route table (lib/contract/api-routes.ts) at `/<stage>`, with what
 * API Gateway does before and around the integrations: the API key, the request validator (the routes' JSON
 * schema models and required query parameters), the stack's gateway responses (lib/contract/gateway-responses.ts),
 * REST API (v1) Lambda proxy events for the unchanged handlers (lambda-proxy.ts), and for `/data` the AWS
 * integration to Kinesis PutRecord through the stack's own mapping templates (kinesis-integration.ts).
 *
 * A request goes through named steps, in API Gateway's order: the route (an unknown one answers the stack's
 * MISSING_AUTHENTICATION_TOKEN gateway response, 404 NotFoundException, before the key is checked), the API
 * key, the payload limit, the required query parameters, the media type, the body model, then the integration.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import type { ValidateFunction } from 'ajv';
import { requiredQueryParameters, Route, ROUTES } from '../../lib/contract/api-routes';
import { GATEWAY_RESPONSES } from '../../lib/contract/gateway-responses';
import { API_STAGE_NAME } from '../../lib/contract/stack-outputs';
import type { DemoConfig } from '../../lib/demo-page/build';
import { demoPageSite, localDemoConfig, PROVISION_PATH } from '../demo-page/serve';
import { answerOrDrop, readBody, sendReply as writeReply } from '../shared/http';
import { jsonDepth, MAX_JSON_DEPTH } from '../shared/json-depth';
import { closeServer, listenOn } from '../shared/listen';
import { gatewayResponse, internalError } from './gateway-response';
import { type KinesisIntegrationSettings, putRecordIntegration } from './kinesis-integration';
import {
  describeError,
  invokeLambdaProxy,
  type LambdaProxySettings,
  type ProxyHandler,
} from './lambda-proxy';
import { compileValidators, validateBody } from './model-validation';
import { type GatewayRequest, loggedTarget, mediaTypeOf, type Reply, toGatewayRequest } from './request';

export type { ProxyHandler } from './lambda-proxy';

export interface GatewayOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly apiKey: string;
  /** The stack's stream: `/data` always writes to it, whatever the request's `stream-name` says. */
  readonly streamName: string;
  readonly kinesis: KinesisClient;
  readonly region: string;
  /** Loads a route's handler module by its name under `lambda/`. */
  readonly loadHandler: (name: string) => Promise<ProxyHandler>;
  /** Lambda function name of a handler (for the context object). @default the handler's name */
  readonly functionName?: (handler: string) => string;
  /** @default ROUTES */
  readonly routes?: readonly Route[];
  /** API Gateway's integration timeout. @default 29000 */
  readonly integrationTimeoutMs?: number;
  /** API Gateway's payload limit. @default 10 MB */
  readonly maxBodyBytes?: number;
  /** Environment variable that sets the port, named when the port is taken. */
  readonly portVariable?: string;
  /**
   * The demo page at the root: more of its config (the outputs known so far) and local mode's "provision now".
   * @default the API URL and dataset group only, no provisioning
   */
  readonly demoPage?: {
    readonly config?: () => DemoConfig;
    readonly provision?: () => Promise<Record<string, string>>;
  };
  readonly log?: (line: string) => void;
  /**
   * More pages at the root beside the demo page (the metrics page), each answering its own paths only.
   * @default none
   */
  readonly sites?: ReadonlyArray<(request: IncomingMessage, response: ServerResponse) => boolean>;
}

export interface LocalGateway {
  /** Base URL including the stage, e.g. `http://127.0.0.1:3000/prod`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const handleRequest = createGatewayRequestListener(options);
  const apiKeyMatches = apiKeyCheck(options.apiKey);
  // The demo page at the root (local/demo-page/serve.ts): its own paths only, the rest is the API's.
  const page = options.demoPage;
  const site = demoPageSite({
    config: () => ({
      ...localDemoConfig(`http://127.0.0.1:${port}/${API_STAGE_NAME}/`),
      ...page?.config?.(),
      ...(page?.provision ? { ProvisionPath: PROVISION_PATH } : {}),
    }),
    ...(page?.provision
      ? {
          provision: {
            run: page.provision,
            authorized: (request) => apiKeyMatches(request.headers['x-api-key']),
          },
        }
      : {}),
  });
  const server: Server = createServer((request, response) => {
    try {
      if (site(request, response) || options.sites?.some((other) => other(request, response))) return;
    } catch {
      // A page's own failure fails its request only (the API's requests never throw: handleRequest).
      answerOrDrop(response, () =>
        writeReply(response, 500, { 'content-type': 'text/plain' }, 'Internal error\n'),
      );
      return;
    }
    void handleRequest(request, response);
  });
  await listenOn(server, options.port, 'API gateway', options.portVariable);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${API_STAGE_NAME}`,
    port,
    close: () => closeServer(server),
  };
}

/**
 * Whether a request's x-api-key is the key, compared in constant time (digests of equal length); the key's
 * own digest is computed once.
 */
function apiKeyCheck(expected: string): (given: string | string[] | undefined) => boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  const expectedDigest = digest(expected);
  return (given) => typeof given === 'string' && timingSafeEqual(digest(given), expectedDigest);
}

/** What the steps share: the options, the routes and their validators, the two integrations' settings. */
interface Gateway {
  readonly options: GatewayOptions;
  readonly routes: readonly Route[];
  readonly validators: Map<Route, ValidateFunction>;
  /** Each route's required query parameters, read from its schema once. */
  readonly requiredQuery: Map<Route, readonly string[]>;
  readonly apiKeyMatches: (given: string | string[] | undefined) => boolean;
  readonly lambdaProxy: LambdaProxySettings;
  readonly kinesis: KinesisIntegrationSettings;
  readonly log: (line: string) => void;
}

function createGateway(options: GatewayOptions): Gateway {
  const routes = options.routes ?? ROUTES;
  const log = options.log ?? console.log;
  return {
    options,
    routes,
    validators: compileValidators(routes),
    requiredQuery: new Map(routes.map((route) => [route, requiredQueryParameters(route)])),
    apiKeyMatches: apiKeyCheck(options.apiKey),
    lambdaProxy: {
      loadHandler: cachedLoader(options.loadHandler),
      functionName: options.functionName ?? ((handler) => handler),
      region: options.region,
      apiKey: options.apiKey,
      timeoutMs: options.integrationTimeoutMs ?? 29_000,
      log,
    },
    kinesis: { streamName: options.streamName, kinesis: options.kinesis, log },
    log,
  };
}

/** The gateway as a request listener (exported for tests that drive it without a port of their own). */
function createGatewayRequestListener(
  options: GatewayOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const gateway = createGateway(options);
  // Never rejects: whatever a request holds, it is answered (or its connection dropped) and logged.
  return async (incoming, response) => {
    const started = Date.now();
    const request = toGatewayRequest(incoming);
    let reply: Reply;
    try {
      reply = await answerRequest(gateway, request);
    } catch (error) {
      gateway.log(`gateway: ${request.requestId}: ${describeError(error)}`);
      reply = internalError(request);
    }
    try {
      sendReply(response, reply, request);
    } catch (error) {
      gateway.log(`gateway: ${request.requestId}: could not send the reply: ${describeError(error)}`);
      answerOrDrop(response, () => sendReply(response, internalError(request), request));
    }
    // One line per request: a function's own line already names the route, status, latency and request id.
    if (reply.loggedByHandler) return;
    const elapsed = Date.now() - started;
    gateway.log(
      `${request.method} ${loggedTarget(request)} ${reply.statusCode} ${elapsed}ms ${request.requestId}`,
    );
  };
}

/** The steps in API Gateway's order: the first that refuses the request answers it. */
async function answerRequest(gateway: Gateway, request: GatewayRequest): Promise<Reply> {
  if (request.badTarget) return refuseBadTarget(request);
  const route = findRoute(gateway, request);
  if (!route) return gatewayResponse(GATEWAY_RESPONSES.notFound, request);
  const keyRefusal = checkApiKey(gateway, request);
  if (keyRefusal) return keyRefusal;
  const body = await readPayload(gateway, request);
  if (body === undefined) {
    return gatewayResponse(GATEWAY_RESPONSES.requestTooLarge, request, { message: 'Request Too Long' });
  }
  return (
    checkQueryParameters(gateway, route, request) ??
    checkMediaType(route, request) ??
    checkModel(gateway, route, request, body) ??
    (await integrate(gateway, route, request, body))
  );
}

function refuseBadTarget(request: GatewayRequest): Reply {
  return gatewayResponse(GATEWAY_RESPONSES.default4xx, request, {
    message: 'Bad Request: the request target is not a path',
    responseType: 'BAD_REQUEST',
    statusCode: 400,
  });
}

/** The route of the method and path, on the stage only. */
function findRoute(gateway: Gateway, request: GatewayRequest): Route | undefined {
  if (!request.url.pathname.startsWith(`/${API_STAGE_NAME}/`)) return undefined;
  return gateway.routes.find(
    (candidate) => candidate.path === request.resourcePath && candidate.method === request.method,
  );
}

function checkApiKey(gateway: Gateway, request: GatewayRequest): Reply | undefined {
  if (gateway.apiKeyMatches(request.incoming.headers['x-api-key'])) return undefined;
  return gatewayResponse(GATEWAY_RESPONSES.missingApiKey, request, {
    message: 'Forbidden',
    responseType: 'INVALID_API_KEY',
  });
}

/** The body as text; undefined past the payload limit. */
async function readPayload(gateway: Gateway, request: GatewayRequest): Promise<string | undefined> {
  const maxBytes = gateway.options.maxBodyBytes ?? MAX_BODY_BYTES;
  const { body, tooLarge } = await readBody(request.incoming, { maxBytes });
  return tooLarge ? undefined : body.toString('utf8');
}

function checkQueryParameters(gateway: Gateway, route: Route, request: GatewayRequest): Reply | undefined {
  const required = gateway.requiredQuery.get(route) ?? [];
  const missing = required.filter((name) => !request.url.searchParams.get(name));
  if (missing.length === 0) return undefined;
  return gatewayResponse(GATEWAY_RESPONSES.badRequestParameters, request, {
    message: `Missing required request parameters: [${missing.join(', ')}]`,
    responseType: 'BAD_REQUEST_PARAMETERS',
  });
}

/**
 * `/data` has a mapping template for application/json only and passthrough NEVER: API Gateway answers any
 * other media type 415 before calling Kinesis (a Lambda proxy route takes any body).
 */
function checkMediaType(route: Route, request: GatewayRequest): Reply | undefined {
  if (route.kind !== 'kinesis' || mediaTypeOf(request) === 'application/json') return undefined;
  return gatewayResponse(GATEWAY_RESPONSES.unsupportedMediaType, request, {
    message: 'Unsupported Media Type',
  });
}

/** The body model; the nesting first, as a validator or a template walking a body nested thousands deep overflows. */
function checkModel(
  gateway: Gateway,
  route: Route,
  request: GatewayRequest,
  body: string,
): Reply | undefined {
  const validate = gateway.validators.get(route);
  const problem =
    jsonDepth(body) > MAX_JSON_DEPTH
      ? `[the body nests JSON deeper than ${MAX_JSON_DEPTH} levels]`
      : validate && validateBody(validate, body);
  if (!problem) return undefined;
  return gatewayResponse(GATEWAY_RESPONSES.badRequestBody, request, {
    message: 'Invalid request body',
    validationErrorString: problem,
    responseType: 'BAD_REQUEST_BODY',
  });
}

function integrate(gateway: Gateway, route: Route, request: GatewayRequest, body: string): Promise<Reply> {
  return route.kind === 'kinesis'
    ? putRecordIntegration(gateway.kinesis, request, body)
    : invokeLambdaProxy(gateway.lambdaProxy, route, request, body);
}

/** Loads each handler module once. */
function cachedLoader(
  load: (name: string) => Promise<ProxyHandler>,
): (name: string) => Promise<ProxyHandler> {
  const handlers = new Map<string, Promise<ProxyHandler>>();
  return (name) => {
    let loaded = handlers.get(name);
    if (!loaded) {
      loaded = load(name);
      handlers.set(name, loaded);
    }
    return loaded;
  };
}

/** Writes the reply; throws when its headers are invalid (a handler's header value with a newline). */
function sendReply(response: ServerResponse, reply: Reply, request: GatewayRequest): void {
  writeReply(
    response,
    reply.statusCode,
    {
      ...reply.headers,
      'content-length': Buffer.byteLength(reply.body),
      'x-amzn-requestid': request.requestId,
    },
    reply.body,
  );
}
