/**
 * The Lambda proxy integration of local mode's gateway: a REST API (v1) proxy event and a context for the
 * route's unchanged handler, invoked within API Gateway's integration timeout, its result as the reply.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { LambdaRoute } from '../../lib/contract/api-routes';
import { GATEWAY_RESPONSES } from '../../lib/contract/gateway-responses';
import { API_STAGE_NAME } from '../../lib/contract/stack-outputs';
import { createLambdaContext } from '../lambda/lambda-context';
import { badGateway, gatewayResponse } from './gateway-response';
import type { GatewayRequest, Reply } from './request';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** What the integration needs from the gateway. */
export interface LambdaProxySettings {
  /** Loads (once) a route's handler module by its name under `lambda/`. */
  readonly loadHandler: (name: string) => Promise<ProxyHandler>;
  /** Lambda function name of a handler (for the context object). */
  readonly functionName: (handler: string) => string;
  readonly region: string;
  readonly apiKey: string;
  /** API Gateway's integration timeout. */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/** Invokes the route's handler with the request as a proxy event; its result, a 502 or a 504 as the reply. */
export async function invokeLambdaProxy(
  settings: LambdaProxySettings,
  route: LambdaRoute,
  request: GatewayRequest,
  body: string,
): Promise<Reply> {
  const functionName = settings.functionName(route.handler);
  const event = buildProxyEvent(proxyEventInput(settings, route, request, body));
  const context = createLambdaContext({
    functionName,
    region: settings.region,
    timeoutMs: settings.timeoutMs,
  });
  let result: unknown;
  try {
    const handler = await settings.loadHandler(route.handler);
    result = await withTimeout(handler(event, context), settings.timeoutMs);
  } catch (error) {
    settings.log(`${functionName}: invocation failed: ${describeError(error)}`);
    return badGateway(request);
  }
  if (result === TIMED_OUT) {
    return gatewayResponse(GATEWAY_RESPONSES.integrationTimeout, request, {
      message: 'Endpoint request timed out',
    });
  }
  if (!isProxyResult(result)) {
    settings.log(
      `${functionName}: malformed Lambda proxy response: ${JSON.stringify(result)?.slice(0, 200)}`,
    );
    return badGateway(request);
  }
  return proxyResultReply(result);
}

/** A thrown value with its stack when it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function proxyEventInput(
  settings: LambdaProxySettings,
  route: LambdaRoute,
  request: GatewayRequest,
  body: string,
): ProxyEventInput {
  return {
    route,
    requestId: request.requestId,
    method: request.method,
    url: request.url,
    rawHeaders: request.incoming.rawHeaders,
    body,
    sourceIp: request.incoming.socket.remoteAddress ?? '127.0.0.1',
    apiKey: settings.apiKey,
    localPort: request.incoming.socket.localPort ?? 0,
  };
}

/** The handler's result as API Gateway answers it: header names lower-cased, a base64 body decoded. */
function proxyResultReply(result: APIGatewayProxyResult): Reply {
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
    loggedByHandler: true,
  };
}

interface ProxyEventInput {
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

/**
 * Sets an own property: `__proto__` too, which an assignment would take as the object's prototype (a header or
 * parameter named `__proto__` is a name like any other).
 */
function setOwn<T>(target: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[name] = value;
  }
}

/** The last value of each name, from the multi-valued form. */
function lastValues(multiValue: Record<string, string[]>): Record<string, string> {
  const single: Record<string, string> = {};
  for (const name of Object.keys(multiValue)) {
    const values = multiValue[name] as string[];
    setOwn(single, name, values[values.length - 1] as string);
  }
  return single;
}

/** Appends a value to a name's list, creating it as an own property. */
function appendValue(multiValue: Record<string, string[]>, name: string, value: string): void {
  if (Object.hasOwn(multiValue, name)) (multiValue[name] as string[]).push(value);
  else setOwn(multiValue, name, [value]);
}

/** The event's headers and query parameters, single- and multi-valued. */
function headersAndQuery(input: ProxyEventInput): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  multiValueQuery: Record<string, string[]>;
  hasQuery: boolean;
} {
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index + 1 < input.rawHeaders.length; index += 2) {
    appendValue(multiValueHeaders, input.rawHeaders[index] as string, input.rawHeaders[index + 1] as string);
  }
  // API Gateway adds these for the caller's connection.
  if (!Object.hasOwn(multiValueHeaders, 'X-Forwarded-For'))
    multiValueHeaders['X-Forwarded-For'] = [input.sourceIp];
  if (!Object.hasOwn(multiValueHeaders, 'X-Forwarded-Port')) {
    multiValueHeaders['X-Forwarded-Port'] = [String(input.localPort)];
  }
  if (!Object.hasOwn(multiValueHeaders, 'X-Forwarded-Proto'))
    multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  const multiValueQuery: Record<string, string[]> = {};
  let hasQuery = false;
  for (const [name, value] of input.url.searchParams) {
    appendValue(multiValueQuery, name, value);
    hasQuery = true;
  }
  return { headers: lastValues(multiValueHeaders), multiValueHeaders, multiValueQuery, hasQuery };
}

/** A REST API (v1) Lambda proxy event, as API Gateway builds it for a non-proxy resource. */
function buildProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const { headers, multiValueHeaders, multiValueQuery, hasQuery } = headersAndQuery(input);
  return {
    resource: input.route.path,
    path: input.route.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? lastValues(multiValueQuery) : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: proxyRequestContext(input, headers),
    body: input.body === '' ? null : input.body,
    isBase64Encoded: false,
  };
}

/** The event's requestContext: the stage, the request's id and time, the caller's identity. */
function proxyRequestContext(
  input: ProxyEventInput,
  headers: Record<string, string>,
): APIGatewayProxyEvent['requestContext'] {
  const now = new Date();
  const userAgent =
    Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
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

const TIMED_OUT = Symbol('timed out');

/**
 * The promise's value, or TIMED_OUT after `ms`; the timer is cleared as soon as the promise settles. A plain
 * timer: an AbortController per invocation cost about 3% of a request.
 */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
