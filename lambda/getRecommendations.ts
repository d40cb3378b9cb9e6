/** GET /getRecommendations?campaignArn=&userId=&numResults=: a user's recommendations from a campaign. */
import { personalizeRuntime } from './shared/clients/personalizeRuntime';
import { parseQuery, withHttp } from './shared/http';
import { getRecommendations } from './shared/personalize';
import { getRecommendationsQuery } from './shared/requests';

export const handler = withHttp(async (event) =>
  getRecommendations(personalizeRuntime, parseQuery(event, getRecommendationsQuery)),
);
