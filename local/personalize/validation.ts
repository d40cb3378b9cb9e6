import { PERSONALIZE_NAME_MAX_LENGTH, PERSONALIZE_NAME_PATTERN } from '../../lib/contract/requests';
import { invalidInput } from './errors';

/** A request body as decoded from JSON: nothing about it is trusted. */
export type RequestBody = Record<string, unknown>;

interface StringRule {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
}

const ARN_MAX_LENGTH = 256;
const ARN_PATTERN = /^arn:([a-z\d-]+):personalize:.*:.*:.+$/;

export function optionalString(body: RequestBody, field: string, rule: StringRule = {}): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be a string`,
    );
  }
  const { min = 0, max, pattern } = rule;
  if (value.length < min) {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
    );
  }
  if (max !== undefined && value.length > max) {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
  if (pattern && !pattern.test(value)) {
    throw invalidInput(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return value;
}

export function requiredString(body: RequestBody, field: string, rule: StringRule = {}): string {
  const value = optionalString(body, field, rule);
  if (value === undefined) {
    throw invalidInput(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** A resource name: Personalize's pattern, 1 to 63 characters. */
export function requiredName(body: RequestBody, field = 'name'): string {
  return requiredString(body, field, {
    min: 1,
    max: PERSONALIZE_NAME_MAX_LENGTH,
    pattern: PERSONALIZE_NAME_PATTERN,
  });
}

export function requiredArn(body: RequestBody, field: string): string {
  return requiredString(body, field, { max: ARN_MAX_LENGTH, pattern: ARN_PATTERN });
}

export function optionalArn(body: RequestBody, field: string): string | undefined {
  return optionalString(body, field, { max: ARN_MAX_LENGTH, pattern: ARN_PATTERN });
}

export function optionalInteger(
  body: RequestBody,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be an integer`,
    );
  }
  if (value < min || value > max) {
    throw invalidInput(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value ${value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
  }
  return value;
}

export function optionalEnum<T extends string>(
  body: RequestBody,
  field: string,
  values: readonly T[],
): T | undefined {
  const value = optionalString(body, field);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw invalidInput(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`,
    );
  }
  return value as T;
}

export function optionalList(
  body: RequestBody,
  field: string,
  min: number,
  max: number,
): unknown[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be a list`,
    );
  }
  if (value.length < min || value.length > max) {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length ${value.length < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
  }
  return value as unknown[];
}

export function requiredList(body: RequestBody, field: string, min: number, max: number): unknown[] {
  const value = optionalList(body, field, min, max);
  if (value === undefined) {
    throw invalidInput(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function asBody(value: unknown, field: string): RequestBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput(`Value at '${field}' must be an object`);
  }
  return value as RequestBody;
}
