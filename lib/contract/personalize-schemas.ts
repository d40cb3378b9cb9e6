/**
 * The Personalize definitions the stack registers, shared with local mode so both provision the same thing.
 */
import { createHash } from 'node:crypto';
import { PERSONALIZE_NAME_MAX_LENGTH, PERSONALIZE_NAME_PATTERN } from './requests';

/** Avro schema of the Interactions dataset (as in the seed). */
export const INTERACTIONS_SCHEMA = {
  type: 'record',
  name: 'Interactions',
  namespace: 'com.amazonaws.personalize.schema',
  fields: [
    { name: 'USER_ID', type: 'string' },
    { name: 'ITEM_ID', type: 'string' },
    { name: 'EVENT_TYPE', type: 'string' },
    { name: 'TIMESTAMP', type: 'long' },
  ],
  version: '1.0',
} as const;

/** Avro schema of the Items dataset (as in the seed): GENRE is a nullable, pipe-separated categorical field. */
export const ITEMS_SCHEMA = {
  type: 'record',
  name: 'Items',
  namespace: 'com.amazonaws.personalize.schema',
  fields: [
    { name: 'ITEM_ID', type: 'string' },
    { name: 'GENRE', type: ['null', 'string'], categorical: true },
    { name: 'YEAR', type: 'string' },
  ],
  version: '1.0',
} as const;

/**
 * The items field that retires an item (context `retirableItems=true`): an item put with
 * `{"availability": "retired"}` is left out by every filter the stack declares (personalize-filters.ts).
 * Nullable, so the items CSV needs no such column and an item without it is available.
 */
export const AVAILABILITY_FIELD = 'AVAILABILITY';
/** The AVAILABILITY value that retires an item. */
export const RETIRED = 'retired';

/**
 * The Items schema with AVAILABILITY (context `retirableItems=true`). Opt-in, never the default: a schema is
 * immutable (AWS::Personalize::Schema replaces on any change) and the dataset group's name fingerprints the
 * schemas, so turning it on for a deployed stack makes CloudFormation replace the dataset group and its
 * datasets, which are then imported again from the CSVs (docs/catalogue.md says what is kept and what is not).
 */
export const RETIRABLE_ITEMS_SCHEMA = {
  ...ITEMS_SCHEMA,
  fields: [...ITEMS_SCHEMA.fields, { name: AVAILABILITY_FIELD, type: ['null', 'string'], categorical: true }],
} as const;

/**
 * Avro schema of the optional Users dataset (context `usersDataset=true`): created empty, filled by
 * `POST /users` (PutUsers). A Users schema needs USER_ID and at least one metadata field
 * (https://docs.aws.amazon.com/personalize/latest/dg/users-datasets.html); MEMBERSHIP is the sample's.
 */
export const USERS_SCHEMA = {
  type: 'record',
  name: 'Users',
  namespace: 'com.amazonaws.personalize.schema',
  fields: [
    { name: 'USER_ID', type: 'string' },
    { name: 'MEMBERSHIP', type: ['null', 'string'], categorical: true },
  ],
  version: '1.0',
} as const;

/** The recipe the solution uses unless the app is told otherwise (context key `recipeArn`). */
export const USER_PERSONALIZATION_RECIPE_ARN = 'arn:aws:personalize:::recipe/aws-user-personalization';

/** Personalize names: the one rule (lib/contract/requests.ts), for the stack's and local mode's callers. */
export { PERSONALIZE_NAME_MAX_LENGTH, PERSONALIZE_NAME_PATTERN };

export interface PersonalizeNames {
  readonly datasetGroup: string;
  readonly interactionsSchema: string;
  readonly itemsSchema: string;
  readonly interactionsDataset: string;
  readonly itemsDataset: string;
  readonly interactionsImportJob: string;
  readonly itemsImportJob: string;
  readonly solution: string;
  /** The optional Users dataset's schema and dataset (context `usersDataset=true`). */
  readonly usersSchema: string;
  readonly usersDataset: string;
}

