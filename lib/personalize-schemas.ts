/**
 * The Personalize definitions the stack registers, shared with local mode so both provision the same thing.
 */

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

/** The recipe the solution uses unless the app is told otherwise (context key `recipeArn`). */
export const USER_PERSONALIZATION_RECIPE_ARN = 'arn:aws:personalize:::recipe/aws-user-personalization';

/** Personalize names: `^[a-zA-Z0-9][a-zA-Z0-9\-_]*`, at most 63 characters. */
export const PERSONALIZE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9\-_]*$/;
export const PERSONALIZE_NAME_MAX_LENGTH = 63;

export interface PersonalizeNames {
  readonly datasetGroup: string;
  readonly interactionsSchema: string;
  readonly itemsSchema: string;
  readonly interactionsDataset: string;
  readonly itemsDataset: string;
  readonly interactionsImportJob: string;
  readonly itemsImportJob: string;
  readonly solution: string;
}

/**
 * Names of the Personalize resources, derived from a prefix (the stack name) so two stacks can share an
 * account. The prefix is cleaned and shortened so every name satisfies Personalize's name rules.
 */
export function personalizeNames(prefix: string): PersonalizeNames {
  const longestSuffix = '-interactions-import';
  let base = prefix.replace(/[^a-zA-Z0-9\-_]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  if (base.length === 0) {
    throw new Error(`Cannot derive Personalize names from prefix "${prefix}": it has no letter or digit`);
  }
  base = base.slice(0, PERSONALIZE_NAME_MAX_LENGTH - longestSuffix.length);
  return {
    datasetGroup: `${base}-dataset-group`,
    interactionsSchema: `${base}-interactions`,
    itemsSchema: `${base}-items`,
    interactionsDataset: `${base}-interactions`,
    itemsDataset: `${base}-items`,
    interactionsImportJob: `${base}-interactions-import`,
    itemsImportJob: `${base}-items-import`,
    solution: `${base}-solution`,
  };
}
