// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  apiEvent,
  bodyOf,
  expectGenericServerError,
  lambdaContext,
  unexpectedError,
} from './factories';
import { expect } from '@jest/globals';
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/getRecommendations';
import { DEFAULT_FILTER_ENV } from '../../lib/contract/function-environment';

const runtime = mockClient(PersonalizeRuntimeClient);
const get = (query: Record<string, string> | undefined) =>
  handler(apiEvent({ method: 'GET', path: '/getRecommendations', query }), lambdaContext());

beforeEach(() => runtime.reset());

describe('GET /getRecommendations', () => {
  const recommendations = {
    $metadata: { httpStatusCode: 200 },
    itemList: [
      { itemId: '1210', score: 0.0123 },
      { itemId: '260', score: 0.0101 },
    ],
    recommendationId: 'RID-1',
  };

  it("answers the campaign's recommendations for the user, numResults as a number", async () => {
    runtime.on(GetRecommendationsCommand).resolves(recommendations);

    const result = await get({ campaignArn: CAMPAIGN_ARN, userId: '429', numResults: '2' });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual(recommendations);
    expect(runtime).toHaveReceivedCommandWith(GetRecommendationsCommand, {
      campaignArn: CAMPAIGN_ARN,
      userId: '429',
      numResults: 2,
    });
  });

  it('sends itemId without userId for a RELATED_ITEMS campaign, and neither for a POPULAR_ITEMS one', async () => {
    runtime.on(GetRecommendationsCommand).resolves(recommendations);

    expect((await get({ campaignArn: CAMPAIGN_ARN, itemId: '260' })).statusCode).toBe(200);
    expect((await get({ campaignArn: CAMPAIGN_ARN })).statusCode).toBe(200);

    const inputs = runtime.commandCalls(GetRecommendationsCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([{ campaignArn: CAMPAIGN_ARN, itemId: '260' }, { campaignArn: CAMPAIGN_ARN }]);
  });

  it("leaves numResults to Personalize's default when not given", async () => {
    runtime.on(GetRecommendationsCommand).resolves(recommendations);

    await get({ campaignArn: CAMPAIGN_ARN, userId: '429' });

    const input = runtime.commandCalls(GetRecommendationsCommand)[0]?.args[0].input;
    expect(input).toEqual({ campaignArn: CAMPAIGN_ARN, userId: '429' });
  });

  it.each([
    ['no query string', undefined, 'campaignArn: is required'],
    ['an itemId over 256 characters', { campaignArn: CAMPAIGN_ARN, itemId: 'i'.repeat(257) }, 'itemId: '],
    [
      'a malformed campaignArn',
      { campaignArn: 'campaign', userId: '429' },
      'campaignArn: must be a Personalize campaign ARN',
    ],
    [
      'a numResults that is not a number',
      { campaignArn: CAMPAIGN_ARN, userId: '429', numResults: 'ten' },
      'numResults: must be a whole number from 1 to 500',
    ],
    [
      'a numResults above 500',
      { campaignArn: CAMPAIGN_ARN, userId: '429', numResults: '501' },
      'numResults: ',
    ],
  ])('answers 400 naming the parameter for %s', async (_case, query, message) => {
    const result = await get(query);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: expect.stringContaining(message),
    });
    expect(runtime).not.toHaveReceivedAnyCommand();
  });

  const FILTER_ARN = CAMPAIGN_ARN.replace(/campaign\/.*/, 'filter/stack-genre-0a1b2c3d');

  it('passes filterArn and filterValues (a URL-encoded JSON object) as GetRecommendations takes them', async () => {
    runtime.on(GetRecommendationsCommand).resolves(recommendations);

    await get({
      campaignArn: CAMPAIGN_ARN,
      userId: '429',
      filterArn: FILTER_ARN,
      filterValues: JSON.stringify({ GENRE: '"Comedy","Drama"' }),
    });

    expect(runtime.commandCalls(GetRecommendationsCommand)[0]?.args[0].input).toEqual({
      campaignArn: CAMPAIGN_ARN,
      userId: '429',
      filterArn: FILTER_ARN,
      filterValues: { GENRE: '"Comedy","Drama"' },
    });
  });

  it("applies the stack's default filter (retirable items: available) when the request names none, and the request's own otherwise", async () => {
    runtime.on(GetRecommendationsCommand).resolves(recommendations);
    const AVAILABLE = CAMPAIGN_ARN.replace(/campaign\/.*/, 'filter/stack-available-0a1b2c3d');
    process.env[DEFAULT_FILTER_ENV] = AVAILABLE;
    try {
      await get({ campaignArn: CAMPAIGN_ARN, userId: '429' });
      await get({ campaignArn: CAMPAIGN_ARN, userId: '429', filterArn: FILTER_ARN });
    } finally {
      delete process.env[DEFAULT_FILTER_ENV];
    }
    await get({ campaignArn: CAMPAIGN_ARN, userId: '429' });

    const filters = runtime
      .commandCalls(GetRecommendationsCommand)
      .map((call) => call.args[0].input.filterArn);
    expect(filters).toEqual([AVAILABLE, FILTER_ARN, undefined]);
  });

  it('passes a promotion: its filter, values, share and name', async () => {
    runtime.on(GetRecommendationsCommand).resolves(recommendations);

    await get({
      campaignArn: CAMPAIGN_ARN,
      userId: '429',
      promotionFilterArn: FILTER_ARN,
      promotionFilterValues: JSON.stringify({ GENRE: '"Comedy"' }),
      promotionPercent: '20',
      promotionName: 'comedy-week',
    });

    expect(runtime.commandCalls(GetRecommendationsCommand)[0]?.args[0].input).toEqual({
      campaignArn: CAMPAIGN_ARN,
      userId: '429',
      promotions: [
        {
          name: 'comedy-week',
          percentPromotedItems: 20,
          filterArn: FILTER_ARN,
          filterValues: { GENRE: '"Comedy"' },
        },
      ],
    });
  });

  it.each([
    [
      'a filterArn that is not a filter ARN',
      { filterArn: CAMPAIGN_ARN },
      'filterArn: must be a Personalize filter ARN',
    ],
    [
      'filterValues that are not JSON',
      { filterArn: FILTER_ARN, filterValues: '{GENRE' },
      'filterValues: must be a JSON object',
    ],
    [
      'filterValues that are not an object of strings',
      { filterArn: FILTER_ARN, filterValues: '{"GENRE": 3}' },
      'filterValues',
    ],
    [
      'a filterValues key that is no parameter name',
      { filterArn: FILTER_ARN, filterValues: '{"a-b": "x"}' },
      'filterValues',
    ],
    [
      'more than 25 filterValues',
      {
        filterArn: FILTER_ARN,
        filterValues: JSON.stringify(
          Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`P${i}`, 'x'])),
        ),
      },
      'filterValues: must have at most 25 entries',
    ],
    [
      'filterValues without a filterArn',
      { filterValues: '{"GENRE": "x"}' },
      'filterValues: is given without a filterArn',
    ],
    ['a promotion without its share', { promotionFilterArn: FILTER_ARN }, 'promotionPercent: is required'],
    [
      'a promotion share above 100',
      { promotionFilterArn: FILTER_ARN, promotionPercent: '101' },
      'promotionPercent',
    ],
    ['a promotion share without its filter', { promotionPercent: '10' }, 'promotionFilterArn: is required'],
  ])('answers 400 naming the filter parameter for %s', async (_case, extra, message) => {
    const result = await get({ campaignArn: CAMPAIGN_ARN, userId: '429', ...extra });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: expect.stringContaining(message),
    });
    expect(runtime).not.toHaveReceivedAnyCommand();
  });

  it('answers an unexpected failure with a generic 500', async () => {
    runtime.on(GetRecommendationsCommand).rejects(unexpectedError());

    expectGenericServerError(await get({ campaignArn: CAMPAIGN_ARN, userId: '429' }));
  });
});
