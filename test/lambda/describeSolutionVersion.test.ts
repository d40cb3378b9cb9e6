// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  SOLUTION_VERSION_ARN,
  apiEvent,
  bodyOf,
  expectGenericServerError,
  lambdaContext,
  unexpectedError,
} from './factories';
import { expect } from '@jest/globals';
import { DescribeSolutionVersionCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/describeSolutionVersion';

const personalize = mockClient(PersonalizeClient);
const post = (body: unknown) =>
  handler(apiEvent({ path: '/describeSolutionVersion', body }), lambdaContext());

beforeEach(() => personalize.reset());

describe('POST /describeSolutionVersion', () => {
  it.each(['CREATE IN_PROGRESS', 'ACTIVE', 'CREATE FAILED'])(
    'answers the status %p as a JSON string',
    async (status) => {
      personalize
        .on(DescribeSolutionVersionCommand, { solutionVersionArn: SOLUTION_VERSION_ARN })
        .resolves({ solutionVersion: { solutionVersionArn: SOLUTION_VERSION_ARN, status } });

      const result = await post({ solutionVersionArn: SOLUTION_VERSION_ARN });

      expect(result.statusCode).toBe(200);
      expect(result.body).toBe(JSON.stringify(status));
    },
  );

  it.each([
    ['a missing solutionVersionArn', {}, 'solutionVersionArn: is required'],
    [
      'a campaign ARN',
      { solutionVersionArn: CAMPAIGN_ARN },
      'solutionVersionArn: must be a Personalize solution ARN',
    ],
    ['a number', { solutionVersionArn: 42 }, 'solutionVersionArn: '],
  ])('answers 400 naming the field for %s', async (_case, body, message) => {
    const result = await post(body);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: expect.stringContaining(message),
    });
    expect(personalize).not.toHaveReceivedAnyCommand();
  });

  it('answers an unexpected failure with a generic 500', async () => {
    personalize.on(DescribeSolutionVersionCommand).rejects(unexpectedError());

    expectGenericServerError(await post({ solutionVersionArn: SOLUTION_VERSION_ARN }));
  });
});
