// First import: the factories set the test environment before any SDK client is created.
import {
  SOLUTION_ARN,
  SOLUTION_VERSION_ARN,
  STACK_NAME,
  apiEvent,
  bodyOf,
  expectGenericServerError,
  lambdaContext,
  restoreFunctionEnvironment,
  unexpectedError,
} from './factories';
import { expect } from '@jest/globals';
import { CreateSolutionVersionCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/createSolutionVersion';
import { logger } from '../../lambda/shared/logger';

const personalize = mockClient(PersonalizeClient);
const post = (body: unknown) => handler(apiEvent({ path: '/solutionVersion', body }), lambdaContext());

beforeEach(() => {
  personalize.reset();
  restoreFunctionEnvironment();
});

describe('POST /solutionVersion', () => {
  it('trains a FULL solution version named after `version` and answers the CreateSolutionVersion response', async () => {
    personalize
      .on(CreateSolutionVersionCommand)
      .resolves({ solutionVersionArn: SOLUTION_VERSION_ARN, $metadata: { httpStatusCode: 200 } });

    const result = await post({ solutionArn: SOLUTION_ARN, version: 'v1' });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      solutionVersionArn: SOLUTION_VERSION_ARN,
      $metadata: { httpStatusCode: 200 },
    });
    expect(personalize).toHaveReceivedCommandTimes(CreateSolutionVersionCommand, 1);
    expect(personalize).toHaveReceivedCommandWith(CreateSolutionVersionCommand, {
      solutionArn: SOLUTION_ARN,
      name: 'v1',
      trainingMode: 'FULL',
    });
  });

  it('passes a requested training mode through', async () => {
    personalize.on(CreateSolutionVersionCommand).resolves({ solutionVersionArn: SOLUTION_VERSION_ARN });

    await post({ solutionArn: SOLUTION_ARN, version: 'v2', trainingMode: 'UPDATE' });

    expect(personalize).toHaveReceivedCommandWith(CreateSolutionVersionCommand, { trainingMode: 'UPDATE' });
  });

  it.each([
    ['a missing solutionArn', { version: 'v1' }, 'solutionArn: is required'],
    [
      'a solutionArn that is not a solution ARN',
      { solutionArn: 'arn:aws:s3:::bucket', version: 'v1' },
      'solutionArn: must be a Personalize solution ARN',
    ],
    ['a missing version', { solutionArn: SOLUTION_ARN }, 'version: is required'],
    [
      'a version that is not a Personalize name',
      { solutionArn: SOLUTION_ARN, version: 'my version!' },
      'version: must match',
    ],
    [
      'an unknown training mode',
      { solutionArn: SOLUTION_ARN, version: 'v1', trainingMode: 'PARTIAL' },
      'trainingMode: ',
    ],
  ])('answers 400 naming the field for %s, without calling Personalize', async (_case, body, message) => {
    const result = await post(body);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: expect.stringContaining(message),
    });
    expect(personalize).not.toHaveReceivedAnyCommand();
  });

  it('answers 400 for a body that is not JSON', async () => {
    const result = await post('{"solutionArn": ');

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ code: 'ValidationException', message: 'body: must be valid JSON' });
  });

  it('answers 400 for a missing body', async () => {
    const result = await handler(apiEvent({ path: '/solutionVersion' }), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      code: 'ValidationException',
      message: expect.stringMatching(/^body: /),
    });
  });

  it('names every bad field at once', async () => {
    const result = await post({});

    expect(bodyOf(result)).toEqual({
      code: 'ValidationException',
      message: 'solutionArn: is required; version: is required',
    });
  });

  it('answers an unexpected failure with a generic 500 and logs the cause', async () => {
    const cause = unexpectedError();
    personalize.on(CreateSolutionVersionCommand).rejects(cause);
    const logged = jest.spyOn(logger, 'error');

    const result = await post({ solutionArn: SOLUTION_ARN, version: 'v1' });

    expectGenericServerError(result);
    expect(logged).toHaveBeenCalledWith('Request failed', expect.objectContaining({ error: cause }));
    logged.mockRestore();
  });
});

describe("createSolutionVersion: what it creates is tagged as this stack's", () => {
  it('tags a solution version with nrt-recommendations:stack=<stack name>, which the IAM policies require', async () => {
    personalize.on(CreateSolutionVersionCommand).resolves({ solutionVersionArn: SOLUTION_VERSION_ARN });

    const result = await post({ solutionArn: SOLUTION_ARN, version: 'v1' });

    expect(result.statusCode).toBe(200);
    expect(personalize).toHaveReceivedCommandWith(CreateSolutionVersionCommand, {
      tags: [{ tagKey: 'nrt-recommendations:stack', tagValue: STACK_NAME }],
    });
  });

  it('creates nothing, answering a generic 500, when OWNER_TAG_VALUE is not set', async () => {
    delete process.env.OWNER_TAG_VALUE;

    expectGenericServerError(await post({ solutionArn: SOLUTION_ARN, version: 'v1' }));
    expect(personalize).not.toHaveReceivedAnyCommand();
  });
});
