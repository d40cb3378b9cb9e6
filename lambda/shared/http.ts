/**
 * The HTTP edge of the handlers: request parsing against the zod schemas of requests.ts, and `withHttp`,
 * which runs a handler's core, answers 200 with its result as JSON, and maps whatever it throws once.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod';
import { HttpError, ValidationError, toHttpError } from './errors';
import { logger } from './logger';

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

export interface ErrorBody {
  message: string;
  code: string;
  [detail: string]: unknown;
}

export function respond(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json' },
    // Always a string: an object body is what made API Gateway answer the seed's /deleteResources with 502.
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: HttpError): APIGatewayProxyResult {
  const body: ErrorBody = { message: error.message, code: error.code, ...error.details };
  return respond(error.statusCode, body);
}

export type HttpHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/**
 * Wraps a handler's core: 200 with its result as JSON, or the mapped error. 5xx errors are logged with
 * their cause; the response only says `Internal server error`.
 */
export function withHttp(
  core: (event: APIGatewayProxyEvent, context?: Context) => Promise<unknown>,
): HttpHandler {
  return (event, context) =>
    logger.withRequestId(context?.awsRequestId ?? event.requestContext?.requestId, async () => {
      const started = Date.now();
      const route = { method: event.httpMethod, path: event.resource ?? event.path };
      let result: APIGatewayProxyResult;
      try {
        result = respond(200, await core(event, context));
      } catch (thrown) {
        const error = toHttpError(thrown);
        if (error.statusCode >= 500) {
          logger.error('Request failed', { ...route, error: error.cause ?? thrown });
        } else {
          logger.warn('Request rejected', {
            ...route,
            statusCode: error.statusCode,
            code: error.code,
            reason: error.message,
          });
        }
        result = errorResponse(error);
      }
      logger.info('Request handled', {
        ...route,
        statusCode: result.statusCode,
        durationMs: Date.now() - started,
      });
      return result;
    });
}

/** The id of an API request: the event-id prefix of a `POST /putEvents` batch without an idempotency key. */
export function requestIdOf(event: APIGatewayProxyEvent, context?: Context): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? `request-${Date.now()}`;
}
