import { parseAvroSchema } from '../avro';
import { type EmulatorContext, resourceArn } from '../context';
import { inUse } from '../errors';
import { page } from '../pagination';
import { must, mustBeNew } from '../preconditions';
import type { SchemaRecord } from '../store';
import { optionalEnum, requiredName, requiredString, type RequestBody } from '../validation';

/** AvroSchema in the model: at most 20,000 characters. */
const SCHEMA_MAX_LENGTH = 20000;

export function createSchema(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const definition = requiredString(body, 'schema', { min: 1, max: SCHEMA_MAX_LENGTH });
  const domain = optionalEnum(body, 'domain', ['ECOMMERCE', 'VIDEO_ON_DEMAND']);
  const fields = parseAvroSchema(definition);
  const arn = resourceArn(ctx, `schema/${name}`);
  mustBeNew(ctx, arn, `Schema ${name} already exists`);
  // Schemas have no lifecycle: they are usable as soon as they are created.
  ctx.store.put({
    kind: 'schema',
    arn,
    name,
    schema: definition,
    fields,
    domain,
    ...ctx.lifecycle.fresh(),
    status: 'ACTIVE',
  });
  return { schemaArn: arn };
}

export function describeSchema(ctx: EmulatorContext, body: RequestBody): unknown {
  return { schema: schemaDescription(must(ctx, 'schema', body, 'schemaArn')) };
}

export function listSchemas(ctx: EmulatorContext, body: RequestBody): unknown {
  return page(body, 'schemas', ctx.store.list('schema'), (r) => {
    const { schema: _definition, ...summary } = schemaDescription(r);
    return summary;
  });
}

export function deleteSchema(ctx: EmulatorContext, body: RequestBody): unknown {
  const schema = must(ctx, 'schema', body, 'schemaArn');
  const users = ctx.store.list('dataset', (r) => r.schemaArn === schema.arn);
  if (users.length > 0) {
    throw inUse(`Cannot delete schema ${schema.arn}: it is used by ${users.map((d) => d.arn).join(', ')}`);
  }
  ctx.store.remove(schema.arn);
  return {};
}

function schemaDescription(r: SchemaRecord) {
  return {
    name: r.name,
    schemaArn: r.arn,
    schema: r.schema,
    creationDateTime: r.creationDateTime,
    lastUpdatedDateTime: r.lastUpdatedDateTime,
    domain: r.domain,
  };
}
