/**
 * The environment variables the stack gives the functions, by name: the stack (lib/constructs, through the
 * route table) sets them, the functions (lambda/) read them, and local mode sets the same for the same handlers.
 */

/** Environment variable naming the stack's dataset group, whose event trackers are the stack's own. */
export const DATASET_GROUP_ARN_ENV = 'DATASET_GROUP_ARN';

/** Environment variables naming the resources `GET /status` reports on. */
export const STATUS_ENV = {
  datasetGroupArn: DATASET_GROUP_ARN_ENV,
  solutionArn: 'SOLUTION_ARN',
  interactionsDatasetArn: 'INTERACTIONS_DATASET_ARN',
  itemsDatasetArn: 'ITEMS_DATASET_ARN',
} as const;

/** The environment the /items and /users functions read (the stack values of lib/contract/api-routes.ts). */
export const CATALOGUE_ENV = {
  itemsDatasetArn: 'ITEMS_DATASET_ARN',
  itemsSchema: 'ITEMS_SCHEMA',
  usersDatasetArn: 'USERS_DATASET_ARN',
  usersSchema: 'USERS_SCHEMA',
} as const;

/**
 * Environment variable naming the filter a request without `filterArn` gets: the stack's `available` filter when
 * its items can be retired (context retirableItems=true), so a retired item is never recommended; '' otherwise.
 */
export const DEFAULT_FILTER_ENV = 'DEFAULT_FILTER_ARN';
