/** POST /campaign: deploy a solution version as a campaign. Answers the CreateCampaign response. */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { ownerTags } from '../lib/contract/ownership';
import { createCampaign } from './shared/personalize';
import { createCampaignRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  createCampaign(personalize, parseBody(event, createCampaignRequest), ownerTags()),
);
