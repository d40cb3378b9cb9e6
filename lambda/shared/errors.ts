/**
 * Typed errors and THE mapping from errors to HTTP statuses. Handlers throw; `withHttp` (http.ts) turns
 * what they throw into a response with `toHttpError`, so no handler decides a status code on its own.
 */

/** An error with the HTTP status and code it is answered with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
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
    super(400, 'ValidationError', message);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'ResourceNotFoundException', message);
    this.name = 'NotFoundError';
  }
}

/** Exceptions of the Personalize APIs (and the SDK's throttling names) and the statuses they are answered with. */
const SDK_ERROR_STATUS: Readonly<Record<string, number>> = {
  InvalidInputException: 400,
  ValidationException: 400,
  TooManyTagsException: 400,
  TooManyTagKeysException: 400,
  ResourceNotFoundException: 404,
  ResourceInUseException: 409,
  ResourceAlreadyExistsException: 409,
  LimitExceededException: 429,
  ThrottlingException: 429,
  TooManyRequestsException: 429,
};

/** Service messages are meant for callers (they name the resource); bounded so a response stays small. */
const MAX_MESSAGE_LENGTH = 500;

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

function isSdkError(error: unknown): error is Error & { $metadata?: { httpStatusCode?: number } } {
  return error instanceof Error && '$metadata' in error;
}

/**
 * The HTTP error a thrown value is answered with. Anything not known to be the caller's doing becomes a
 * generic 500 that keeps the original as `cause`, for the log only: a response never carries a stack
 * trace or a serialized SDK error.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isSdkError(error)) {
    const status =
      SDK_ERROR_STATUS[error.name] ?? (error.$metadata?.httpStatusCode === 429 ? 429 : undefined);
    if (status !== undefined) {
      return new HttpError(
        status,
        error.name,
        error.message.slice(0, MAX_MESSAGE_LENGTH),
        {},
        { cause: error },
      );
    }
  }
  return new HttpError(500, 'InternalServerError', INTERNAL_ERROR_MESSAGE, {}, { cause: error });
}
