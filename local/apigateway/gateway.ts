/**
 * Local mode's API Gateway: serves the stack's own route table (lib/contract/api-routes.ts) at `/<stage>`, with what
 * API Gateway does before and around the integrations: the API key, the request validator (the routes' JSON
 * schema models and required query parameters), the stack's gateway responses (lib/contract/gateway-responses.ts),
 * REST API (v1) Lambda proxy events for the unchanged handlers, and for `/data` the AWS integration to
 * Kinesis PutRecord through the stack's own mapping templates (lib/contract/kinesis-integration.ts).
 *
 * An unknown route answers the stack's MISSING_AUTHENTICATION_TOKEN gateway response (404 NotFoundException),
 * before the key is checked, as API Gateway resolves the route first.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { KinesisClient, PutRecordCommand, PutRecordCommandOutput } from '@aws-sdk/client-kinesis';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  bodyJsonSchema,
  KinesisRoute,
  LambdaRoute,
  requiredQueryParameters,
  Route,
  ROUTES,
} from '../../lib/contract/api-routes';
import {
  GATEWAY_RESPONSES,
  GatewayResponseDefinition,
  PUT_RECORD_ERROR_RESPONSES,
  RESPONSE_TYPE_STATUS,
} from '../../lib/contract/gateway-responses';
import {
  PUT_RECORD_RESPONSE_TEMPLATE,
  putRecordRequestTemplate,
} from '../../lib/contract/kinesis-integration';
import { API_STAGE_NAME } from '../../lib/contract/stack-outputs';
import { demoPageSite, localDemoConfig } from '../demo-page/serve';
import { createLambdaContext } from '../lambda/lambda-context';
import { answerOrDrop, readBody, sendReply as writeReply } from '../shared/http';
import { jsonDepth, MAX_JSON_DEPTH } from '../shared/json-depth';
import { closeServer, listenOn } from '../shared/listen';
import { renderMappingTemplate } from './vtl';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

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
  readonly log?: (line: string) => void;
}

export interface LocalGateway {
  /** Base URL including the stage, e.g. `http://127.0.0.1:3000/prod`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The media type of a request, as API Gateway picks a mapping template: `application/json` when absent. */
function mediaTypeOf(incoming: IncomingMessage): string {
  const header = incoming.headers['content-type'];
  return (header?.split(';')[0] ?? '').trim().toLowerCase() || 'application/json';
}

interface GatewayRequest {
  readonly requestId: string;
  readonly method: string;
  /** Path without the stage, e.g. `/campaign`. */
  readonly resourcePath: string;
  /** The target as a URL; `/` when the request line's target is not a path (then `badTarget`). */
  readonly url: URL;
  readonly badTarget: boolean;
  readonly incoming: IncomingMessage;
}

interface Reply {
  readonly statusCode: number;
  readonly headers: Record<string, string | number | boolean | readonly string[]>;
  readonly body: string;
}

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const handleRequest = createGatewayRequestListener(options);
  // The demo page at the root (local/demo-page/serve.ts): its own paths only, the rest is the API's.
  const site = demoPageSite({ config: () => localDemoConfig(`http://127.0.0.1:${port}/${API_STAGE_NAME}/`) });
  const server: Server = createServer((request, response) => {
    if (!site(request, response)) void handleRequest(request, response);
  });
  await listenOn(server, options.port, 'API gateway', options.portVariable);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${API_STAGE_NAME}`,
    port,
    close: () => closeServer(server),
  };
}

/** Stands for the API's own host: a request's target is read without its Host header. */
const ORIGIN = 'http://gateway.local';

/**
 * The request target as a URL, read from the request line alone (never from Host, which the client
 * controls): origin-form `/prod/x?a=1`, or absolute-form `http://host/prod/x` (whose host is ignored).
 * Undefined for anything else (asterisk-form `*`, authority-form, a target that does not parse).
 */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  const text = target ?? '';
  try {
    if (text.startsWith('/') && !text.startsWith('//')) return new URL(text, ORIGIN);
    if (!/^https?:\/\//i.test(text)) return undefined;
    const absolute = new URL(text);
    return new URL(`${absolute.pathname}${absolute.search}`, ORIGIN);
  } catch {
    return undefined;
  }
}

