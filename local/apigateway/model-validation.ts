/**
 * The request validator: the routes' draft-04 JSON-schema models (lib/contract/api-routes.ts:
 * bodyJsonSchema) checked with a draft-04 validator, as API Gateway checks them, and its verdict worded as
 * API Gateway's validator words it.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv from 'ajv-draft-04';
import { bodyJsonSchema, type Route } from '../../lib/contract/api-routes';

/**
 * One validator for every model. verbose: errors carry the offending value, which the wording quotes. A new
 * instance per model compiled draft-04's meta-schema again each time: a third of a second of CPU per local-mode
 * start (about a second under jest), against about a tenth for one instance.
 */
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
/** The models compiled so far, by their JSON: local mode started again in the same process compiles none. */
const compiled = new Map<string, ValidateFunction>();

/** A draft-04 model's validator. */
export function compileModel(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** The request validator of each route with a body model. */
export function compileValidators(routes: readonly Route[]): Map<Route, ValidateFunction> {
  const validators = new Map<Route, ValidateFunction>();
  for (const route of routes) {
    const schema = bodyJsonSchema(route);
    if (schema) validators.set(route, compileModel(schema));
  }
  return validators;
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
  return `[${apiGatewayWording(validate.errors ?? []).join(', ')}]`;
}

/** ajv's errors in API Gateway's wording, in order; the missing properties of one object as one problem. */
function apiGatewayWording(errors: readonly ErrorObject[]): string[] {
  const problems: Array<string | string[]> = [];
  const missing = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword !== 'required') {
      problems.push(describeValidationError(error));
      continue;
    }
    let names = missing.get(error.instancePath);
    if (!names) {
      names = [];
      missing.set(error.instancePath, names);
      problems.push(names);
    }
    names.push((error.params as { missingProperty: string }).missingProperty);
  }
  return problems.map((problem) =>
    typeof problem === 'string'
      ? problem
      : `object has missing required properties (${JSON.stringify(problem)})`,
  );
}

/** A JSON value's type as the validator names it (`integer` for a whole number). */
function instanceType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** One error of ajv-draft-04 (`minimum`/`maximum` carry draft-04's exclusiveness as `>`/`<`). */
function describeValidationError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const data = error.data;
  const text = typeof data === 'string' ? data : '';
  const bound = `${String(params.limit)}, found: ${String(data)})`;
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
      return params.comparison === '>'
        ? `numeric instance is not strictly greater than the required minimum (minimum: ${bound}`
        : `numeric instance is lower than the required minimum (minimum: ${bound}`;
    case 'maximum':
      return params.comparison === '<'
        ? `numeric instance is not strictly lower than the required maximum (maximum: ${bound}`
        : `numeric instance is greater than the required maximum (maximum: ${bound}`;
    case 'enum':
      return `instance value (${JSON.stringify(data)}) not found in enum (possible values: ${JSON.stringify(params.allowedValues)})`;
    default:
      return error.message ?? 'is invalid';
  }
}
