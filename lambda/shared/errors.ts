/**
 * Typed errors and THE mapping from errors to HTTP statuses. Handlers throw; `withHttp` (http.ts) turns
 * what they throw into a response with `toHttpError`, so no handler decides a status code on its own.
 * Also THE classification of service errors into retryable and not (`isRetryable`), for the consumer.
 */
import { ERROR_CODES, type ErrorCode } from '../../lib/contract/error-codes';
import { OWNER_TAG_ENV, OWNER_TAG_KEY } from '../../lib/contract/ownership';
import { isServiceError, serviceErrorName } from './service-errors';

/** An error with the HTTP status and code (error-codes.ts) it is answered with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    /** Extra response fields (e.g. which of two deletions failed). */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** Invalid input. The message starts with the field's name: `solutionArn: must be a Personalize solution ARN`. */
export class ValidationError extends HttpError {
  constructor(
    /** The first bad field. */
    readonly field: string,
    problem: string,
    /** When several fields are bad: all of them, each `field: problem`. */
    message = `${field}: ${problem}`,
  ) {
    super(400, ERROR_CODES.validation, message);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, ERROR_CODES.resourceNotFound, message);
    this.name = 'NotFoundError';
  }
}

/**
 * Events for a tracker that exists but is still being created (CREATE PENDING / CREATE IN_PROGRESS): a 409
 * the caller retries in a few seconds. Personalize itself answers them as for an unknown tracking id.
 */
export class EventTrackerNotActiveError extends HttpError {
  constructor(
    readonly eventTrackerArn: string,
    readonly status: string,
  ) {
    super(
      409,
      ERROR_CODES.resourceInUse,
      `event tracker ${eventTrackerArn} is not active yet (${status || 'being created'}): retry in a few seconds`,
      { eventTrackerArn, status },
    );
    this.name = 'EventTrackerNotActiveError';
  }
}

/**
 * Exceptions of the Personalize APIs (and the SDK's throttling names) and the status and code they are
 * answered with: the service's message is kept, the code is the API's own (error-codes.ts).
 */
const SDK_ERRORS: Readonly<Record<string, { readonly status: number; readonly code: ErrorCode }>> = {
  InvalidInputException: { status: 400, code: ERROR_CODES.validation },
  ValidationException: { status: 400, code: ERROR_CODES.validation },
  TooManyTagsException: { status: 400, code: ERROR_CODES.validation },
  TooManyTagKeysException: { status: 400, code: ERROR_CODES.validation },
  ResourceNotFoundException: { status: 404, code: ERROR_CODES.resourceNotFound },
  ResourceInUseException: { status: 409, code: ERROR_CODES.resourceInUse },
  ResourceAlreadyExistsException: { status: 409, code: ERROR_CODES.resourceAlreadyExists },
  LimitExceededException: { status: 429, code: ERROR_CODES.limitExceeded },
  ThrottlingException: { status: 429, code: ERROR_CODES.tooManyRequests },
  TooManyRequestsException: { status: 429, code: ERROR_CODES.tooManyRequests },
};

/** Service messages are meant for callers (they name the resource); bounded so a response stays small. */
const MAX_MESSAGE_LENGTH = 500;

const INTERNAL_ERROR_MESSAGE = 'Internal server error';

function isSdkError(error: unknown): error is Error & { $metadata?: { httpStatusCode?: number } } {
  return error instanceof Error && '$metadata' in error;
}

/**
 * The 403 an AccessDeniedException becomes. The functions' IAM policies allow acting only on resources tagged
 * with this stack's name (ownership.ts), so "access denied" almost always means "not this stack's resource".
 * The service's message names the action and the resource, which the answer repeats; it also names the
 * function's role and account, which the answer does not.
 */
function accessDenied(error: Error): HttpError {
  const match = /perform: (\S+) on resource: (\S+)/.exec(error.message);
  const stack = process.env[OWNER_TAG_ENV] || "<this stack's name>";
  const what = match ? `${match[1]} on ${match[2]}` : 'this action on this resource';
  const message =
    `The stack's role is not allowed to perform ${what}: this API acts only on the Personalize resources ` +
    `it created, tagged ${OWNER_TAG_KEY}=${stack}`;
  return new HttpError(
    403,
    ERROR_CODES.accessDenied,
    message.slice(0, MAX_MESSAGE_LENGTH),
    {},
    { cause: error },
  );
}

/**
 * The HTTP error a thrown value is answered with. Anything not known to be the caller's doing becomes a
 * generic 500 that keeps the original as `cause`, for the log only: a response never carries a stack
 * trace or a serialized SDK error.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isSdkError(error)) {
    if (isServiceError(error, 'AccessDeniedException')) return accessDenied(error);
    const known =
      SDK_ERRORS[error.name] ??
      (error.$metadata?.httpStatusCode === 429
        ? { status: 429, code: ERROR_CODES.tooManyRequests }
        : undefined);
    if (known !== undefined) {
      return new HttpError(
        known.status,
        known.code,
        error.message.slice(0, MAX_MESSAGE_LENGTH),
        {},
        { cause: error },
      );
    }
  }
  return new HttpError(500, ERROR_CODES.internalServer, INTERNAL_ERROR_MESSAGE, {}, { cause: error });
}

/** Errors that say nothing about the request itself: a later attempt, or a fix of the stack, can succeed. */
const RETRYABLE_ERRORS = new Set([
  // Throttling and quotas.
  'ThrottlingException',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  // The service's side.
  'InternalServerError',
  'InternalServerException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // The network.
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  // Permissions and credentials: a fix of the role (and a retry) can succeed; until then the retry and age
  // limits of the event source mapping end in Lambda's on-failure destination, which keeps the records.
  'AccessDeniedException',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);

/** Throttling: the service asks to slow down; the same request succeeds a moment later. */
const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** Whether the call was throttled (a throttling error name, or HTTP 429). */
export function isThrottling(error: unknown): boolean {
  const name = serviceErrorName(error);
  if (name !== undefined && THROTTLING_ERRORS.has(name)) return true;
  return isSdkError(error) && error.$metadata?.httpStatusCode === 429;
}

/** Errors that say the request itself is wrong: sending it again cannot succeed. */
const PERMANENT_ERRORS = new Set([
  'InvalidInputException',
  'ResourceNotFoundException',
  'ValidationException',
]);

/**
 * Whether a failed call can succeed later. Retryable: an event tracker still being created, throttling (the names above, HTTP 429), 5xx, errors
 * with no HTTP answer (network, timeouts), 408 and 403 (permissions). Not retryable: InvalidInputException,
 * ResourceNotFoundException, ValidationException and any other 4xx.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof EventTrackerNotActiveError) return true;
  const name = serviceErrorName(error);
  if (name !== undefined && PERMANENT_ERRORS.has(name)) return false;
  if (name !== undefined && RETRYABLE_ERRORS.has(name)) return true;
  const status = isSdkError(error) ? error.$metadata?.httpStatusCode : undefined;
  if (status === undefined) return true;
  if (status === 403 || status === 408 || status === 429) return true;
  return status < 400 || status >= 500;
}
