/**
 * Service errors, by the exception names the SDK clients map to classes (`instanceof ResourceNotFoundException`
 * holds in the caller only when the wire carries exactly these names).
 */
export type PersonalizeErrorType =
  | 'InvalidInputException'
  | 'InvalidNextTokenException'
  | 'LimitExceededException'
  | 'ResourceAlreadyExistsException'
  | 'ResourceInUseException'
  | 'ResourceNotFoundException'
  | 'TooManyTagsException'
  | 'TooManyTagKeysException'
  | 'UnknownOperationException';

/**
 * HTTP statuses the restJson1 clients (events, runtime) model for each error. The control plane (awsJson1_1)
 * answers 400 for every client error, and its SDK reads the type from `__type`.
 */
const REST_STATUS: Record<PersonalizeErrorType, number> = {
  InvalidInputException: 400,
  InvalidNextTokenException: 400,
  LimitExceededException: 409,
  ResourceAlreadyExistsException: 403,
  ResourceInUseException: 409,
  ResourceNotFoundException: 404,
  // Control-plane only (tags): the restJson1 APIs never answer them.
  TooManyTagsException: 400,
  TooManyTagKeysException: 400,
  UnknownOperationException: 404,
};

export class PersonalizeError extends Error {
  constructor(
    readonly type: PersonalizeErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get restStatus(): number {
    return REST_STATUS[this.type];
  }
}

export const invalidInput = (message: string): PersonalizeError =>
  new PersonalizeError('InvalidInputException', message);
export const notFound = (message: string): PersonalizeError =>
  new PersonalizeError('ResourceNotFoundException', message);
export const inUse = (message: string): PersonalizeError =>
  new PersonalizeError('ResourceInUseException', message);
export const alreadyExists = (message: string): PersonalizeError =>
  new PersonalizeError('ResourceAlreadyExistsException', message);
export const limitExceeded = (message: string): PersonalizeError =>
  new PersonalizeError('LimitExceededException', message);
export const tooManyTags = (message: string): PersonalizeError =>
  new PersonalizeError('TooManyTagsException', message);
export const tooManyTagKeys = (message: string): PersonalizeError =>
  new PersonalizeError('TooManyTagKeysException', message);
