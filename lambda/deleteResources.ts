/**
 * DELETE /deleteResources: delete a campaign, an event tracker, or both. Answers each deletion's response; if one
 * fails, the other is still done and the error body says which is which (see deleteCampaignAndEventTracker).
 */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { deleteCampaignAndEventTracker } from './shared/personalize';
import { deleteResourcesRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  deleteCampaignAndEventTracker(personalize, parseBody(event, deleteResourcesRequest)),
);
