/** GET /getRecommendations?campaignArn=&userId=&numResults=: a user's recommendations from a campaign. */
import { personalizeRuntime } from './shared/clients/personalizeRuntime';
import { parseQuery, withHttp, type RequestOutcome } from './shared/http';
import { countRecommendationRequest, recordMetric } from './shared/metrics';
import { getRecommendations } from './shared/personalize';
import { getRecommendationsQuery } from '../lib/contract/requests';

/**
 * Counts the request (Filtered: whether it named a filterArn), its latency, and an error when it was
 * throttled or failed (429, 5xx): what an operator must hear about, unlike a caller's bad request.
 */
function observeRecommendations({ event, statusCode, durationMs }: RequestOutcome): void {
  countRecommendationRequest(Boolean(event.queryStringParameters?.filterArn));
  recordMetric('recommendationLatency', durationMs);
  recordMetric('recommendationErrors', statusCode === 429 || statusCode >= 500 ? 1 : 0);
}

export const handler = withHttp(
  async (event) => getRecommendations(personalizeRuntime, parseQuery(event, getRecommendationsQuery)),
  observeRecommendations,
);
