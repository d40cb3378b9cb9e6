// First import: the factories set the test environment before any SDK client is created.
import {
  CAMPAIGN_ARN,
  DATASET_GROUP_ARN,
  EVENT_TRACKER_ARN,
  TRACKING_ID,
  STACK_NAME,
  apiEvent,
  bodyOf,
  expectGenericServerError,
  lambdaContext,
  restoreFunctionEnvironment,
  unexpectedError,
} from './factories';
import { expect } from '@jest/globals';
import { CreateEventTrackerCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/createEventTracker';

const personalize = mockClient(PersonalizeClient);
const post = (body: unknown) => handler(apiEvent({ path: '/eventTracker', body }), lambdaContext());

beforeEach(() => {
  personalize.reset();
  restoreFunctionEnvironment();
});

describe('POST /eventTracker', () => {
  it('creates the tracker on the dataset group and answers its ARN and tracking id', async () => {
    personalize.on(CreateEventTrackerCommand).resolves({
      eventTrackerArn: EVENT_TRACKER_ARN,
      trackingId: TRACKING_ID,
      $metadata: { httpStatusCode: 200 },
    });

    const result = await post({ name: 'movies-tracker', datasetGroupArn: DATASET_GROUP_ARN });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      eventTrackerArn: EVENT_TRACKER_ARN,
      trackingId: TRACKING_ID,
      $metadata: { httpStatusCode: 200 },
    });
    expect(personalize).toHaveReceivedCommandWith(CreateEventTrackerCommand, {
      name: 'movies-tracker',
      datasetGroupArn: DATASET_GROUP_ARN,
    });
  });

  it.each([
    ['a missing name', { datasetGroupArn: DATASET_GROUP_ARN }, 'name: is required'],
    ['an empty name', { name: '', datasetGroupArn: DATASET_GROUP_ARN }, 'name: '],
    ['a missing datasetGroupArn', { name: 't' }, 'datasetGroupArn: is required'],
    [
      'a campaign ARN as datasetGroupArn',
      { name: 't', datasetGroupArn: CAMPAIGN_ARN },
      'datasetGroupArn: must be a Personalize dataset-group ARN',
    ],
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
    personalize.on(CreateEventTrackerCommand).rejects(unexpectedError());

    expectGenericServerError(await post({ name: 'movies-tracker', datasetGroupArn: DATASET_GROUP_ARN }));
  });
});

describe("createEventTracker: what it creates is tagged as this stack's", () => {
  it('tags an event tracker with nrt-recommendations:stack=<stack name>, which the IAM policies require', async () => {
    personalize
      .on(CreateEventTrackerCommand)
      .resolves({ eventTrackerArn: EVENT_TRACKER_ARN, trackingId: TRACKING_ID });

    const result = await post({ name: 'movies-tracker', datasetGroupArn: DATASET_GROUP_ARN });

    expect(result.statusCode).toBe(200);
    expect(personalize).toHaveReceivedCommandWith(CreateEventTrackerCommand, {
      tags: [{ tagKey: 'nrt-recommendations:stack', tagValue: STACK_NAME }],
    });
  });

  it('creates nothing, answering a generic 500, when OWNER_TAG_VALUE is not set', async () => {
    delete process.env.OWNER_TAG_VALUE;

    expectGenericServerError(await post({ name: 'movies-tracker', datasetGroupArn: DATASET_GROUP_ARN }));
    expect(personalize).not.toHaveReceivedAnyCommand();
  });
});
