/**
 * The catalogue as it changes while the system runs: items and users written to the stack's Items and Users
 * datasets with PutItems and PutUsers (Personalize Events), each record's properties checked against the
 * dataset's schema first, so a bad field is a 400 naming it rather than the service's message.
 *
 * Ownership: PutItems and PutUsers act on a dataset ARN, which IAM scopes (the functions may write the stack's
 * own datasets only); a request naming another dataset is refused here first, with a 404 that says why, as
 * POST /putEvents refuses a tracking id that is not the stack's (trackers.ts). The stack's datasets are known
 * exactly (their ARNs are in the environment), so no listing is needed.
 */
import {
  PutItemsCommand,
  PutUsersCommand,
  type PersonalizeEventsClient,
} from '@aws-sdk/client-personalize-events';
import { NotFoundError, ValidationError } from './errors';
import { CATALOGUE_ENV } from '../../lib/contract/function-environment';

type PropertyValue = string | number | boolean | null;
export type Properties = Readonly<Record<string, PropertyValue>>;

interface AvroField {
  readonly name: string;
  readonly type: string | readonly string[];
}

/** `NUMBER_OF_RATINGS` → `numberOfRatings`: how PutItems and PutUsers name a schema field in `properties`. */
export function propertyName(fieldName: string): string {
  return fieldName.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** One kind of record: items or users. */
interface RecordKind {
  readonly list: 'items' | 'users';
  readonly idField: 'ITEM_ID' | 'USER_ID';
  readonly datasetType: 'Items' | 'Users';
  readonly datasetEnv: string;
  readonly schemaEnv: string;
}

const ITEMS: RecordKind = {
  list: 'items',
  idField: 'ITEM_ID',
  datasetType: 'Items',
  datasetEnv: CATALOGUE_ENV.itemsDatasetArn,
  schemaEnv: CATALOGUE_ENV.itemsSchema,
};
const USERS: RecordKind = {
  list: 'users',
  idField: 'USER_ID',
  datasetType: 'Users',
  datasetEnv: CATALOGUE_ENV.usersDatasetArn,
  schemaEnv: CATALOGUE_ENV.usersSchema,
};

/**
 * The problems of each record's properties against the schema, `items[0].properties.year: is required ...`:
 * a key that is no field of the schema (in camelCase), a value of the wrong type, null for a required field, a
 * required field missing. Empty when every record fits.
 */
function propertyProblems(
  records: readonly { readonly properties?: Properties }[],
  schema: { readonly fields: readonly AvroField[] },
  kind: Pick<RecordKind, 'list' | 'idField' | 'datasetType'>,
): string[] {
  const fields = new Map(
    schema.fields
      .filter((field) => field.name !== kind.idField)
      .map((field) => [propertyName(field.name), field]),
  );
  const known = [...fields.keys()].join(', ');
  const problems: string[] = [];
  records.forEach((record, index) => {
    const at = `${kind.list}[${index}].properties`;
    const properties = record.properties ?? {};
    for (const [key, value] of Object.entries(properties)) {
      const field = fields.get(key);
      if (!field) {
        problems.push(
          `${at}.${key}: is not a field of the ${kind.datasetType} schema (its fields: ${known})`,
        );
        continue;
      }
      const types = typesOf(field);
      const type = types.find((t) => t !== 'null') ?? 'string';
      const problem = valueProblem(value, type, types.includes('null'));
      if (problem) problems.push(`${at}.${key}: ${problem}`);
    }
    for (const [key, field] of fields) {
      if (!typesOf(field).includes('null') && properties[key] === undefined) {
        problems.push(`${at}.${key}: is required (the schema's ${field.name} has no null)`);
      }
    }
  });
  return problems;
}

/** A field's Avro types: `['null', 'string']` for a nullable string. */
function typesOf(field: AvroField): readonly string[] {
  return typeof field.type === 'string' ? [field.type] : field.type;
}

function valueProblem(value: PropertyValue, type: string, nullable: boolean): string | undefined {
  if (value === null) return nullable ? undefined : 'may not be null';
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'int':
    case 'long':
      return Number.isInteger(typeof value === 'string' ? Number(value) : value) && value !== ''
        ? undefined
        : `must be a whole number (${type})`;
    case 'float':
    case 'double':
      return Number.isFinite(typeof value === 'string' ? Number(value) : value) && value !== ''
        ? undefined
        : `must be a number (${type})`;
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false'
        ? undefined
        : 'must be true or false';
    default:
      return undefined;
  }
}

