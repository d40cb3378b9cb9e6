// First import: the factories set the test environment before any SDK client is created.
import { DATASET_GROUP_ARN, apiEvent, bodyOf, lambdaContext, serviceError } from './factories';
import { expect } from '@jest/globals';
import {
  PersonalizeEventsClient,
  PutItemsCommand,
  PutUsersCommand,
} from '@aws-sdk/client-personalize-events';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { handler as putItemsHandler } from '../../lambda/putItems';
import { handler as putUsersHandler } from '../../lambda/putUsers';
import { propertyName } from '../../lambda/shared/catalogue';
import { RETIRABLE_ITEMS_SCHEMA, USERS_SCHEMA } from '../../lib/contract/personalize-schemas';
import { CATALOGUE_ENV } from '../../lib/contract/function-environment';

const personalizeEvents = mockClient(PersonalizeEventsClient);
const ITEMS_DATASET_ARN = `${DATASET_GROUP_ARN.replace('dataset-group', 'dataset')}/ITEMS`;
const USERS_DATASET_ARN = `${DATASET_GROUP_ARN.replace('dataset-group', 'dataset')}/USERS`;
const OTHER_DATASET_ARN = 'arn:aws:personalize:us-east-1:123456789012:dataset/someone-else/ITEMS';

const postItems = (body: unknown) => putItemsHandler(apiEvent({ path: '/items', body }), lambdaContext());
const postUsers = (body: unknown) => putUsersHandler(apiEvent({ path: '/users', body }), lambdaContext());
const messageOf = (result: APIGatewayProxyResult) => (bodyOf(result) as { message: string }).message;

const movie = { itemId: 'new-1', properties: { genre: 'Comedy|Drama', year: '2026' } };

beforeEach(() => {
  personalizeEvents.reset();
  personalizeEvents.on(PutItemsCommand).resolves({ $metadata: { httpStatusCode: 200 } });
  personalizeEvents.on(PutUsersCommand).resolves({ $metadata: { httpStatusCode: 200 } });
  Object.assign(process.env, {
    [CATALOGUE_ENV.itemsDatasetArn]: ITEMS_DATASET_ARN,
    [CATALOGUE_ENV.itemsSchema]: JSON.stringify(RETIRABLE_ITEMS_SCHEMA),
    [CATALOGUE_ENV.usersDatasetArn]: USERS_DATASET_ARN,
    [CATALOGUE_ENV.usersSchema]: JSON.stringify(USERS_SCHEMA),
  });
});

describe('POST /items', () => {
  it("sends PutItems to the stack's Items dataset, properties as the JSON string the API takes", async () => {
    const result = await postItems({ items: [movie, { itemId: 'new-2', properties: { year: '1999' } }] });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ datasetArn: ITEMS_DATASET_ARN, itemIds: ['new-1', 'new-2'] });
    expect(personalizeEvents).toHaveReceivedCommandWith(PutItemsCommand, {
      datasetArn: ITEMS_DATASET_ARN,
      items: [
        { itemId: 'new-1', properties: '{"genre":"Comedy|Drama","year":"2026"}' },
        { itemId: 'new-2', properties: '{"year":"1999"}' },
      ],
    });
  });

  it('retires an item with availability "retired" (a field of the retirable Items schema)', async () => {
    const result = await postItems({
      datasetArn: ITEMS_DATASET_ARN,
      items: [{ itemId: '1210', properties: { year: '1983', availability: 'retired' } }],
    });

    expect(result.statusCode).toBe(200);
    expect(personalizeEvents).toHaveReceivedCommandWith(PutItemsCommand, {
      items: [{ itemId: '1210', properties: '{"year":"1983","availability":"retired"}' }],
    });
  });

  it.each([
    ['no items', { items: [] }, 'items: '],
    [
      'more than 10 items (the service model allows 10 a call)',
      { items: Array.from({ length: 11 }, (_, i) => ({ ...movie, itemId: `m${i}` })) },
      'items: ',
    ],
    ['an item without itemId', { items: [{ properties: movie.properties }] }, 'items[0].itemId: is required'],
    [
      'an itemId over 256 characters',
      { items: [{ ...movie, itemId: 'x'.repeat(257) }] },
      'items[0].itemId: ',
    ],
    [
      'a property that is no field of the schema',
      { items: [{ itemId: 'a', properties: { year: '2000', colour: 'red' } }] },
      'items[0].properties.colour: is not a field of the Items schema (its fields: genre, year, availability)',
    ],
    [
      'a required field missing',
      { items: [movie, { itemId: 'b', properties: { genre: 'Comedy' } }] },
      'items[1].properties.year: is required',
    ],
    [
      'a value of the wrong type',
      { items: [{ itemId: 'a', properties: { year: 2000 } }] },
      'items[0].properties.year: must be a string',
    ],
    [
      'null for a required field',
      { items: [{ itemId: 'a', properties: { year: null } }] },
      'items[0].properties.year: may not be null',
    ],
    [
      'a datasetArn that is no dataset ARN',
      { datasetArn: 'arn:aws:personalize:us-east-1:123456789012:campaign/x', items: [movie] },
      'datasetArn: ',
    ],
  ])('answers 400 naming the field for %s, and sends nothing', async (_name, body, message) => {
    const result = await postItems(body);

    expect(result.statusCode).toBe(400);
    expect(messageOf(result)).toContain(message);
    expect(personalizeEvents).not.toHaveReceivedCommand(PutItemsCommand);
  });

  it("refuses with 404 a dataset that is not the stack's own, and sends nothing", async () => {
    const result = await postItems({ datasetArn: OTHER_DATASET_ARN, items: [movie] });

    expect(result.statusCode).toBe(404);
    expect(messageOf(result)).toBe(
      `datasetArn: ${OTHER_DATASET_ARN} is not the Items dataset of this stack's dataset group (${ITEMS_DATASET_ARN})`,
    );
    expect(personalizeEvents).not.toHaveReceivedCommand(PutItemsCommand);
  });

  it("answers the service's refusal through the shared mapping (an inactive dataset: 404)", async () => {
    personalizeEvents
      .on(PutItemsCommand)
      .rejects(serviceError('ResourceNotFoundException', 'Could not find an ACTIVE dataset'));

    const result = await postItems({ items: [movie] });

    expect(result.statusCode).toBe(404);
    expect(messageOf(result)).toContain('Could not find an ACTIVE dataset');
  });

  it('without the stack values a request is a 500, never a write to an unknown dataset', async () => {
    delete process.env[CATALOGUE_ENV.itemsDatasetArn];

    const result = await postItems({ items: [movie] });

    expect(result.statusCode).toBe(500);
    expect(personalizeEvents).not.toHaveReceivedCommand(PutItemsCommand);
  });
});

