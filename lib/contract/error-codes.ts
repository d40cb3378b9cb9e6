/**
 * THE error codes of the HTTP API: every error body's `code` is one of these, whoever answers (API Gateway's
 * gateway responses and integration responses, local mode's gateway, the handlers). They follow AWS's own
 * style, as API Gateway and Personalize name their errors: PascalCase ending in `Exception`.
 */
export const ERROR_CODES = {
  /** Invalid input, in the body or the query, refused by the gateway or by the handler (400). */
  validation: 'ValidationException',
  /** The API key is missing or unknown (403). */
  forbidden: 'ForbiddenException',
  /** The stack's role may not act on the resource: not one this stack created (403). */
  accessDenied: 'AccessDeniedException',
  /** No route matches the method and path (404). */
  notFound: 'NotFoundException',
  /** The resource named does not exist, or is not this stack's (404). */
  resourceNotFound: 'ResourceNotFoundException',
  /** The resource is not in a state that allows the request yet, e.g. still being created (409). */
  resourceInUse: 'ResourceInUseException',
  /** A resource of that name exists already (409). */
  resourceAlreadyExists: 'ResourceAlreadyExistsException',
  /** A quota is used up: the usage plan's, or a Personalize limit (429). */
  limitExceeded: 'LimitExceededException',
  /** Throttled: the usage plan's rate, the stream's or Personalize's (429). */
  tooManyRequests: 'TooManyRequestsException',
  /** The body's media type is not JSON on a route that maps JSON only (415). */
  unsupportedMediaType: 'UnsupportedMediaTypeException',
  /** The body is larger than API Gateway accepts (413). */
  requestTooLarge: 'RequestTooLargeException',
  /** Any other request the gateway refuses (4xx). */
  badRequest: 'BadRequestException',
  /** The integration did not answer in time (504). */
  integrationTimeout: 'IntegrationTimeoutException',
  /** Anything on the stack's side: the response says no more (5xx). */
  internalServer: 'InternalServerException',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** What every code looks like. */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Za-z]+Exception$/;

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(ERROR_CODES));

/** Whether `code` is one of the table's. */
export function isErrorCode(code: string): code is ErrorCode {
  return ALL_CODES.has(code);
}
