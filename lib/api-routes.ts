/**
 * THE route table of the HTTP API. The API construct builds API Gateway from it and local mode's gateway
 * serves it, so the two cannot drift apart.
 */
import { z } from 'zod';
import * as requests from '../lambda/shared/requests';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * Personalize resources a route's function may act on; the model construct turns them into ARNs or ARN
 * patterns. `any` is for actions with no resource-level permission (the Service Authorization Reference
 * lists no resource type for them, e.g. PutEvents and the List* actions): IAM matches them only with "*",
 * so any narrower resource would deny every call. It cannot be combined with another kind.
 */
export type PersonalizeResourceKind =
  'datasetGroup' | 'solution' | 'solutionVersion' | 'campaign' | 'eventTracker' | 'any';

export interface LambdaRoute {
  readonly kind: 'lambda';
  readonly path: string;
  readonly method: HttpMethod;
  /** File name under `lambda/` (without `.ts`), exporting `handler`. */
  readonly handler: string;
  readonly description: string;
  /** IAM actions the function needs, each on the resources named beside it. */
  readonly permissions: ReadonlyArray<{
    readonly actions: readonly string[];
    readonly resources: readonly PersonalizeResourceKind[];
  }>;
  /** Body model, validated by API Gateway (and again by the handler). */
  readonly body?: z.ZodType;
  /** Query string, validated by API Gateway for presence (and fully by the handler). */
  readonly query?: z.ZodObject;
}

export interface KinesisRoute {
  readonly kind: 'kinesis';
  readonly path: string;
  readonly method: HttpMethod;
  readonly description: string;
  readonly body: z.ZodType;
}

export type Route = LambdaRoute | KinesisRoute;

export const ROUTES: readonly Route[] = [
  {
    kind: 'lambda',
    path: '/solutionVersion',
    method: 'POST',
    handler: 'createSolutionVersion',
    description: 'Train a new solution version',
    permissions: [{ actions: ['personalize:CreateSolutionVersion'], resources: ['solution'] }],
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
    permissions: [{ actions: ['personalize:CreateCampaign'], resources: ['campaign', 'solutionVersion'] }],
    body: requests.createCampaignRequest,
  },
  {
    kind: 'lambda',
    path: '/describeCampaign',
    method: 'POST',
    handler: 'describeCampaign',
    description: "A campaign's status",
    permissions: [{ actions: ['personalize:DescribeCampaign'], resources: ['campaign'] }],
    body: requests.describeCampaignRequest,
  },
  {
    kind: 'lambda',
    path: '/eventTracker',
    method: 'POST',
    handler: 'createEventTracker',
    description: 'Create the event tracker of the dataset group',
    permissions: [
      { actions: ['personalize:CreateEventTracker'], resources: ['eventTracker', 'datasetGroup'] },
    ],
    body: requests.createEventTrackerRequest,
  },
  {
    kind: 'lambda',
    path: '/getRecommendations',
    method: 'GET',
    handler: 'getRecommendations',
    description: 'Recommendations for a user from a campaign',
    permissions: [{ actions: ['personalize:GetRecommendations'], resources: ['campaign'] }],
    query: requests.getRecommendationsQuery,
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
    permissions: [{ actions: ['personalize:PutEvents'], resources: ['any'] }],
    body: requests.putEventsRequest,
  },
  {
    kind: 'lambda',
    path: '/deleteResources',
    method: 'DELETE',
    handler: 'deleteResources',
    description: 'Delete a campaign and an event tracker',
    permissions: [
      { actions: ['personalize:DeleteCampaign'], resources: ['campaign'] },
      { actions: ['personalize:DeleteEventTracker'], resources: ['eventTracker'] },
    ],
    body: requests.deleteResourcesRequest,
  },
];

/** The Kinesis consumer: not a route, but deployed and permissioned the same way. */
export const PUT_EVENTS_CONSUMER = {
  handler: 'putEvents',
  permissions: [{ actions: ['personalize:PutEvents'], resources: ['any'] as PersonalizeResourceKind[] }],
} as const;

/** A route's body as the draft-04 JSON schema API Gateway models use. */
export function bodyJsonSchema(route: Route): Record<string, unknown> | undefined {
  if (!route.body) return undefined;
  return z.toJSONSchema(route.body, { target: 'draft-4', io: 'input' }) as Record<string, unknown>;
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
    code: 'Forbidden',
    message: 'Forbidden: missing or invalid x-api-key header',
  },
  badRequestBody: { statusCode: 400, code: 'BadRequestBody' },
  badRequestParameters: { statusCode: 400, code: 'BadRequestParameters' },
  notFound: { statusCode: 404, code: 'NotFound' },
} as const;