/** Whether the request's x-api-key is the key, compared in constant time (digests of equal length). */
export function apiKeyMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The gateway as a request listener (exported for tests that drive it without a port of their own). */
export function createGatewayRequestListener(
  options: GatewayOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const routes = options.routes ?? ROUTES;
  const ctx: GatewayContext = {
    options,
    routes,
    validators: compileValidators(routes),
    loadHandler: cachedLoader(options.loadHandler),
    log: options.log ?? console.log,
  };
  const { log } = ctx;

  // Never rejects: whatever a request holds, it is answered (or its connection dropped) and logged.
  return async (incoming, response) => {
    const started = Date.now();
    const request = toGatewayRequest(incoming);
    let reply: Reply;
    try {
      reply = await answerRequest(ctx, request);
    } catch (error) {
      log(`gateway: ${request.requestId}: ${describeError(error)}`);
      reply = internalError(request);
    }
    try {
      sendReply(response, reply, request);
    } catch (error) {
      log(`gateway: ${request.requestId}: could not send the reply: ${describeError(error)}`);
      sendFallback(response, internalError(request), request);
    }
    const target = request.badTarget
      ? JSON.stringify(incoming.url)
      : `${request.url.pathname}${request.url.search}`;
    log(`${request.method} ${target} ${reply.statusCode} ${Date.now() - started}ms ${request.requestId}`);
  };
}

