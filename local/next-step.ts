/**
 * What a restarted local mode already holds (an ACTIVE solution version, campaign, event tracker) and the
 * walkthrough step that comes next, for `npm start`'s banner: a restart on kept state should not tell the
 * user to train again when a campaign is already serving.
 */
import {
  DescribeEventTrackerCommand,
  PersonalizeClient,
  paginateListCampaigns,
  paginateListEventTrackers,
  paginateListSolutionVersions,
} from '@aws-sdk/client-personalize';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface LocalState {
  readonly solutionVersionArn?: string;
  readonly campaignArn?: string;
  readonly eventTrackerArn?: string;
  readonly trackingId?: string;
}

interface Where {
  readonly endpoint: string;
  readonly region: string;
  readonly solutionArn: string;
  readonly datasetGroupArn: string;
}

/** The first ACTIVE summary of a paginated listing (the service lists newest first). */
async function firstActive<P, S extends { status?: string }>(
  pages: AsyncIterable<P>,
  summaries: (page: P) => S[] | undefined,
): Promise<S | undefined> {
  for await (const page of pages) {
    const active = summaries(page)?.find((summary) => summary.status === 'ACTIVE');
    if (active) return active;
  }
  return undefined;
}

/** The newest ACTIVE solution version, campaign and event tracker of the stack's solution and dataset group. */
export async function readLocalState(where: Where): Promise<LocalState> {
  const client = new PersonalizeClient({
    endpoint: where.endpoint,
    region: where.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  try {
    const { solutionArn, datasetGroupArn } = where;
    const version = await firstActive(
      paginateListSolutionVersions({ client }, { solutionArn }),
      (page) => page.solutionVersions,
    );
    const campaign = await firstActive(
      paginateListCampaigns({ client }, { solutionArn }),
      (page) => page.campaigns,
    );
    const tracker = await firstActive(
      paginateListEventTrackers({ client }, { datasetGroupArn }),
      (page) => page.eventTrackers,
    );
    const described = tracker?.eventTrackerArn
      ? await client.send(new DescribeEventTrackerCommand({ eventTrackerArn: tracker.eventTrackerArn }))
      : undefined;
    return {
      solutionVersionArn: version?.solutionVersionArn,
      campaignArn: campaign?.campaignArn,
      eventTrackerArn: tracker?.eventTrackerArn,
      trackingId: described?.eventTracker?.trackingId,
    };
  } finally {
    client.destroy();
  }
}

/** A curl call of the API, as the banner prints it. */
function curl(base: string, apiKey: string, method: string, path: string, body?: object): string {
  const lines = [`  curl -s -X ${method} '${base}${path}' \\`, `    -H 'x-api-key: ${apiKey}'`];
  if (body) {
    lines[1] += ` -H 'Content-Type: application/json' \\`;
    lines.push(`    -d '${JSON.stringify(body)}'`);
  }
  return lines.join('\n');
}

/** What exists, then the one command that comes next in the walkthrough. */
export function nextStep(
  state: LocalState,
  base: string,
  apiKey: string,
  where: Omit<Where, 'endpoint' | 'region'>,
): string {
  const exists = [
    state.solutionVersionArn && `  Solution version  ${state.solutionVersionArn} (ACTIVE)`,
    state.campaignArn && `  Campaign          ${state.campaignArn} (ACTIVE)`,
    state.eventTrackerArn &&
      `  Event tracker     ${state.eventTrackerArn} (ACTIVE, tracking id ${state.trackingId})`,
  ].filter(Boolean);
  const held = exists.length ? `Kept from the last run:\n\n${exists.join('\n')}\n\n` : '';
  if (state.campaignArn && state.trackingId) {
    const query = `?campaignArn=${encodeURIComponent(state.campaignArn)}&userId=429&numResults=5`;
    return `${held}Ready for recommendations and events (walkthrough step 4):\n\n${curl(base, apiKey, 'GET', `/getRecommendations${query}`)}`;
  }
  if (state.campaignArn) {
    return `${held}Create the event tracker next (walkthrough step 3; one per dataset group):\n\n${curl(base, apiKey, 'POST', '/eventTracker', { name: 'tracker', datasetGroupArn: where.datasetGroupArn })}`;
  }
  if (state.solutionVersionArn) {
    return `${held}Deploy it as a campaign next (walkthrough step 2):\n\n${curl(base, apiKey, 'POST', '/campaign', { solutionVersionArn: state.solutionVersionArn, name: 'campaign' })}`;
  }
  return `${held}Train a solution version first (walkthrough step 1):\n\n${curl(base, apiKey, 'POST', '/solutionVersion', { solutionArn: where.solutionArn, version: 'v1' })}`;
}
