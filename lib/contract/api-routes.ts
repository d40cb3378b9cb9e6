/**
 * THE route table of the HTTP API. The API construct builds API Gateway from it and local mode's gateway
 * serves it, so the two cannot drift apart.
 */
import * as z from 'zod';
import { ERROR_CODES } from './error-codes';
import { OWNER_TAG_KEY } from './ownership';
import * as requests from './requests';
import { CATALOGUE_ENV, DEFAULT_FILTER_ENV, STATUS_ENV } from './function-environment';

type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * Personalize resources a route's function may act on; the model construct turns them into ARNs or ARN
 * patterns. `wildcardOnly` is for actions with no resource-level permission (the Service Authorization Reference
 * lists no resource type for them, e.g. PutEvents and the List* actions): IAM matches them only with "*",
 * so any narrower resource would deny every call. It cannot be combined with another kind.
 */
export type PersonalizeResourceKind =
  | 'datasetGroup'
  | 'solution'
  | 'solutionVersion'
  | 'campaign'
  | 'eventTracker'
  /** The filters the stack declares (lib/contract/personalize-filters.ts), by their exact ARNs. */
  | 'filter'
  /** The stack's Items dataset, by its exact ARN. */
  | 'itemsDataset'
  /** The stack's Users dataset (context usersDataset=true), by its exact ARN; none without one. */
  | 'usersDataset'
  | 'wildcardOnly';

/**
 * How the owner tag (lib/contract/ownership.ts: OWNER_TAG_KEY = the stack name) scopes a permission, so a
 * function of this stack cannot act on another application's campaigns and event trackers:
 * - `tagOnCreate` (Create*): the request must tag what it creates with the owner tag, and with no other key;
 * - `tagged` (Describe, Delete, GetRecommendations): the resource acted on must carry the owner tag.
 */
export type OwnerScope = 'tagOnCreate' | 'tagged';

/** IAM actions a function needs, on the resources of the kinds named beside them. */
export interface PersonalizePermission {
  readonly actions: readonly string[];
  readonly resources: readonly PersonalizeResourceKind[];
  /** @default - not scoped by the owner tag */
  readonly owner?: OwnerScope;
}

/** A value of the deployed stack that a function reads from an environment variable. */
export type StackValue =
  | 'datasetGroupArn'
  | 'solutionArn'
  | 'interactionsDatasetArn'
  | 'itemsDatasetArn'
  /** '' when the stack has no Users dataset. */
  | 'usersDatasetArn'
  /** The Avro schemas the datasets were created with, as JSON ('' without a Users dataset). */
  | 'itemsSchema'
  | 'usersSchema'
  /** The filter applied when a request names none: `available` with retirable items, else ''. */
  | 'defaultFilterArn';

/** An IAM condition block: operator, then condition key, then value(s). */
export type IamConditions = Record<string, Record<string, string | string[]>>;

/**
 * The IAM conditions of a permission scoped by `owner`, for the stack whose owner tag value (its name) is
 * `ownerTagValue`. The stack writes them into the functions' policies; local mode can evaluate the same.
 */
export function ownerConditions(
  owner: OwnerScope | undefined,
  ownerTagValue: string,
): IamConditions | undefined {
  switch (owner) {
    case undefined:
      return undefined;
    case 'tagOnCreate':
      return {
        StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: ownerTagValue },
        // ForAllValues alone is true when no tag is sent at all: the StringEquals above requires the tag.
        'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY] },
      };
    case 'tagged':
      return { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: ownerTagValue } };
  }
}

export interface LambdaRoute {
  readonly kind: 'lambda';
  readonly path: string;
  readonly method: HttpMethod;
  /** File name under `lambda/` (without `.ts`), exporting `handler`. */
  readonly handler: string;
  readonly description: string;
  /** IAM actions the function needs, each on the resources named beside it. */
  readonly permissions: readonly PersonalizePermission[];
  /**
   * Environment variables the function reads, with the stack value each holds. Every function also gets
   * OWNER_TAG_VALUE (lib/contract/ownership.ts), the stack name.
   * @default - none beyond OWNER_TAG_VALUE
   */
  readonly environment?: Readonly<Record<string, StackValue>>;
  /**
   * The body. API Gateway's model holds its required fields only (bodyJsonSchema); the handler validates
   * the rest, naming each bad field.
   */
  readonly body?: z.ZodType;
  /** Query string, validated by API Gateway for presence (and fully by the handler). */
  readonly query?: z.ZodObject;
}

export interface KinesisRoute {
  readonly kind: 'kinesis';
  readonly path: string;
  readonly method: HttpMethod;
  readonly description: string;
  /** The body, the whole of it in API Gateway's model: nothing else checks it before the stream. */
  readonly body: z.ZodType;
}

export type Route = LambdaRoute | KinesisRoute;

/**
 * Sending events for a tracking id after checking it belongs to this stack: PutEvents and ListEventTrackers
 * have no resource-level permission; the tracker found in this stack's dataset group is described only if
 * it carries the owner tag.
 */
