// First import: the factories set the test environment before any SDK client is created.
import { MAPPED_SERVICE_ERRORS, serviceError, unexpectedError } from './factories';
import { HttpError, NotFoundError, ValidationError, toHttpError } from '../../lambda/shared/errors';

describe('toHttpError', () => {
  it.each(MAPPED_SERVICE_ERRORS)('maps %s to %i with the service message', (name, status) => {
    const error = toHttpError(serviceError(name, 'what the service said'));

    expect(error).toMatchObject({ statusCode: status, code: name, message: 'what the service said' });
  });

  it('maps any service error answered with HTTP 429 to 429', () => {
    expect(toHttpError(serviceError('SlowDown', 'slow down', 429)).statusCode).toBe(429);
  });

  it('maps an unknown service error to a generic 500, keeping the original as the cause', () => {
    const original = serviceError(
      'AccessDeniedException',
      'User arn:aws:iam::123:role/x is not authorized',
      403,
    );

    const error = toHttpError(original);

    expect(error).toMatchObject({
      statusCode: 500,
      code: 'InternalServerError',
      message: 'Internal server error',
    });
    expect(error.cause).toBe(original);
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
      code: 'ValidationError',
      message: 'userId: is required',
    });
    expect(toHttpError(new NotFoundError('gone')).statusCode).toBe(404);
    expect(toHttpError(new HttpError(409, 'Conflict', 'busy')).statusCode).toBe(409);
  });

  it('bounds a long service message', () => {
    expect(
      toHttpError(serviceError('InvalidInputException', 'x'.repeat(5000))).message.length,
    ).toBeLessThanOrEqual(500);
  });
});
