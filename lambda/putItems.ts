/**
 * POST /items: add or update items of the stack's Items dataset (PutItems), at most 10 a call, each item's
 * properties checked against the Items schema (a 400 names the field). With retirable items (context
 * retirableItems=true), `{"availability": "retired"}` retires an item: the stack's filters leave it out.
 * A datasetArn other than the stack's Items dataset is a 404.
 *
 * Environment: ITEMS_DATASET_ARN and ITEMS_SCHEMA (unset: every request fails with a 500), and the SDK's
 * AWS_REGION / AWS_ENDPOINT_URL_PERSONALIZE_EVENTS.
 */
import { putItems } from './shared/catalogue';
import { personalizeEvents } from './shared/clients/personalizeEvents';
import { parseBody, withHttp } from './shared/http';
import { putItemsRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  putItems(personalizeEvents, parseBody(event, putItemsRequest)),
);
