/**
 * One convention for error codes: every `code` the API can answer, from any route of the route table and
 * from every gateway and integration response, is AWS-style (PascalCase ending in `Exception`) and comes from
 * the one table, lib/contract/error-codes.ts. Each Lambda route's real handler is run with no input, and
 * with valid input against a service error and an unexpected failure; every template is rendered. The
 * service error table itself (each SDK error to its status and code) is tested once, in errors.test.ts: here
 * each route shows that its handler answers through that one mapping, so a new route is covered by adding it
 * to the route table and a valid request below.
 */
// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  DATASET_GROUP_ARN,
  EVENT_TRACKER_ARN,
  SOLUTION_ARN,
  SOLUTION_VERSION_ARN,
  TRACKING_ID,
  apiEvent,
  lambdaContext,
  mockEventTrackers,
  serviceError,
  unexpectedError,
} from './factories';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ROUTES, type LambdaRoute } from '../../lib/contract/api-routes';
import { GATEWAY_RESPONSES, PUT_RECORD_ERROR_RESPONSES } from '../../lib/contract/gateway-responses';
import { ERROR_CODES, ERROR_CODE_PATTERN, isErrorCode } from '../../lib/contract/error-codes';
import { toHttpError } from '../../lambda/shared/errors';
import { ITEMS_SCHEMA, USERS_SCHEMA } from '../../lib/contract/personalize-schemas';
import type { HttpHandler } from '../../lambda/shared/http';
import { renderMappingTemplate } from '../../local/apigateway/vtl';
import { CATALOGUE_ENV, STATUS_ENV } from '../../lib/contract/function-environment';

const personalize = mockClient(PersonalizeClient);
const personalizeEvents = mockClient(PersonalizeEventsClient);
const personalizeRuntime = mockClient(PersonalizeRuntimeClient);

Object.assign(process.env, {
  [STATUS_ENV.solutionArn]: SOLUTION_ARN,
  [STATUS_ENV.interactionsDatasetArn]: `${DATASET_GROUP_ARN}/INTERACTIONS`,
  [STATUS_ENV.itemsDatasetArn]: `${DATASET_GROUP_ARN}/ITEMS`,
  [CATALOGUE_ENV.itemsSchema]: JSON.stringify(ITEMS_SCHEMA),
  [CATALOGUE_ENV.usersDatasetArn]: `${DATASET_GROUP_ARN}/USERS`,
  [CATALOGUE_ENV.usersSchema]: JSON.stringify(USERS_SCHEMA),
});

/** A valid request of each Lambda route: a new route must add one here. */
const VALID_REQUESTS: Readonly<Record<string, { body?: unknown; query?: Record<string, string> }>> = {
  '/solutionVersion': { body: { solutionArn: SOLUTION_ARN, version: 'v1' } },
  '/describeSolutionVersion': { body: { solutionVersionArn: SOLUTION_VERSION_ARN } },
  '/campaign': { body: { solutionVersionArn: SOLUTION_VERSION_ARN, name: 'c' } },
  '/describeCampaign': { body: { campaignArn: CAMPAIGN_ARN } },
  '/eventTracker': { body: { name: 't', datasetGroupArn: DATASET_GROUP_ARN } },
  '/getRecommendations': { query: { campaignArn: CAMPAIGN_ARN, userId: '429' } },
  '/getPersonalizedRanking': { body: { campaignArn: CAMPAIGN_ARN, userId: '429', inputList: ['1', '2'] } },
  '/putEvents': {
    body: { userId: '429', itemId: '1', eventType: 'click', trackingId: TRACKING_ID, interactions: 1 },
  },
  '/items': { body: { items: [{ itemId: 'new-1', properties: { genre: 'Comedy', year: '2026' } }] } },
  '/users': { body: { users: [{ userId: 'u-1', properties: { membership: 'premium' } }] } },
  '/status': {},
  '/deleteResources': { body: { campaignArn: CAMPAIGN_ARN, eventTrackerArn: EVENT_TRACKER_ARN } },
};

const lambdaRoutes = ROUTES.filter((route): route is LambdaRoute => route.kind === 'lambda');

async function call(route: LambdaRoute, request: { body?: unknown; query?: Record<string, string> }) {
  const { handler } = (await import(`../../lambda/${route.handler}`)) as { handler: HttpHandler };
  const result: APIGatewayProxyResult = await handler(
    apiEvent({ method: route.method, path: route.path, body: request.body, query: request.query }),
    lambdaContext(),
  );
  const body = JSON.parse(result.body) as { code?: string; message?: string };
  return { status: result.statusCode, code: body.code, message: body.message };
}

