// First import: the factories set the test environment before any SDK client is created.
import { CAMPAIGN_ARN, apiEvent, bodyOf, lambdaContext } from './factories';
import { expect } from '@jest/globals';
import {
  GetPersonalizedRankingCommand,
  InvalidInputException,
  PersonalizeRuntimeClient,
} from '@aws-sdk/client-personalize-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/getPersonalizedRanking';

const runtime = mockClient(PersonalizeRuntimeClient);
const post = (body: unknown) =>
  handler(apiEvent({ method: 'POST', path: '/getPersonalizedRanking', body }), lambdaContext());

beforeEach(() => runtime.reset());

describe('POST /getPersonalizedRanking', () => {
  const ranking = {
    $metadata: { httpStatusCode: 200 },
    personalizedRanking: [{ itemId: '260', score: 0.7 }, { itemId: '1210', score: 0.3 }, { itemId: 'new' }],
    recommendationId: 'RID-2',
  };

  it("answers the campaign's ranking of the input list for the user, unscored items as Personalize gives them", async () => {
    runtime.on(GetPersonalizedRankingCommand).resolves(ranking);

    const result = await post({
      campaignArn: CAMPAIGN_ARN,
      userId: '429',
      inputList: ['1210', '260', 'new'],
    });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual(ranking);
    expect(runtime).toHaveReceivedCommandWith(GetPersonalizedRankingCommand, {
      campaignArn: CAMPAIGN_ARN,
      userId: '429',
      inputList: ['1210', '260', 'new'],
    });
  });

  it.each([
    ['a missing userId', { campaignArn: CAMPAIGN_ARN, inputList: ['1'] }, 'userId: '],
    ['an empty inputList', { campaignArn: CAMPAIGN_ARN, userId: '429', inputList: [] }, 'inputList: '],
    [
      'an inputList over 500 items',
      { campaignArn: CAMPAIGN_ARN, userId: '429', inputList: Array.from({ length: 501 }, (_, i) => `${i}`) },
      'inputList: ',
    ],
    [
      'a number in inputList',
      { campaignArn: CAMPAIGN_ARN, userId: '429', inputList: [12] },
      'inputList[0]: ',
    ],
  ])('answers 400 naming the field for %s', async (_case, body, message) => {
    const result = await post(body);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: expect.stringContaining(message),
    });
    expect(runtime).not.toHaveReceivedAnyCommand();
  });

  it("answers 400 with Personalize's message when the campaign is not a ranking one", async () => {
    runtime
      .on(GetPersonalizedRankingCommand)
      .rejects(new InvalidInputException({ message: 'needs a PERSONALIZED_RANKING recipe', $metadata: {} }));

    const result = await post({ campaignArn: CAMPAIGN_ARN, userId: '429', inputList: ['1'] });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual(
      expect.objectContaining({ message: expect.stringContaining('PERSONALIZED_RANKING') }),
    );
  });
});
