/**
 * A request as local mode's gateway reads it, the reply it gives, and the request's `$context` variables
 * for mapping templates.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { API_STAGE_NAME } from '../../lib/contract/stack-outputs';

export interface GatewayRequest {
  readonly requestId: string;
  readonly method: string;
  /** Path without the stage, e.g. `/campaign`. */
  readonly resourcePath: string;
  /** The target as a URL; `/` when the request line's target is not a path (then `badTarget`). */
  readonly url: URL;
  readonly badTarget: boolean;
  readonly incoming: IncomingMessage;
}

export interface Reply {
  readonly statusCode: number;
  readonly headers: Record<string, string | number | boolean | readonly string[]>;
  readonly body: string;
  /**
   * The route's function answered, and logged the request itself (lambda/shared/http.ts `withHttp`: route,
   * status, latency and the gateway's request id): the gateway does not log it a second time.
   */
  readonly loggedByHandler?: boolean;
}

/** Stands for the API's own host: a request's target is read without its Host header. */
const ORIGIN = 'http://gateway.local';

/**
 * The request target as a URL, read from the request line alone (never from Host, which the client
 * controls): origin-form `/prod/x?a=1`, or absolute-form `http://host/prod/x` (whose host is ignored).
 * Undefined for anything else (asterisk-form `*`, authority-form, a target that does not parse).
 */
function parseRequestTarget(target: string | undefined): URL | undefined {
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

/** The request as the gateway reads it: an id, the method, the target parsed from the request line. */
export function toGatewayRequest(incoming: IncomingMessage): GatewayRequest {
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

/** The request's target as the access log shows it (a target that is not a path, quoted). */
export function loggedTarget(request: GatewayRequest): string {
  return request.badTarget
    ? JSON.stringify(request.incoming.url)
    : `${request.url.pathname}${request.url.search}`;
}

/** The media type of a request, as API Gateway picks a mapping template: `application/json` when absent. */
export function mediaTypeOf(request: GatewayRequest): string {
  const header = request.incoming.headers['content-type'];
  return (header?.split(';')[0] ?? '').trim().toLowerCase() || 'application/json';
}

/** The request's `$context` variables. */
export function requestContextVariables(request: GatewayRequest): Record<string, unknown> {
  return {
    requestId: request.requestId,
    httpMethod: request.method,
    resourcePath: request.resourcePath,
    path: request.url.pathname,
    stage: API_STAGE_NAME,
  };
}