/**
 * What fixes the Personalize resources at creation: CloudFormation replaces them when any of it changes, and
 * a replacement needs a new name (one of the same name still exists). Unset members take the stack's defaults.
 */
export interface PersonalizeNameInputs {
  /** @default INTERACTIONS_SCHEMA */
  readonly interactionsSchema?: object;
  /** @default ITEMS_SCHEMA */
  readonly itemsSchema?: object;
  /** @default USER_PERSONALIZATION_RECIPE_ARN */
  readonly recipeArn?: string;
  /** The solution's other creation properties (solution config, HPO, event type...). @default {} */
  readonly solutionConfig?: object;
  /** @default USERS_SCHEMA */
  readonly usersSchema?: object;
}

/** Hex digits of a fingerprint in a name: enough to tell two configurations of one stack apart. */
const FINGERPRINT_LENGTH = 8;

/**
 * Names of the Personalize resources, derived from a prefix (the stack name) so two stacks can share an
 * account, and from what fixes the resources at creation, so a change that makes CloudFormation replace them
 * also renames them (CloudFormation refuses to create a replacement under a name that still exists):
 * - the schemas fingerprint the dataset group, its schemas, datasets and import jobs: a group holds one
 *   dataset per type, so a schema change replaces the group too, and import job names are account-wide;
 * - the recipe, the solution config and the group's fingerprint fingerprint the solution (a new group means
 *   a new solution).
 * The prefix is cleaned and shortened (with a hash of the whole prefix when cut) so every name satisfies
 * Personalize's rules. Local mode calls it with the prefix alone: the stack's defaults.
 */
export function personalizeNames(prefix: string, inputs: PersonalizeNameInputs = {}): PersonalizeNames {
  const cleaned = prefix.replace(/[^a-zA-Z0-9\-_]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  if (cleaned.length === 0) {
    throw new Error(`Cannot derive Personalize names from prefix "${prefix}": it has no letter or digit`);
  }
  const longestSuffix = `-interactions-import-${'0'.repeat(FINGERPRINT_LENGTH)}`;
  const maxBase = PERSONALIZE_NAME_MAX_LENGTH - longestSuffix.length;
  const base =
    cleaned.length <= maxBase
      ? cleaned
      : `${cleaned.slice(0, maxBase - 5)}-${fingerprint(prefix).slice(0, 4)}`;

  const group = fingerprint({
    interactions: inputs.interactionsSchema ?? INTERACTIONS_SCHEMA,
    items: inputs.itemsSchema ?? ITEMS_SCHEMA,
  });
  const solution = fingerprint({
    group,
    recipeArn: inputs.recipeArn ?? USER_PERSONALIZATION_RECIPE_ARN,
    solutionConfig: inputs.solutionConfig ?? {},
  });
  const users = fingerprint({ group, users: inputs.usersSchema ?? USERS_SCHEMA });
  return {
    datasetGroup: `${base}-dataset-group-${group}`,
    interactionsSchema: `${base}-interactions-${group}`,
    itemsSchema: `${base}-items-${group}`,
    interactionsDataset: `${base}-interactions-${group}`,
    itemsDataset: `${base}-items-${group}`,
    interactionsImportJob: `${base}-interactions-import-${group}`,
    itemsImportJob: `${base}-items-import-${group}`,
    solution: `${base}-solution-${solution}`,
    // Not part of the group's fingerprint: adding the Users dataset to a deployed stack adds it to the same
    // group (a group takes one dataset of each type at any time); its own fingerprint renames it if its
    // schema changes.
    usersSchema: `${base}-users-${users}`,
    usersDataset: `${base}-users-${users}`,
  };
}

/** A short hash of `value` as canonical JSON (object keys sorted), so key order does not matter. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, FINGERPRINT_LENGTH);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
