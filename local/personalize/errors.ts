/**
 * The one error the emulator answers with. Its type is the exception name the SDK clients map to classes
 * (`instanceof ResourceNotFoundException` holds in the caller only when the wire carries exactly these names);
 * its status is the HTTP status in each protocol: `json` for the control plane (awsJson1_1, the SDK reads the
 * type from `__type`), `rest` for events and runtime (restJson1, the type in `x-amzn-errortype`).
 */
export interface ServiceErrorStatus {
  readonly json: number;
  readonly rest: number;
}

/** The Personalize exceptions the emulator raises itself. */
type PersonalizeErrorType =
  | 'InvalidInputException'
  | 'InvalidNextTokenException'
  | 'LimitExceededException'
  | 'ResourceAlreadyExistsException'
  | 'ResourceInUseException'
  | 'ResourceNotFoundException'
  | 'TooManyTagsException'
  | 'TooManyTagKeysException';

/** A client error: 400 in awsJson1_1, the status the restJson1 clients model for it in REST. */
const client = (rest: number): ServiceErrorStatus => ({ json: 400, rest });

/** Statuses by exception name; a name not listed is a server error (500, which the SDK retries). */
const STATUS: Readonly<
  Record<PersonalizeErrorType | 'ThrottlingException' | 'AccessDeniedException', ServiceErrorStatus>
> = {
  InvalidInputException: client(400),
  InvalidNextTokenException: client(400),
  LimitExceededException: client(409),
  ResourceAlreadyExistsException: client(403),
  ResourceInUseException: client(409),
  ResourceNotFoundException: client(404),
  // Control-plane only (tags): the restJson1 APIs never answer them.
  TooManyTagsException: client(400),
  TooManyTagKeysException: client(400),
  ThrottlingException: { json: 400, rest: 429 },
  // IAM's denial (the emulator evaluates no policy): only ever injected, by tests that play IAM's part.
  AccessDeniedException: client(403),
};

const SERVER_ERROR: ServiceErrorStatus = { json: 500, rest: 500 };

export class ServiceError extends Error {
  readonly status: ServiceErrorStatus;

  /** `status` defaults to the one listed for `type` (own keys only: `constructor` is no exception name). */
  constructor(
    readonly type: string,
    message: string,
    status?: ServiceErrorStatus,
  ) {
    super(message);
    this.name = type;
    this.status =
      status ?? (Object.hasOwn(STATUS, type) ? STATUS[type as keyof typeof STATUS] : SERVER_ERROR);
  }
}

export const invalidInput = (message: string): ServiceError =>
  new ServiceError('InvalidInputException', message);
export const invalidNextToken = (message: string): ServiceError =>
  new ServiceError('InvalidNextTokenException', message);
export const notFound = (message: string): ServiceError =>
  new ServiceError('ResourceNotFoundException', message);
export const inUse = (message: string): ServiceError => new ServiceError('ResourceInUseException', message);
export const alreadyExists = (message: string): ServiceError =>
  new ServiceError('ResourceAlreadyExistsException', message);
export const limitExceeded = (message: string): ServiceError =>
  new ServiceError('LimitExceededException', message);
export const tooManyTags = (message: string): ServiceError =>
  new ServiceError('TooManyTagsException', message);
export const tooManyTagKeys = (message: string): ServiceError =>
  new ServiceError('TooManyTagKeysException', message);
/** An operation or path the emulator does not serve: 400 in awsJson1_1, 404 in REST. */
export const unknownOperation = (message: string): ServiceError =>
  new ServiceError('UnknownOperationException', message, client(404));
/** A request body over the emulator's limit: 413 in both protocols. */
export const tooLarge = (message: string): ServiceError =>
  new ServiceError('InvalidInputException', message, { json: 413, rest: 413 });
/** A content-type none of the APIs accept: 415 in both protocols. */
export const unsupportedMediaType = (message: string): ServiceError =>
  new ServiceError('UnsupportedMediaTypeException', message, { json: 415, rest: 415 });
/** A failure inside the emulator: 500 in both protocols. */
export const internalError = (message: string): ServiceError =>
  new ServiceError('InternalServerError', message);
