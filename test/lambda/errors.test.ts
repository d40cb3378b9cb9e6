// First import: the factories set the test environment before any SDK client is created.
import { STACK_NAME, serviceError, unexpectedError } from './factories';
import { expect } from '@jest/globals';
import {
  HttpError,
  NotFoundError,
  ValidationError,
  isRetryable,
  toHttpError,
} from '../../lambda/shared/errors';

/** The service errors the API answers with a 4xx, each with its status and the API's code (error-codes.ts). */
const MAPPED_SERVICE_ERRORS: ReadonlyArray<readonly [string, number, string]> = [
  ['InvalidInputException', 400, 'ValidationException'],
  ['ResourceNotFoundException', 404, 'ResourceNotFoundException'],
  ['ResourceInUseException', 409, 'ResourceInUseException'],
  ['ResourceAlreadyExistsException', 409, 'ResourceAlreadyExistsException'],
  ['LimitExceededException', 429, 'LimitExceededException'],
  ['ThrottlingException', 429, 'TooManyRequestsException'],
  ['TooManyRequestsException', 429, 'TooManyRequestsException'],
];

describe('toHttpError', () => {
  it.each(MAPPED_SERVICE_ERRORS)('maps %s to %i with the service message', (name, status, code) => {
    const error = toHttpError(serviceError(name, 'what the service said'));

    expect(error).toMatchObject({ statusCode: status, code, message: 'what the service said' });
  });

  it('maps any service error answered with HTTP 429 to 429', () => {
    expect(toHttpError(serviceError('SlowDown', 'slow down', 429)).statusCode).toBe(429);
  });

  it('maps an unknown service error to a generic 500, keeping the original as the cause', () => {
    const original = serviceError('KMSInvalidStateException', 'key arn:aws:kms:... is pending deletion', 400);

    const error = toHttpError(original);

    expect(error).toMatchObject({
      statusCode: 500,
      code: 'InternalServerException',
      message: 'Internal server error',
    });
    expect(error.cause).toBe(original);
  });

  it("maps AccessDeniedException to a 403 naming the action, the resource and the stack's tag, not the role", () => {
    const original = serviceError(
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/Stack-CreateCampaignRole/fn is not authorized to perform: ' +
        'personalize:DescribeCampaign on resource: arn:aws:personalize:us-east-1:123456789012:campaign/other ' +
        'because no identity-based policy allows the personalize:DescribeCampaign action',
      403,
    );

    const error = toHttpError(original);

    expect(error).toMatchObject({ statusCode: 403, code: 'AccessDeniedException' });
    expect(error.message).toBe(
      "The stack's role is not allowed to perform personalize:DescribeCampaign on " +
        'arn:aws:personalize:us-east-1:123456789012:campaign/other: this API acts only on the Personalize ' +
        `resources it created, tagged nrt-recommendations:stack=${STACK_NAME}`,
    );
    expect(error.message).not.toMatch(/assumed-role|sts::/);
    expect(error.cause).toBe(original);
  });

  it('maps an AccessDeniedException whose message names no resource to a 403 all the same', () => {
    expect(toHttpError(serviceError('AccessDeniedException', 'Access denied', 403))).toMatchObject({
      statusCode: 403,
      code: 'AccessDeniedException',
      message: expect.stringContaining(
        `this action on this resource: this API acts only on the Personalize resources it created, tagged nrt-recommendations:stack=${STACK_NAME}`,
      ),
    });
  });

  it.each([
    ['an Error', unexpectedError()],
    ['a string', 'boom'],
    ['undefined', undefined],
  ])('maps %s to a generic 500', (_case, thrown) => {
    expect(toHttpError(thrown)).toMatchObject({ statusCode: 500, message: 'Internal server error' });
  });

  it('keeps the project’s own errors as they are', () => {
    expect(toHttpError(new ValidationError('userId', 'is required'))).toMatchObject({
      statusCode: 400,
      code: 'ValidationException',
      message: 'userId: is required',
    });
    expect(toHttpError(new NotFoundError('gone')).statusCode).toBe(404);
    expect(toHttpError(new HttpError(409, 'ResourceInUseException', 'busy')).statusCode).toBe(409);
  });

  it('bounds a long service message', () => {
    expect(
      toHttpError(serviceError('InvalidInputException', 'x'.repeat(5000))).message.length,
    ).toBeLessThanOrEqual(500);
  });
});

describe('isRetryable', () => {
  it.each([
    ['ThrottlingException', 400],
    ['TooManyRequestsException', 400],
    ['LimitExceededException', 400],
    ['AnyThrottleOfAnotherName', 429],
    ['InternalFailure', 500],
    ['ServiceUnavailableException', 503],
    ['SomethingNew', 502],
    ['AccessDeniedException', 403],
    ['ExpiredTokenException', 400],
    ['RequestTimeout', 408],
  ])('retries %s (HTTP %i): a later attempt or a fix of the role can succeed', (name, status) => {
    expect(isRetryable(serviceError(name, 'x', status))).toBe(true);
  });

  it.each([
    ['InvalidInputException', 400],
    ['ResourceNotFoundException', 404],
    ['ValidationException', 400],
    ['ResourceNotFoundException', 400],
    ['SomeOtherClientError', 400],
    ['PayloadTooLarge', 413],
  ])('does not retry %s (HTTP %i): the request itself is wrong', (name, status) => {
    expect(isRetryable(serviceError(name, 'x', status))).toBe(false);
  });

  it.each([
    ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['a thrown string', 'boom'],
  ])('retries %s, which has no HTTP answer', (_case, error) => {
    expect(isRetryable(error)).toBe(true);
  });
});
