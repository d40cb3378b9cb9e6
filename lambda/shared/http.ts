/**
 * The HTTP edge of the handlers: request parsing against the zod schemas of requests.ts, and `withHttp`,
 * which runs a handler's core, answers 200 with its result as JSON, and maps whatever it throws once.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod';
import { HttpError, ValidationError, toHttpError } from './errors';
import { logger } from './logger';
import { withMetrics } from './metrics';

/** `a.b[0]`-style name of the field an issue is about; the body itself when the path is empty. */
function fieldName(path: readonly PropertyKey[], root: string): string {
  if (path.length === 0) return root;
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * Parses `input` with `schema`, or throws a ValidationError naming every bad field
 * (`solutionArn: must be a Personalize solution ARN; version: is required`).
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const problems = result.error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return `${fieldName(issue.path, root)}: ${missing ? 'is required' : issue.message}`;
  });
  // One message naming all bad fields, so a caller fixes them in one round trip.
  throw new ValidationError(
    fieldName(first?.path ?? [], root),
    first?.message ?? 'is invalid',
    problems.join('; '),
  );
}

/** The JSON body of a REST API (v1) proxy event, validated. */
export function parseBody<S extends z.ZodType>(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  schema: S,
): z.output<S> {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new ValidationError('body', 'is required (a JSON object)');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'must be valid JSON');
  }
  return parseWith(schema, json);
}

/** The query string of a REST API (v1) proxy event, validated (values arrive as strings). */
export function parseQuery<S extends z.ZodType>(
  event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>,
  schema: S,
): z.output<S> {
  return parseWith(schema, event.queryStringParameters ?? {}, 'query');
}

interface ErrorBody {
  message: string;
  code: string;
  [detail: string]: unknown;
}

function respond(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json' },
    // Always a string: an object body is what made API Gateway answer the seed's /deleteResources with 502.
    body: JSON.stringify(body),
  };
}

function errorResponse(error: HttpError): APIGatewayProxyResult {
  const body: ErrorBody = { message: error.message, code: error.code, ...error.details };
  return respond(error.statusCode, body);
}

export type HttpHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/** What became of a request, for a route that counts its own metrics. */
export interface RequestOutcome {
  readonly event: APIGatewayProxyEvent;
  readonly statusCode: number;
  readonly durationMs: number;
}

/**
 * Wraps a handler's core: 200 with its result as JSON, or the mapped error. Logs one line per request, with
 * the route, the status and the latency: `Request handled` (INFO), `Request rejected` (WARN, 4xx, with the
 * error code and reason) or `Request failed` (ERROR, 5xx, with the cause, which the response never carries).
 * The line's requestId is the invocation's; apiRequestId is API Gateway's, as its access logs show it.
 * `observe`, if given, sees each outcome, within the invocation's metrics (metrics.ts).
 */
export function withHttp(
  core: (event: APIGatewayProxyEvent, context?: Context) => Promise<unknown>,
  observe?: (outcome: RequestOutcome) => void,
): HttpHandler {
  return (event, context) =>
    logger.withRequestId(context?.awsRequestId ?? event.requestContext?.requestId, () =>
      withMetrics(async () => {
        const started = performance.now();
        const request = {
          method: event.httpMethod,
          path: event.resource ?? event.path,
          apiRequestId: event.requestContext?.requestId,
        };
        let result: APIGatewayProxyResult;
        let failure: Record<string, unknown> | undefined;
        try {
          result = respond(200, await core(event, context));
        } catch (thrown) {
          const error = toHttpError(thrown);
          failure =
            error.statusCode >= 500
              ? { error: error.cause ?? thrown }
              : { code: error.code, reason: error.message };
          result = errorResponse(error);
        }
        const durationMs = Math.round(performance.now() - started);
        const line = { ...request, statusCode: result.statusCode, durationMs, ...failure };
        if (result.statusCode >= 500) logger.error('Request failed', line);
        else if (result.statusCode >= 400) logger.warn('Request rejected', line);
        else logger.info('Request handled', line);
        observe?.({ event, statusCode: result.statusCode, durationMs });
        return result;
      }),
    );
}

/** The id of an API request: the event-id prefix of a `POST /putEvents` batch without an idempotency key. */
export function requestIdOf(event: APIGatewayProxyEvent, context?: Context): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? `request-${Date.now()}`;
}