const TRACKED_PUT_EVENTS: readonly PersonalizePermission[] = [
  { actions: ['personalize:PutEvents', 'personalize:ListEventTrackers'], resources: ['wildcardOnly'] },
  { actions: ['personalize:DescribeEventTracker'], resources: ['eventTracker'], owner: 'tagged' },
];

/**
 * Listing the dataset group's import jobs, solution versions, campaigns and event trackers (its state, as
 * the status route and the provisioning read it); listings have no resource-level permission.
 */
export const LIST_GROUP_RESOURCES: PersonalizePermission = {
  actions: [
    'personalize:ListDatasetImportJobs',
    'personalize:ListSolutionVersions',
    'personalize:ListCampaigns',
    'personalize:ListEventTrackers',
  ],
  resources: ['wildcardOnly'],
};

export const ROUTES: readonly Route[] = [
  {
    kind: 'lambda',
    path: '/solutionVersion',
    method: 'POST',
    handler: 'createSolutionVersion',
    description: 'Train a new solution version',
    permissions: [
      // The request names the solution; the version it creates is `<solution>/<id>`, of the same IAM
      // resource type (solution): grant both, as for the other solution-version actions.
      {
        actions: ['personalize:CreateSolutionVersion'],
        resources: ['solution', 'solutionVersion'],
        owner: 'tagOnCreate',
      },
    ],
    body: requests.createSolutionVersionRequest,
  },
  {
    kind: 'lambda',
    path: '/describeSolutionVersion',
    method: 'POST',
    handler: 'describeSolutionVersion',
    description: "A solution version's status",
    permissions: [{ actions: ['personalize:DescribeSolutionVersion'], resources: ['solutionVersion'] }],
    body: requests.describeSolutionVersionRequest,
  },
  {
    kind: 'lambda',
    path: '/campaign',
    method: 'POST',
    handler: 'createCampaign',
    description: 'Deploy a solution version as a campaign',
    permissions: [
      {
        actions: ['personalize:CreateCampaign'],
        resources: ['campaign', 'solutionVersion'],
        owner: 'tagOnCreate',
      },
    ],
    body: requests.createCampaignRequest,
  },
  {
    kind: 'lambda',
    path: '/describeCampaign',
    method: 'POST',
    handler: 'describeCampaign',
    description: "A campaign's status",
    permissions: [
      { actions: ['personalize:DescribeCampaign'], resources: ['campaign'], owner: 'tagged' },
      // A denied DescribeCampaign is told apart (deleted: 404, another application's: 403) by listing.
      { actions: ['personalize:ListCampaigns'], resources: ['wildcardOnly'] },
    ],
    body: requests.describeCampaignRequest,
  },
  {
    kind: 'lambda',
    path: '/eventTracker',
    method: 'POST',
    handler: 'createEventTracker',
    description: 'Create the event tracker of the dataset group',
    permissions: [
      {
        actions: ['personalize:CreateEventTracker'],
        resources: ['eventTracker', 'datasetGroup'],
        owner: 'tagOnCreate',
      },
    ],
    body: requests.createEventTrackerRequest,
  },
  {
    kind: 'lambda',
    path: '/getRecommendations',
    method: 'GET',
    handler: 'getRecommendations',
    description: 'Recommendations from a campaign: for a user, or items related to an item',
    permissions: [{ actions: ['personalize:GetRecommendations'], resources: ['campaign'], owner: 'tagged' }],
    environment: { [DEFAULT_FILTER_ENV]: 'defaultFilterArn' },
    query: requests.getRecommendationsQuery,
  },
  {
    kind: 'lambda',
    path: '/getPersonalizedRanking',
    method: 'POST',
    handler: 'getPersonalizedRanking',
    description: 'A list of items ordered for a user by a personalized-ranking campaign',
    permissions: [
      { actions: ['personalize:GetPersonalizedRanking'], resources: ['campaign'], owner: 'tagged' },
    ],
    body: requests.getPersonalizedRankingRequest,
  },
  {
    kind: 'kinesis',
    path: '/data',
    method: 'POST',
    description: 'Put an interaction batch on the stream (Kinesis PutRecord)',
    body: requests.putRecordRequest,
  },
  {
    kind: 'lambda',
    path: '/putEvents',
    method: 'POST',
    handler: 'putEventsDirect',
    description: 'Send an interaction batch to Personalize synchronously',
    permissions: TRACKED_PUT_EVENTS,
    environment: { DATASET_GROUP_ARN: 'datasetGroupArn' },
    body: requests.putEventsRequest,
  },
  {
    kind: 'lambda',
    path: '/items',
    method: 'POST',
    handler: 'putItems',
    description: "Add, update or retire items of the stack's Items dataset (PutItems)",
    permissions: [{ actions: ['personalize:PutItems'], resources: ['itemsDataset'] }],
    environment: {
      [CATALOGUE_ENV.itemsDatasetArn]: 'itemsDatasetArn',
      [CATALOGUE_ENV.itemsSchema]: 'itemsSchema',
    },
    body: requests.putItemsRequest,
  },
  {
    kind: 'lambda',
    path: '/users',
    method: 'POST',
    handler: 'putUsers',
    description: "Add or update users of the stack's Users dataset (PutUsers; context usersDataset=true)",
    permissions: [{ actions: ['personalize:PutUsers'], resources: ['usersDataset'] }],
    environment: {
      [CATALOGUE_ENV.usersDatasetArn]: 'usersDatasetArn',
      [CATALOGUE_ENV.usersSchema]: 'usersSchema',
    },
    body: requests.putUsersRequest,
  },
  {
    kind: 'lambda',
    path: '/status',
    method: 'GET',
    handler: 'getStatus',
    description: "The dataset group's import jobs, solution versions, campaigns, event trackers and filters",
    permissions: [
      LIST_GROUP_RESOURCES,
      // The tracking id of the trackers this stack created; another application's is listed without one.
      { actions: ['personalize:DescribeEventTracker'], resources: ['eventTracker'], owner: 'tagged' },
      // Filters: listed (no resource-level permission); the stack's own described for their expression.
      { actions: ['personalize:ListFilters'], resources: ['wildcardOnly'] },
      { actions: ['personalize:DescribeFilter'], resources: ['filter'] },
    ],
    environment: {
      [STATUS_ENV.datasetGroupArn]: 'datasetGroupArn',
      [STATUS_ENV.solutionArn]: 'solutionArn',
      [STATUS_ENV.interactionsDatasetArn]: 'interactionsDatasetArn',
      [STATUS_ENV.itemsDatasetArn]: 'itemsDatasetArn',
    },
  },
  {
    kind: 'lambda',
    path: '/deleteResources',
    method: 'DELETE',
    handler: 'deleteResources',
    description: 'Delete a campaign, an event tracker, or both',
    permissions: [
      { actions: ['personalize:DeleteCampaign'], resources: ['campaign'], owner: 'tagged' },
      { actions: ['personalize:DeleteEventTracker'], resources: ['eventTracker'], owner: 'tagged' },
    ],
    body: requests.deleteResourcesRequest,
  },
];

