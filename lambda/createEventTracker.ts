/** POST /eventTracker: create the dataset group's event tracker. Answers `{eventTrackerArn, trackingId, $metadata}`. */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { ownerTags } from '../lib/contract/ownership';
import { createEventTracker } from './shared/personalize';
import { createEventTrackerRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  createEventTracker(personalize, parseBody(event, createEventTrackerRequest), ownerTags()),
);
