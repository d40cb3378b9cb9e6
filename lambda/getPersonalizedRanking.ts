/** POST /getPersonalizedRanking {campaignArn, userId, inputList}: the items ordered for the user. */
import { personalizeRuntime } from './shared/clients/personalizeRuntime';
import { parseBody, withHttp } from './shared/http';
import { getPersonalizedRanking } from './shared/personalize';
import { getPersonalizedRankingRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  getPersonalizedRanking(personalizeRuntime, parseBody(event, getPersonalizedRankingRequest)),
);
