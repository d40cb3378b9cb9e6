/** POST /campaign: deploy a solution version as a campaign. Answers the CreateCampaign response. */
import { personalize } from './shared/clients';
import { parseBody, withHttp } from './shared/http';
import { createCampaign } from './shared/personalize';
import { createCampaignRequest } from './shared/requests';

export const handler = withHttp(async (event) =>
  createCampaign(personalize, parseBody(event, createCampaignRequest)),
);
