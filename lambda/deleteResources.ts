/**
 * DELETE /deleteResources: delete a campaign and an event tracker. Answers both deletion responses; if one
 * fails, the other is still done and the error body says which is which (see deleteCampaignAndEventTracker).
 */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { deleteCampaignAndEventTracker } from './shared/personalize';
import { deleteResourcesRequest } from './shared/requests';

export const handler = withHttp(async (event) =>
  deleteCampaignAndEventTracker(personalize, parseBody(event, deleteResourcesRequest)),
);
