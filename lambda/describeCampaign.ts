/** POST /describeCampaign: a campaign's status as a JSON string; 404 for an unknown campaign. */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { describeCampaignStatus } from './shared/personalize';
import { describeCampaignRequest } from './shared/requests';

export const handler = withHttp(async (event) =>
  describeCampaignStatus(personalize, parseBody(event, describeCampaignRequest)),
);