/** What the gateway's steps share: its options, routes and validators, handler loader and log. */
interface GatewayContext {
  readonly options: GatewayOptions;
  readonly routes: readonly Route[];
  readonly validators: Map<Route, ValidateFunction>;
  readonly loadHandler: (name: string) => Promise<ProxyHandler>;
  readonly log: (line: string) => void;
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Resolves the route as API Gateway does (before the key), then answers. */
function answerRequest(ctx: GatewayContext, request: GatewayRequest): Promise<Reply> | Reply {
  if (request.badTarget) {
    return gatewayResponse(GATEWAY_RESPONSES.default4xx, request, {
      messageString: JSON.stringify('Bad Request: the request target is not a path'),
      responseType: 'BAD_REQUEST',
      statusCode: 400,
    });
  }
  const onStage = request.url.pathname.startsWith(`/${API_STAGE_NAME}/`);
  const route = onStage
    ? ctx.routes.find(
        (candidate) => candidate.path === request.resourcePath && candidate.method === request.method,
      )
    : undefined;
  return answer(ctx, request, route);
}

async function answer(
  ctx: GatewayContext,
  request: GatewayRequest,
  route: Route | undefined,
): Promise<Reply> {
  if (!route) return gatewayResponse(GATEWAY_RESPONSES.notFound, request, {});
  if (!apiKeyMatches(request.incoming.headers['x-api-key'], ctx.options.apiKey)) {
    return gatewayResponse(GATEWAY_RESPONSES.missingApiKey, request, {
      messageString: JSON.stringify('Forbidden'),
      responseType: 'INVALID_API_KEY',
    });
  }
  const read = await readBody(request.incoming, { maxBytes: ctx.options.maxBodyBytes ?? MAX_BODY_BYTES });
  const body = read.tooLarge ? undefined : read.body.toString('utf8');
  const refusal = refuseRequest(ctx, route, request, body);
  if (refusal) return refusal;
  return route.kind === 'kinesis'
    ? putRecordIntegration(ctx, route, request, body as string)
    : lambdaProxyIntegration(ctx, route, request, body as string);
}

/** What API Gateway answers before the integration: size, query parameters, media type, the model. */
function refuseRequest(
  ctx: GatewayContext,
  route: Route,
  request: GatewayRequest,
  body: string | undefined,
): Reply | undefined {
  if (body === undefined) {
    return gatewayResponse(GATEWAY_RESPONSES.requestTooLarge, request, {
      messageString: JSON.stringify('Request Too Long'),
    });
  }
  const missing = requiredQueryParameters(route).filter((name) => !request.url.searchParams.get(name));
  if (missing.length > 0) {
    return gatewayResponse(GATEWAY_RESPONSES.badRequestParameters, request, {
      messageString: JSON.stringify(`Missing required request parameters: [${missing.join(', ')}]`),
      responseType: 'BAD_REQUEST_PARAMETERS',
    });
  }
  // `/data` has a mapping template for application/json only and passthrough NEVER: API Gateway answers
  // any other media type 415 before calling Kinesis (a Lambda proxy route takes any body).
  if (route.kind === 'kinesis' && mediaTypeOf(request.incoming) !== 'application/json') {
    return gatewayResponse(GATEWAY_RESPONSES.unsupportedMediaType, request, {
      messageString: JSON.stringify('Unsupported Media Type'),
    });
  }
  // Before the model: a validator or a mapping template walking a body nested thousands deep overflows.
  const problem =
    jsonDepth(body) > MAX_JSON_DEPTH
      ? `[the body nests JSON deeper than ${MAX_JSON_DEPTH} levels]`
      : ctx.validators.has(route)
        ? validateBody(ctx.validators.get(route) as ValidateFunction, body)
        : undefined;
  if (!problem) return undefined;
  return gatewayResponse(GATEWAY_RESPONSES.badRequestBody, request, {
    messageString: JSON.stringify('Invalid request body'),
    validationErrorString: problem,
    responseType: 'BAD_REQUEST_BODY',
  });
}

function internalError(request: GatewayRequest): Reply {
  return gatewayResponse(GATEWAY_RESPONSES.default5xx, request, {
    messageString: JSON.stringify('Internal server error'),
    responseType: 'API_CONFIGURATION_ERROR',
  });
}

async function lambdaProxyIntegration(
  ctx: GatewayContext,
  route: LambdaRoute,
  request: GatewayRequest,
  body: string,
): Promise<Reply> {
  const functionName = ctx.options.functionName?.(route.handler) ?? route.handler;
  const timeoutMs = ctx.options.integrationTimeoutMs ?? 29_000;
  const event = buildProxyEvent({
    route,
    requestId: request.requestId,
    method: request.method,
    url: request.url,
    rawHeaders: request.incoming.rawHeaders,
    body,
    sourceIp: request.incoming.socket.remoteAddress ?? '127.0.0.1',
    apiKey: ctx.options.apiKey,
    localPort: request.incoming.socket.localPort ?? 0,
  });
  const context = createLambdaContext({ functionName, region: ctx.options.region, timeoutMs });
  let result: unknown;
  try {
    const handler = await ctx.loadHandler(route.handler);
    result = await withTimeout(handler(event, context), timeoutMs);
  } catch (error) {
    if (error instanceof IntegrationTimeout) {
      return gatewayResponse(GATEWAY_RESPONSES.integrationTimeout, request, {
        messageString: JSON.stringify('Endpoint request timed out'),
      });
    }
    ctx.log(
      `${functionName}: invocation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return gatewayResponse(GATEWAY_RESPONSES.default5xx, request, {
      messageString: JSON.stringify('Internal server error'),
      // A function error or a malformed proxy result: API Gateway answers 502 Bad Gateway.
      responseType: 'DEFAULT_5XX',
      statusCode: 502,
    });
  }
  if (!isProxyResult(result)) {
    ctx.log(`${functionName}: malformed Lambda proxy response: ${JSON.stringify(result)?.slice(0, 200)}`);
    return gatewayResponse(GATEWAY_RESPONSES.default5xx, request, {
      messageString: JSON.stringify('Internal server error'),
      // A function error or a malformed proxy result: API Gateway answers 502 Bad Gateway.
      responseType: 'DEFAULT_5XX',
      statusCode: 502,
    });
  }
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String);
  }
  headers['content-type'] ??= 'application/json';
  const text = result.body ?? '';
  return {
    statusCode: result.statusCode,
    headers,
    body: result.isBase64Encoded ? Buffer.from(text, 'base64').toString('utf8') : text,
  };
}

async function putRecordIntegration(
  ctx: GatewayContext,
  _route: KinesisRoute,
  request: GatewayRequest,
  body: string,
): Promise<Reply> {
  const rendered = renderMappingTemplate(putRecordRequestTemplate(ctx.options.streamName), {
    body,
    headers: singleValueHeaders(request.incoming.rawHeaders),
    queryString: Object.fromEntries(request.url.searchParams),
  }).body;
  let status: number;
  let kinesisBody: string;
  try {
    const input = JSON.parse(rendered) as { StreamName?: string; Data?: string; PartitionKey?: string };
    const output: PutRecordCommandOutput = await ctx.options.kinesis.send(
      new PutRecordCommand({
        StreamName: input.StreamName,
        // The template base64-encodes Data, as Kinesis's JSON protocol carries it; the SDK encodes bytes itself.
        Data: Buffer.from(input.Data ?? '', 'base64'),
        PartitionKey: input.PartitionKey,
      }),
    );
    status = 200;
    kinesisBody = JSON.stringify({
      SequenceNumber: output.SequenceNumber,
      ShardId: output.ShardId,
      ...(output.EncryptionType ? { EncryptionType: output.EncryptionType } : {}),
    });
  } catch (error) {
    // The integration sees Kinesis's status and error document; a template Kinesis cannot parse is its 400.
    const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const parseFailure = error instanceof SyntaxError;
    status = parseFailure ? 400 : (failure.$metadata?.httpStatusCode ?? 500);
    kinesisBody = JSON.stringify({
      __type: parseFailure ? 'SerializationException' : (failure.name ?? 'InternalFailure'),
      message: parseFailure ? 'The request body is not valid JSON' : (failure.message ?? ''),
    });
    ctx.log(`gateway: ${request.requestId}: Kinesis PutRecord failed (${status}): ${kinesisBody}`);
  }
  const errorResponse = Object.values(PUT_RECORD_ERROR_RESPONSES).find((candidate) =>
    new RegExp(`^(?:${candidate.selectionPattern})$`).test(String(status)),
  );
  const template = status === 200 ? PUT_RECORD_RESPONSE_TEMPLATE : (errorResponse?.template ?? '$input.body');
  const result = renderMappingTemplate(template, {
    body: kinesisBody,
    context: requestContextVariables(request),
  });
  return {
    statusCode: result.statusOverride ?? (status === 200 ? 200 : (errorResponse?.statusCode ?? status)),
    headers: { 'content-type': 'application/json', ...result.headerOverrides },
    body: result.body,
  };
}

function gatewayResponse(
  definition: GatewayResponseDefinition,
  request: GatewayRequest,
  error: {
    messageString?: string;
    validationErrorString?: string;
    responseType?: string;
    statusCode?: number;
  },
): Reply {
  const rendered = renderMappingTemplate(definition.template, {
    body: '',
    context: {
      ...requestContextVariables(request),
      error: {
        message: error.messageString ? (JSON.parse(error.messageString) as string) : '',
        messageString: error.messageString ?? '""',
        validationErrorString: error.validationErrorString ?? '',
        responseType: error.responseType ?? definition.type,
      },
    },
  });
  const responseType = error.responseType ?? definition.type;
  return {
    // The DEFAULT_4XX/5XX fallbacks have no status of their own: each response type keeps API Gateway's.
    statusCode:
      rendered.statusOverride ??
      definition.statusCode ??
      error.statusCode ??
      RESPONSE_TYPE_STATUS[responseType] ??
      (definition.type === 'DEFAULT_4XX' ? 400 : 500),
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': responseType },
    body: rendered.body,
  };
}

/** The request as the gateway reads it: an id, the method, the target parsed from the request line. */
function toGatewayRequest(incoming: IncomingMessage): GatewayRequest {
  const parsed = parseRequestTarget(incoming.url);
  const url = parsed ?? new URL('/', ORIGIN);
  const stagePrefix = `/${API_STAGE_NAME}`;
  return {
    requestId: randomUUID(),
    method: incoming.method ?? 'GET',
    resourcePath: url.pathname.startsWith(`${stagePrefix}/`)
      ? url.pathname.slice(stagePrefix.length)
      : url.pathname,
    url,
    badTarget: parsed === undefined,
    incoming,
  };
}

/** The request validator of each route with a body model. */
function compileValidators(routes: readonly Route[]): Map<Route, ValidateFunction> {
  const validators = new Map<Route, ValidateFunction>();
  // verbose: errors carry the offending value, which API Gateway's validator quotes for a pattern mismatch.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  for (const route of routes) {
    const schema = bodyJsonSchema(route);
    if (schema) validators.set(route, ajv.compile(draft04ToAjv(schema)));
  }
  return validators;
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

/** The 500 after a reply could not be sent; the connection is dropped when even that fails. */
function sendFallback(response: ServerResponse, reply: Reply, request: GatewayRequest): void {
  answerOrDrop(response, () => sendReply(response, reply, request));
}

function requestContextVariables(request: GatewayRequest): Record<string, unknown> {
  return {
    requestId: request.requestId,
    httpMethod: request.method,
    resourcePath: request.resourcePath,
    path: request.url.pathname,
    stage: API_STAGE_NAME,
  };
}

/**
 * A draft-04 model (what API Gateway validates with) as the draft ajv compiles. The one keyword pair whose
 * meaning changed: draft-04's boolean `exclusiveMinimum`/`exclusiveMaximum` modify `minimum`/`maximum`,
 * later drafts make them numbers of their own (zod emits the draft-04 form for `.gt()`/`.lt()`).
 */
export function draft04ToAjv(schema: unknown): Record<string, unknown> {
  const convert = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(convert);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key !== '$schema') out[key] = convert(value);
    }
    for (const [exclusive, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (typeof out[exclusive] !== 'boolean') continue;
      if (out[exclusive] === true && typeof out[bound] === 'number') {
        out[exclusive] = out[bound];
        delete out[bound];
      } else {
        delete out[exclusive];
      }
    }
    return out;
  };
  return convert(schema) as Record<string, unknown>;
}

/**
 * The request validator's verdict as API Gateway words it (its `validationErrorString`): the problems in
 * brackets, each as its validator reports it (`object has missing required properties (["version"])`,
 * `ECMA 262 regex "^...$" does not match input string "x"`); undefined when the body is valid.
 */
export function validateBody(validate: ValidateFunction, body: string): string | undefined {
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return '[the body is not valid JSON]';
  }
  if (validate(json)) return undefined;
  const problems: string[] = [];
  const missing = new Map<string, string[]>();
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'required') {
      const at = missing.get(error.instancePath);
      const name = (error.params as { missingProperty: string }).missingProperty;
      if (at) at.push(name);
      else {
        missing.set(error.instancePath, [name]);
        problems.push(`required:${error.instancePath}`);
      }
    } else {
      problems.push(describeValidationError(error));
    }
  }
  const described = problems.map((problem) => {
    if (!problem.startsWith('required:')) return problem;
    const names = missing.get(problem.slice('required:'.length)) ?? [];
    return `object has missing required properties (${JSON.stringify(names)})`;
  });
  return `[${described.join(', ')}]`;
}

/** A JSON value's type as the validator names it (`integer` for a whole number). */
function instanceType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function describeValidationError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const data = error.data;
  const text = typeof data === 'string' ? data : '';
  switch (error.keyword) {
    case 'type':
      return `instance type (${instanceType(data)}) does not match any allowed primitive type (allowed: ${JSON.stringify(String(params.type).split(','))})`;
    case 'pattern':
      return `ECMA 262 regex "${String(params.pattern)}" does not match input string "${text}"`;
    case 'minLength':
      return `string "${text}" is too short (length: ${[...text].length}, required minimum: ${String(params.limit)})`;
    case 'maxLength':
      return `string "${text}" is too long (length: ${[...text].length}, maximum allowed: ${String(params.limit)})`;
    case 'minimum':
      return `numeric instance is lower than the required minimum (minimum: ${String(params.limit)}, found: ${String(data)})`;
    case 'maximum':
      return `numeric instance is greater than the required maximum (maximum: ${String(params.limit)}, found: ${String(data)})`;
    case 'exclusiveMinimum':
      return `numeric instance is not strictly greater than the required minimum (minimum: ${String(params.limit)}, found: ${String(data)})`;
    case 'exclusiveMaximum':
      return `numeric instance is not strictly lower than the required maximum (maximum: ${String(params.limit)}, found: ${String(data)})`;
    case 'enum':
      return `instance value (${JSON.stringify(data)}) not found in enum (possible values: ${JSON.stringify(params.allowedValues)})`;
    default:
      return error.message ?? 'is invalid';
  }
}

export interface ProxyEventInput {
  readonly route: LambdaRoute;
  readonly requestId: string;
  readonly method: string;
  readonly url: URL;
  /** Node's rawHeaders: names as the client sent them, in pairs. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
  readonly sourceIp: string;
  readonly apiKey: string;
  readonly localPort: number;
}

/** The event's headers and query parameters, single- and multi-valued. */
function headersAndQuery(input: ProxyEventInput): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  multiValueQuery: Record<string, string[]>;
  hasQuery: boolean;
} {
  // Maps, not objects: a header or parameter named `__proto__` is a name like any other.
  const headerValues = new Map<string, string[]>();
  for (let index = 0; index + 1 < input.rawHeaders.length; index += 2) {
    const name = input.rawHeaders[index] as string;
    headerValues.set(name, [...(headerValues.get(name) ?? []), input.rawHeaders[index + 1] as string]);
  }
  // API Gateway adds these for the caller's connection.
  for (const [name, value] of [
    ['X-Forwarded-For', input.sourceIp],
    ['X-Forwarded-Port', String(input.localPort)],
    ['X-Forwarded-Proto', 'http'],
  ] as const) {
    if (!headerValues.has(name)) headerValues.set(name, [value]);
  }
  const multiValueHeaders = Object.fromEntries(headerValues);
  const headers = Object.fromEntries(
    [...headerValues].map(([name, values]) => [name, values[values.length - 1] as string]),
  );
  const queryValues = new Map<string, string[]>();
  for (const [name, value] of input.url.searchParams) {
    queryValues.set(name, [...(queryValues.get(name) ?? []), value]);
  }
  const multiValueQuery = Object.fromEntries(queryValues);
  const hasQuery = queryValues.size > 0;
  return { headers, multiValueHeaders, multiValueQuery, hasQuery };
}

/** A REST API (v1) Lambda proxy event, as API Gateway builds it for a non-proxy resource. */
export function buildProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const now = new Date();
  const { headers, multiValueHeaders, multiValueQuery, hasQuery } = headersAndQuery(input);
  const userAgent =
    Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    resource: input.route.path,
    path: input.route.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery
      ? Object.fromEntries(
          Object.entries(multiValueQuery).map(([name, values]) => [
            name,
            values[values.length - 1] as string,
          ]),
        )
      : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: undefined,
      domainName: headers.Host ?? headers.host ?? `127.0.0.1:${input.localPort}`,
      domainPrefix: 'local',
      extendedRequestId: input.requestId,
      httpMethod: input.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: input.apiKey,
        apiKeyId: 'local',
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: input.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${API_STAGE_NAME}${input.route.path}`,
      protocol: 'HTTP/1.1',
      requestId: input.requestId,
      requestTime: formatRequestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: input.route.path,
      stage: API_STAGE_NAME,
    },
    body: input.body === '' ? null : input.body,
    isBase64Encoded: false,
  };
}

/** `28/Nov/2026:18:10:02 +0000`, API Gateway's requestTime format. */
function formatRequestTime(at: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(at.getUTCDate())}/${months[at.getUTCMonth()]}/${at.getUTCFullYear()}:` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`
  );
}

function singleValueHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers = new Map<string, string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    headers.set(rawHeaders[index] as string, rawHeaders[index + 1] as string);
  }
  return Object.fromEntries(headers);
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (value === null || typeof value !== 'object') return false;
  const result = value as Record<string, unknown>;
  return (
    typeof result.statusCode === 'number' &&
    (result.body === undefined || typeof result.body === 'string') &&
    Object.keys(result).every((key) =>
      ['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded', 'cookies'].includes(key),
    )
  );
}

class IntegrationTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