describe('POST /users', () => {
  it("sends PutUsers to the stack's Users dataset", async () => {
    const result = await postUsers({ users: [{ userId: 'u-1', properties: { membership: 'premium' } }] });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ datasetArn: USERS_DATASET_ARN, userIds: ['u-1'] });
    expect(personalizeEvents).toHaveReceivedCommandWith(PutUsersCommand, {
      datasetArn: USERS_DATASET_ARN,
      users: [{ userId: 'u-1', properties: '{"membership":"premium"}' }],
    });
  });

  it.each([
    ['more than 10 users', { users: Array.from({ length: 11 }, (_, i) => ({ userId: `u${i}` })) }, 'users: '],
    [
      'a property that is no field of the schema',
      { users: [{ userId: 'u', properties: { age: '30' } }] },
      'users[0].properties.age: is not a field of the Users schema (its fields: membership)',
    ],
    [
      'a value of the wrong type',
      { users: [{ userId: 'u', properties: { membership: true } }] },
      'users[0].properties.membership: must be a string',
    ],
  ])('answers 400 naming the field for %s', async (_name, body, message) => {
    const result = await postUsers(body);

    expect(result.statusCode).toBe(400);
    expect(messageOf(result)).toContain(message);
    expect(personalizeEvents).not.toHaveReceivedCommand(PutUsersCommand);
  });

  it('answers 404 when the stack has no Users dataset (usersDataset off)', async () => {
    process.env[CATALOGUE_ENV.usersDatasetArn] = '';

    const result = await postUsers({ users: [{ userId: 'u-1' }] });

    expect(result.statusCode).toBe(404);
    expect(messageOf(result)).toContain('This stack has no Users dataset: deploy with -c usersDataset=true');
    expect(personalizeEvents).not.toHaveReceivedCommand(PutUsersCommand);
  });

  it("refuses with 404 a dataset that is not the stack's own", async () => {
    const result = await postUsers({ datasetArn: OTHER_DATASET_ARN, users: [{ userId: 'u-1' }] });

    expect(result.statusCode).toBe(404);
    expect(personalizeEvents).not.toHaveReceivedCommand(PutUsersCommand);
  });
});

describe('property names', () => {
  it('are the schema fields in camelCase, as PutItems and PutUsers take them', () => {
    expect(['GENRE', 'NUMBER_OF_RATINGS', 'AVAILABILITY'].map(propertyName)).toEqual([
      'genre',
      'numberOfRatings',
      'availability',
    ]);
  });
});
