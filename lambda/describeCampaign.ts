/**
 * POST /describeCampaign: a campaign's status as a JSON string; 404 for a campaign that does not exist.
 *
 * The function may describe only campaigns tagged with this stack's name (`aws:ResourceTag` condition). A
 * deleted campaign has no tags, and IAM treats a condition key absent from the request as not matching, so
 * AWS answers AccessDeniedException, not ResourceNotFoundException, for it ("If the key that you specify in
 * a policy condition is not present in the request context, the values do not match":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html). A denial is
 * therefore checked with ListCampaigns, which has no resource-level permission and lists every campaign: a
 * campaign it does not list is deleted or never existed (404); one it lists is another application's (403).
 */
import { paginateListCampaigns, type PersonalizeClient } from '@aws-sdk/client-personalize';
import { personalize } from './shared/clients/personalize';
import { NotFoundError } from './shared/errors';
import { parseBody, withHttp } from './shared/http';
import { allItems, CAMPAIGN_NOT_FOUND_MESSAGE, describeCampaignStatus } from './shared/personalize';
import { describeCampaignRequest } from '../lib/contract/requests';
import { isServiceError } from './shared/service-errors';

/** The List calls' page size (the service's maximum); the paginator reads every page. */
const PAGE_SIZE = 100;

async function campaignExists(client: PersonalizeClient, campaignArn: string): Promise<boolean> {
  const campaigns = await allItems(
    paginateListCampaigns({ client, pageSize: PAGE_SIZE }, {}),
    (page) => page.campaigns,
  );
  return campaigns.some((campaign) => campaign.campaignArn === campaignArn);
}

export const handler = withHttp(async (event) => {
  const request = parseBody(event, describeCampaignRequest);
  try {
    return await describeCampaignStatus(personalize, request);
  } catch (error) {
    if (
      isServiceError(error, 'AccessDeniedException') &&
      !(await campaignExists(personalize, request.campaignArn))
    ) {
      throw new NotFoundError(CAMPAIGN_NOT_FOUND_MESSAGE);
    }
    throw error;
  }
});