/** The stack's dataset of this kind, refusing any other; a 404 when the stack has none (no Users dataset). */
function ownDataset(kind: RecordKind, requested: string | undefined, env: NodeJS.ProcessEnv): string {
  const own = env[kind.datasetEnv];
  if (own === undefined) {
    throw new Error(
      `${kind.datasetEnv} is not set: the function does not know the stack's ${kind.datasetType} dataset`,
    );
  }
  if (own === '') {
    throw new NotFoundError(
      `This stack has no ${kind.datasetType} dataset: deploy with -c usersDataset=true (locally: npm start -- --usersDataset)`,
    );
  }
  if (requested !== undefined && requested !== own) {
    throw new NotFoundError(
      `datasetArn: ${requested} is not the ${kind.datasetType} dataset of this stack's dataset group (${own})`,
    );
  }
  return own;
}

function schemaOf(kind: RecordKind, env: NodeJS.ProcessEnv): { fields: AvroField[] } {
  const text = env[kind.schemaEnv];
  if (!text) throw new Error(`${kind.schemaEnv} is not set: the function cannot check properties`);
  return JSON.parse(text) as { fields: AvroField[] };
}

function checked<R extends { readonly properties?: Properties }>(
  kind: RecordKind,
  records: readonly R[],
  env: NodeJS.ProcessEnv,
): void {
  const problems = propertyProblems(records, schemaOf(kind, env), kind);
  if (problems.length > 0) {
    const first = problems[0] as string;
    const colon = first.indexOf(':');
    throw new ValidationError(first.slice(0, colon), first.slice(colon + 2), problems.join('; '));
  }
}

/**
 * A record's `properties` as PutItems and PutUsers take them: one JSON string, left out when the record has
 * none, since the field is optional (https://docs.aws.amazon.com/personalize/latest/dg/API_UBS_Item.html).
 */
function propertiesField(properties: Properties | undefined): { properties?: string } {
  return properties && Object.keys(properties).length > 0 ? { properties: JSON.stringify(properties) } : {};
}

export interface CatalogueWrite {
  readonly datasetArn: string;
  /** The ids written, in the order given. */
  readonly itemIds?: string[];
  readonly userIds?: string[];
}

/** PutItems on the stack's Items dataset, once every item's properties fit the schema. */
export async function putItems(
  client: PersonalizeEventsClient,
  request: {
    readonly datasetArn?: string;
    readonly items: readonly { readonly itemId: string; readonly properties?: Properties }[];
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<CatalogueWrite> {
  const datasetArn = ownDataset(ITEMS, request.datasetArn, env);
  checked(ITEMS, request.items, env);
  await client.send(
    new PutItemsCommand({
      datasetArn,
      items: request.items.map(({ itemId, properties }) => ({
        itemId,
        ...propertiesField(properties),
      })),
    }),
  );
  return { datasetArn, itemIds: request.items.map((item) => item.itemId) };
}

/** PutUsers on the stack's Users dataset (context usersDataset=true), once every user's properties fit the schema. */
export async function putUsers(
  client: PersonalizeEventsClient,
  request: {
    readonly datasetArn?: string;
    readonly users: readonly { readonly userId: string; readonly properties?: Properties }[];
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<CatalogueWrite> {
  const datasetArn = ownDataset(USERS, request.datasetArn, env);
  checked(USERS, request.users, env);
  await client.send(
    new PutUsersCommand({
      datasetArn,
      users: request.users.map(({ userId, properties }) => ({
        userId,
        ...propertiesField(properties),
      })),
    }),
  );
  return { datasetArn, userIds: request.users.map((user) => user.userId) };
}
