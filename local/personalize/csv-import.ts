import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CsvSyntaxError, streamCsv } from './csv';
import type { Interaction, Item } from './model/types';
import { itemFromValues, userFieldsFromValues } from './properties';
import type { DatasetRows, DatasetType, SchemaField } from './store';

/** A failed import, with the reason the service would put in the job's failureReason. */
export class ImportFailure extends Error {}

/**
 * Resolves `s3://bucket/key` against the directory standing for S3. A key naming a file imports that file; a
 * key naming a folder (or ending in `/`) imports every CSV file in it, as Personalize does for a prefix.
 */
export interface CsvObject {
  /** The object's S3 URI, as failure reasons name it. */
  readonly uri: string;
  readonly path: string;
}

export function resolveDataLocation(s3Dir: string, dataLocation: string): CsvObject[] {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(dataLocation);
  if (!match) {
    throw new ImportFailure(
      `Cannot read ${dataLocation}: the Personalize emulator imports only s3://bucket/key locations (from its S3 directory)`,
    );
  }
  const [, bucket = '', key = ''] = match;
  const path = join(s3Dir, bucket, key);
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new ImportFailure(`Input data not found at ${dataLocation} (looked in ${path})`);
  }
  if (stats.isFile()) return [{ uri: dataLocation, path }];
  const prefix = dataLocation.endsWith('/') ? dataLocation : `${dataLocation}/`;
  const files = readdirSync(path)
    .filter((f) => f.toLowerCase().endsWith('.csv'))
    .sort()
    .map((f) => ({ uri: `${prefix}${f}`, path: join(path, f) }));
  if (files.length === 0) throw new ImportFailure(`No CSV files found at ${dataLocation}`);
  return files;
}

/**
 * Reads the CSV files of an import into dataset rows, checking each header and value against the schema.
 * Each file is streamed through the CSV parser, so a file's size is bounded by the rows it yields, not by
 * its text.
 */
export async function readDatasetCsv(
  objects: readonly CsvObject[],
  datasetType: DatasetType,
  fields: readonly SchemaField[],
): Promise<DatasetRows> {
  const rows: DatasetRows = { interactions: [], items: [], users: [] };
  for (const { uri: file, path } of objects) {
    let header: string[] | undefined;
    let columns = new Map<number, SchemaField>();
    try {
      for await (const { fields: values, line: lineNumber } of streamCsv(path)) {
        if (!header) {
          header = values.map((h) => h.trim());
          columns = checkHeader(header, fields, file);
          continue;
        }
        if (values.length !== header.length) {
          throw new ImportFailure(
            `Invalid CSV at ${file} line ${lineNumber}: expected ${header.length} columns, found ${values.length}`,
          );
        }
        const record = new Map<string, string | undefined>();
        for (const [index, field] of columns) {
          record.set(field.name, checkValue(values[index] ?? '', field, file, lineNumber));
        }
        if (datasetType === 'Interactions') rows.interactions.push(toInteraction(record));
        else if (datasetType === 'Items') rows.items.push(toItem(record, fields));
        else {
          const userId = record.get('USER_ID') ?? '';
          rows.users.push(userId);
          const values = new Map([...record].map(([name, value]) => [name.toUpperCase(), value]));
          const userFields = userFieldsFromValues(values, fields);
          if (Object.keys(userFields).length > 0) (rows.userFields ??= {})[userId] = userFields;
        }
      }
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new ImportFailure(`Invalid CSV at ${file} ${error.message}`);
      throw error;
    }
    if (!header) throw new ImportFailure(`Invalid CSV header at ${file} line 1: the file has no header line`);
  }
  return rows;
}

function checkHeader(
  header: string[],
  fields: readonly SchemaField[],
  file: string,
): Map<number, SchemaField> {
  const columns = new Map<number, SchemaField>();
  header.forEach((name, index) => {
    const field = fields.find((f) => f.name.toUpperCase() === name.toUpperCase());
    if (!field) {
      throw new ImportFailure(
        `Invalid CSV header at ${file} line 1: column ${name} is not a field of the dataset's schema (${expectedColumns(fields)})`,
      );
    }
    columns.set(index, field);
  });
  const missing = fields.filter(
    (f) => !f.nullable && !header.some((h) => h.toUpperCase() === f.name.toUpperCase()),
  );
  if (missing.length > 0) {
    throw new ImportFailure(
      `Invalid CSV header at ${file} line 1: required column(s) ${missing.map((f) => f.name).join(', ')} missing (${expectedColumns(fields)})`,
    );
  }
  return columns;
}

/** The header a file of this schema takes, for the messages that refuse one: `expected columns: A, B (optional)`. */
function expectedColumns(fields: readonly SchemaField[]): string {
  return `expected columns: ${fields.map((f) => (f.nullable ? `${f.name} (optional)` : f.name)).join(', ')}`;
}

function checkValue(raw: string, field: SchemaField, file: string, lineNumber: number): string | undefined {
  const value = raw.trim();
  if (value === '') {
    if (field.nullable) return undefined;
    throw new ImportFailure(
      `Invalid value at ${file} line ${lineNumber}, column ${field.name}: a value is required`,
    );
  }
  if ((field.type === 'long' || field.type === 'int') && !/^-?\d+$/.test(value)) {
    throw new ImportFailure(
      `Invalid value at ${file} line ${lineNumber}, column ${field.name}: "${value}" is not a ${field.type}`,
    );
  }
  if ((field.type === 'float' || field.type === 'double') && !Number.isFinite(Number(value))) {
    throw new ImportFailure(
      `Invalid value at ${file} line ${lineNumber}, column ${field.name}: "${value}" is not a ${field.type}`,
    );
  }
  return value;
}

function toInteraction(record: Map<string, string | undefined>): Interaction {
  return {
    userId: record.get('USER_ID') ?? '',
    itemId: record.get('ITEM_ID') ?? '',
    eventType: record.get('EVENT_TYPE') ?? '',
    timestamp: Number(record.get('TIMESTAMP') ?? 0),
  };
}

function toItem(record: Map<string, string | undefined>, fields: readonly SchemaField[]): Item {
  const values = new Map([...record].map(([name, value]) => [name.toUpperCase(), value]));
  return itemFromValues(record.get('ITEM_ID') ?? '', values, fields);
}
