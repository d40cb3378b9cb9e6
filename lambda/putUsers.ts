/**
 * POST /users: add or update users of the stack's Users dataset (PutUsers; context usersDataset=true), at most
 * 10 a call, each user's properties checked against the Users schema (a 400 names the field). A stack without a
 * Users dataset, or a datasetArn other than the stack's, is a 404.
 *
 * Environment: USERS_DATASET_ARN ('' without a Users dataset) and USERS_SCHEMA, and the SDK's AWS_REGION /
 * AWS_ENDPOINT_URL_PERSONALIZE_EVENTS.
 */
import { putUsers } from './shared/catalogue';
import { personalizeEvents } from './shared/clients/personalizeEvents';
import { parseBody, withHttp } from './shared/http';
import { putUsersRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  putUsers(personalizeEvents, parseBody(event, putUsersRequest)),
);