/** The Kinesis consumer: not a route, but deployed and permissioned the same way. */
export const PUT_EVENTS_CONSUMER: {
  readonly handler: string;
  readonly permissions: readonly PersonalizePermission[];
  readonly environment: Readonly<Record<string, StackValue>>;
} = {
  handler: 'putEvents',
  permissions: TRACKED_PUT_EVENTS,
  environment: { DATASET_GROUP_ARN: 'datasetGroupArn' },
};

/**
 * The environment variables of every function that reads stack values (the routes' and the consumer's),
 * each holding its value from `values`. Local mode runs every function in one process and sets these.
 */
export function stackValueEnvironment(
  values: Readonly<Partial<Record<StackValue, string>>> | undefined,
): Record<string, string | undefined> {
  const environments = [
    ...ROUTES.map((route) => (route.kind === 'lambda' ? route.environment : undefined)),
    PUT_EVENTS_CONSUMER.environment,
  ];
  return Object.fromEntries(
    environments.flatMap((environment) =>
      Object.entries(environment ?? {}).map(([name, value]) => [name, values?.[value]]),
    ),
  );
}

/**
 * A route's body as the draft-04 JSON schema API Gateway models use. API Gateway's validator names the field
 * only when a required one is missing (`[object has missing required properties (["version"])]`); of a bad
 * value it says `[ECMA 262 regex "^arn:...$" does not match input string "x"]`, naming nothing. So a Lambda
 * route's model holds only what the validator reports by name, the object and its required fields, and the
 * handler's validation (lambda/shared/http.ts) reports every other problem with the field's name. The Kinesis
 * route has no handler before the stream: its model is the whole schema.
 */
export function bodyJsonSchema(route: Route): Record<string, unknown> | undefined {
  if (!route.body) return undefined;
  const schema = z.toJSONSchema(route.body, { target: 'draft-4', io: 'input' }) as Record<string, unknown>;
  if (route.kind === 'kinesis') return schema;
  const { $schema, type, required } = schema;
  return { $schema, type, ...(Array.isArray(required) && required.length > 0 ? { required } : {}) };
}

/** Names of the query parameters a route requires. */
export function requiredQueryParameters(route: Route): string[] {
  if (route.kind !== 'lambda' || !route.query) return [];
  return Object.entries(route.query.shape)
    .filter(([, schema]) => !(schema as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name);
}

/** Error response bodies for requests that API Gateway itself rejects (local mode answers the same). */
export const GATEWAY_ERRORS = {
  missingApiKey: {
    statusCode: 403,
    code: ERROR_CODES.forbidden,
    message: 'Forbidden: missing or invalid x-api-key header',
  },
  badRequestBody: { statusCode: 400, code: ERROR_CODES.validation },
  badRequestParameters: { statusCode: 400, code: ERROR_CODES.validation },
  notFound: { statusCode: 404, code: ERROR_CODES.notFound },
} as const;