/** Every Personalize call of the route fails with `failure` (the tracking id guard of /putEvents passes). */
function failEveryServiceCall(route: LambdaRoute, failure: Error): void {
  personalize.reset();
  mockEventTrackers(personalize);
  personalizeEvents.onAnyCommand().rejects(failure);
  personalizeRuntime.onAnyCommand().rejects(failure);
  // The tracking id guard must pass for /putEvents to reach PutEvents; every other call fails.
  if (route.path !== '/putEvents') personalize.onAnyCommand().rejects(failure);
}

/** A service error whose mapping differs from the defaults (not 400, not 404, not 500). */
const REPRESENTATIVE_SERVICE_ERROR = 'ResourceInUseException';

function expectTableCode(code: string | undefined): void {
  expect(code).toMatch(ERROR_CODE_PATTERN);
  expect({ code, inTable: isErrorCode(code ?? '') }).toEqual({ code, inTable: true });
}

beforeEach(() => {
  personalize.reset();
  personalizeEvents.reset();
  personalizeRuntime.reset();
});

describe('error codes: one table, AWS style', () => {
  it('the table itself: every code PascalCase ending in Exception, none twice', () => {
    const codes = Object.values(ERROR_CODES);
    for (const code of codes) expect(code).toMatch(ERROR_CODE_PATTERN);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('has a valid request for every Lambda route of the route table', () => {
    expect(lambdaRoutes.map((route) => route.path).sort()).toEqual(Object.keys(VALID_REQUESTS).sort());
  });

  it.each(lambdaRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers every error with a code of the table',
    async (_name, route) => {
      const answered: Array<{ status: number; code: string | undefined }> = [];
      answered.push(await call(route, { body: {}, query: {} }));
      answered.push(await call(route, { body: '{not json' }));
      for (const failure of [serviceError(REPRESENTATIVE_SERVICE_ERROR), unexpectedError()]) {
        failEveryServiceCall(route, failure);
        answered.push(await call(route, VALID_REQUESTS[route.path] ?? {}));
      }
      const errors = answered.filter((answer) => answer.status >= 400);
      // /status takes no input: its errors are the service's only.
      expect(errors.length).toBeGreaterThanOrEqual(route.path === '/status' ? 2 : 4);
      for (const { code } of errors) expectTableCode(code);
    },
  );

  it.each(lambdaRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers a Personalize service error through the shared mapping',
    async (_name, route) => {
      const failure = serviceError(REPRESENTATIVE_SERVICE_ERROR, 'what the service said');
      const mapped = toHttpError(failure);
      failEveryServiceCall(route, failure);

      const answer = await call(route, VALID_REQUESTS[route.path] ?? {});

      expect(answer).toEqual({
        status: mapped.statusCode,
        code: mapped.code,
        message: expect.stringContaining(mapped.message) as unknown,
      });
      expect(mapped).toMatchObject({ statusCode: 409, message: 'what the service said' });
    },
  );

  it.each(Object.entries(GATEWAY_RESPONSES))(
    'the gateway response %s renders a code of the table',
    (_name, r) => {
      const rendered = renderMappingTemplate(r.template, {
        body: '',
        context: {
          error: {
            message: 'x',
            messageString: '"x"',
            validationErrorString: '[object has missing required properties (["version"])]',
            responseType: r.type,
          },
        },
      });
      expectTableCode((JSON.parse(rendered.body) as { code?: string }).code);
    },
  );

  it.each([
    ['ProvisionedThroughputExceededException', 'clientError'],
    ['ValidationException', 'clientError'],
    ['ResourceNotFoundException', 'clientError'],
    ['KMSNotFoundException', 'clientError'],
    ['InternalFailure', 'serverError'],
    ['RequestEntityTooLarge', 'requestTooLarge'],
  ] as const)('/data answers Kinesis %s with a code of the table', (type, response) => {
    const rendered = renderMappingTemplate(PUT_RECORD_ERROR_RESPONSES[response].template, {
      body: JSON.stringify({ __type: type, message: "Value 'x' at 'partitionKey' failed" }),
    });
    expectTableCode((JSON.parse(rendered.body) as { code?: string }).code);
  });
});
