import { invalidInput } from './errors';
import type { SchemaField } from './store';
import { errorMessage } from '../../lambda/shared/service-errors';

const AVRO_TYPES = ['string', 'long', 'int', 'float', 'double', 'boolean'];

/** Reads the fields of an Avro record schema, as CreateSchema validates it. */
export function parseAvroSchema(definition: string): SchemaField[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw invalidInput(`Invalid schema: not valid JSON (${errorMessage(error)})`);
  }
  const schema = parsed as { type?: unknown; fields?: unknown };
  if (schema.type !== 'record' || !Array.isArray(schema.fields) || schema.fields.length === 0) {
    throw invalidInput('Invalid schema: expected an Avro record with a non-empty fields list');
  }
  return schema.fields.map((f: unknown, i: number) => {
    const field = f as { name?: unknown; type?: unknown; categorical?: unknown };
    if (typeof field.name !== 'string' || field.name === '')
      throw invalidInput(`Invalid schema: field ${i + 1} has no name`);
    const types: unknown[] = Array.isArray(field.type) ? (field.type as unknown[]) : [field.type];
    const nonNull = types.filter((t) => t !== 'null');
    const type = nonNull[0];
    if (nonNull.length !== 1 || typeof type !== 'string' || !AVRO_TYPES.includes(type)) {
      throw invalidInput(
        `Invalid schema: field ${field.name} has an unsupported type ${JSON.stringify(field.type)}`,
      );
    }
    return {
      name: field.name,
      type,
      nullable: types.includes('null'),
      ...(field.categorical === true ? { categorical: true } : {}),
    };
  });
}
