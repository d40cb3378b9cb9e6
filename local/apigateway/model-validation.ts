/**
 * The request validator: the routes' JSON-schema models (lib/contract/api-routes.ts: bodyJsonSchema) checked
 * as API Gateway checks them, its verdict worded as API Gateway words it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { bodyJsonSchema, type Route } from '../../lib/contract/api-routes';

/** The request validator of each route with a body model. */
export function compileValidators(routes: readonly Route[]): Map<Route, ValidateFunction> {
  const validators = new Map<Route, ValidateFunction>();
  // verbose: errors carry the offending value, which API Gateway's validator quotes for a pattern mismatch.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  for (const route of routes) {
    const schema = bodyJsonSchema(route);
    if (schema) validators.set(route, ajv.compile(draft04ToAjv(schema)));
  }
  return validators;
}

/**
 * A draft-04 model (what API Gateway validates with) as the draft ajv compiles. The one keyword pair whose
 * meaning changed: draft-04's boolean `exclusiveMinimum`/`exclusiveMaximum` modify `minimum`/`maximum`,
 * later drafts make them numbers of their own (zod emits the draft-04 form for `.gt()`/`.lt()`).
 */
export function draft04ToAjv(schema: unknown): Record<string, unknown> {
  const convert = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(convert);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key !== '$schema') out[key] = convert(value);
    }
    for (const [exclusive, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (typeof out[exclusive] !== 'boolean') continue;
      if (out[exclusive] === true && typeof out[bound] === 'number') {
        out[exclusive] = out[bound];
        delete out[bound];
      } else {
        delete out[exclusive];
      }
    }
    return out;
  };
  return convert(schema) as Record<string, unknown>;
}

/**
 * The request validator's verdict as API Gateway words it (its `validationErrorString`): the problems in
 * brackets, each as its validator reports it (`object has missing required properties (["version"])`,
 * `ECMA 262 regex "^...$" does not match input string "x"`); undefined when the body is valid.
 */
export function validateBody(validate: ValidateFunction, body: string): string | undefined {
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return '[the body is not valid JSON]';
  }
  if (validate(json)) return undefined;
  const problems: string[] = [];
  const missing = new Map<string, string[]>();
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'required') {
      const at = missing.get(error.instancePath);
      const name = (error.params as { missingProperty: string }).missingProperty;
      if (at) at.push(name);
      else {
        missing.set(error.instancePath, [name]);
        problems.push(`required:${error.instancePath}`);
      }
    } else {
      problems.push(describeValidationError(error));
    }
  }
  const described = problems.map((problem) => {
    if (!problem.startsWith('required:')) return problem;
    const names = missing.get(problem.slice('required:'.length)) ?? [];
    return `object has missing required properties (${JSON.stringify(names)})`;
  });
  return `[${described.join(', ')}]`;
}

/** A JSON value's type as the validator names it (`integer` for a whole number). */
function instanceType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function describeValidationError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const data = error.data;
  const text = typeof data === 'string' ? data : '';
  switch (error.keyword) {
    case 'type':
      return `instance type (${instanceType(data)}) does not match any allowed primitive type (allowed: ${JSON.stringify(String(params.type).split(','))})`;
    case 'pattern':
      return `ECMA 262 regex "${String(params.pattern)}" does not match input string "${text}"`;
    case 'minLength':
      return `string "${text}" is too short (length: ${[...text].length}, required minimum: ${String(params.limit)})`;
    case 'maxLength':
      return `string "${text}" is too long (length: ${[...text].length}, maximum allowed: ${String(params.limit)})`;
    case 'minimum':
      return `numeric instance is lower than the required minimum (minimum: ${String(params.limit)}, found: ${String(data)})`;
    case 'maximum':
      return `numeric instance is greater than the required maximum (maximum: ${String(params.limit)}, found: ${String(data)})`;
    case 'exclusiveMinimum':
      return `numeric instance is not strictly greater than the required minimum (minimum: ${String(params.limit)}, found: ${String(data)})`;
    case 'exclusiveMaximum':
      return `numeric instance is not strictly lower than the required maximum (maximum: ${String(params.limit)}, found: ${String(data)})`;
    case 'enum':
      return `instance value (${JSON.stringify(data)}) not found in enum (possible values: ${JSON.stringify(params.allowedValues)})`;
    default:
      return error.message ?? 'is invalid';
  }
}
