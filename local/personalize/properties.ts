import { invalidInput } from './errors';
import type { Item, UserFields } from './model/types';
import type { SchemaField, SchemaRecord } from './store';
import type { RequestBody } from './validation';

/** The body's fields under `<prefix>.<field>`, so that validation messages name the field's full path. */
export function prefixed(body: RequestBody, prefix: string): RequestBody {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/**
 * `properties` travels as a JSON object serialised in a string (the SDK serialises an object it is given),
 * of 1 to `maxLength` characters.
 */
export function parseProperties(value: unknown, field: string, maxLength: number): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string' || value.length < 1 || value.length > maxLength) {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be a JSON string of length 1 to ${maxLength}`,
    );
  }
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Reported below with the field's name.
  }
  throw invalidInput(`Value at '${field}' is not a JSON object: ${value.slice(0, 100)}`);
}

/** `numberOfRatings` (or `NUMBER_OF_RATINGS`) names the schema field NUMBER_OF_RATINGS. */
function schemaFieldName(key: string): string {
  return key.includes('_') || key === key.toUpperCase()
    ? key.toUpperCase()
    : key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Checks PutItems / PutUsers properties against the dataset's schema: each key names a field (camelCase),
 * values fit the field's type, required fields are present. Returns the values by schema field name.
 */
export function checkPropertiesAgainstSchema(
  properties: Record<string, unknown>,
  schema: SchemaRecord,
  idField: string,
  field: string,
): Map<string, string> {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(properties)) {
    const name = schemaFieldName(key);
    const schemaField = schema.fields.find((f) => f.name.toUpperCase() === name && f.name !== idField);
    if (!schemaField) {
      throw invalidInput(
        `Value at '${field}' has the key ${key}, which is not a field of the schema ${schema.arn} (fields: ${schema.fields
          .filter((f) => f.name !== idField)
          .map((f) => f.name)
          .join(', ')}, in camelCase)`,
      );
    }
    if (value === null) {
      if (!schemaField.nullable)
        throw invalidInput(`Value at '${field}.${key}' may not be null: ${schemaField.name} is required`);
      continue;
    }
    const numeric = ['long', 'int', 'float', 'double'].includes(schemaField.type);
    const ok = numeric
      ? (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      : schemaField.type === 'boolean'
        ? typeof value === 'boolean' || value === 'true' || value === 'false'
        : typeof value === 'string';
    if (!ok) {
      throw invalidInput(
        `Value at '${field}.${key}' must be a ${schemaField.type} (schema field ${schemaField.name}), got ${JSON.stringify(value).slice(0, 100)}`,
      );
    }
    // `ok` above: a number, a boolean, 'true'/'false' or a string.
    const scalar = value as number | boolean | string;
    values.set(schemaField.name.toUpperCase(), String(scalar));
  }
  const missing = schema.fields.filter(
    (f) => f.name !== idField && !f.nullable && !values.has(f.name.toUpperCase()),
  );
  if (missing.length > 0) {
    throw invalidInput(
      `Value at '${field}' is missing the required schema field(s) ${missing.map((f) => f.name).join(', ')}`,
    );
  }
  return values;
}

/**
 * An item as the emulator keeps it, from its values by upper-case schema field name (an import's row or a
 * PutItems record): GENRE split on `|` into genres, YEAR, and every other field with a value in `fields`
 * (split on `|` when categorical), which filters read (`Items.AVAILABILITY`).
 */
/** A user's metadata from a record's values (by upper-case field name): every field but USER_ID with a value. */
export function userFieldsFromValues(
  values: ReadonlyMap<string, string | undefined>,
  schemaFields: readonly SchemaField[],
): UserFields {
  const fields: Record<string, string[]> = {};
  for (const field of schemaFields) {
    const name = field.name.toUpperCase();
    const value = values.get(name);
    if (name === 'USER_ID' || value === undefined || value === '') continue;
    fields[name] = field.categorical ? value.split('|').filter((v) => v !== '') : [value];
  }
  return fields;
}

export function itemFromValues(
  itemId: string,
  values: ReadonlyMap<string, string | undefined>,
  schemaFields: readonly SchemaField[],
): Item {
  const genre = values.get('GENRE');
  const year = values.get('YEAR');
  const fields: Record<string, string[]> = {};
  for (const field of schemaFields) {
    const name = field.name.toUpperCase();
    const value = values.get(name);
    if (['ITEM_ID', 'GENRE', 'YEAR'].includes(name) || value === undefined) continue;
    fields[name] = field.categorical ? value.split('|').filter((v) => v !== '') : [value];
  }
  return {
    itemId,
    genres: genre ? genre.split('|').filter((g) => g !== '') : [],
    ...(year === undefined ? {} : { year }),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}
