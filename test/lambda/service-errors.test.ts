import { ResourceNotFoundException } from '@aws-sdk/client-personalize';
import { errorMessage, isServiceError, serviceErrorName } from '../../lambda/shared/service-errors';

describe('service errors', () => {
  const notFound = new ResourceNotFoundException({ message: 'gone', $metadata: {} });

  it('reads the exception name of an SDK error, of a plain object and of nothing else', () => {
    expect(serviceErrorName(notFound)).toBe('ResourceNotFoundException');
    expect(serviceErrorName({ name: 'ThrottlingException' })).toBe('ThrottlingException');
    expect(serviceErrorName({ name: 42 })).toBeUndefined();
    expect(serviceErrorName('ResourceNotFoundException')).toBeUndefined();
    expect(serviceErrorName(null)).toBeUndefined();
  });

  it('recognises an error by any of the names given', () => {
    expect(isServiceError(notFound, 'ResourceInUseException', 'ResourceNotFoundException')).toBe(true);
    expect(isServiceError(notFound, 'ResourceInUseException')).toBe(false);
    expect(isServiceError(undefined, 'ResourceNotFoundException')).toBe(false);
  });

  it('reads a message from an Error, and from anything else thrown', () => {
    expect(errorMessage(notFound)).toBe('gone');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(7)).toBe('7');
  });
});
