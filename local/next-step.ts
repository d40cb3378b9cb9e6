/**
 * What a restarted local mode already holds (an ACTIVE solution version, campaign, event tracker) and the
 * walkthrough step that comes next, for `npm start`'s banner: a restart on kept state should not tell the
 * user to train again when a campaign is already serving.
 */
import type { StackStatus } from '../lambda/shared/status';

export interface LocalState {
  readonly solutionVersionArn?: string;
  readonly campaignArn?: string;
  readonly eventTrackerArn?: string;
  readonly trackingId?: string;
}

/** The resources the banner's commands name. */
interface Where {
  readonly solutionArn: string;
  readonly datasetGroupArn: string;
}

/**
 * The newest ACTIVE solution version, campaign and event tracker, as the stack's own `GET /status` lists them
 * (newest first), read through local mode's API with its key.
 */
export async function readLocalState(apiUrl: string, apiKey: string): Promise<LocalState> {
  const response = await fetch(`${apiUrl.replace(/\/$/, '')}/status`, { headers: { 'x-api-key': apiKey } });
  if (!response.ok) throw new Error(`GET /status answered ${response.status}: ${await response.text()}`);
  const status = (await response.json()) as StackStatus;
  const active = <T extends { status: string }>(list: readonly T[]) =>
    list.find((item) => item.status === 'ACTIVE');
  const tracker = active(status.eventTrackers);
  return {
    solutionVersionArn: active(status.solutionVersions)?.solutionVersionArn,
    campaignArn: active(status.campaigns)?.campaignArn,
    eventTrackerArn: tracker?.eventTrackerArn,
    trackingId: tracker?.trackingId,
  };
}

/** The shortcut through steps 1 to 3, offered while they are still to do. */
const ONE_COMMAND =
  "Or steps 1 to 3 in one go: the demo page's Provision now button, or Ctrl-C and npm start -- --provision (a\nsolution version, a campaign and the event tracker, each ACTIVE before the next; their ARNs and tracking id\ngo to the outputs file).";

/** A curl call of the API, as the banner prints it. */
function curl(base: string, apiKey: string, method: string, path: string, body?: object): string {
  const lines = [`  curl -s -X ${method} '${base}${path}' \\`, `    -H 'x-api-key: ${apiKey}'`];
  if (body) {
    lines[1] += ` -H 'Content-Type: application/json' \\`;
    lines.push(`    -d '${JSON.stringify(body)}'`);
  }
  return lines.join('\n');
}

/**
 * Where what exists came from: kept from an earlier run, or provisioned by this start's `--provision` (which
 * reuses what it finds, so a first start does not call it "kept").
 */
export type Held = 'kept' | 'provisioned';

const HEADINGS: Record<Held, string> = {
  kept: 'Kept from the last run',
  provisioned: 'Provisioned (--provision)',
};

/** What exists, then the one command that comes next in the walkthrough. */
export function nextStep(
  state: LocalState,
  base: string,
  apiKey: string,
  where: Where,
  heldFrom: Held = 'kept',
): string {
  const exists = [
    state.solutionVersionArn && `  Solution version  ${state.solutionVersionArn} (ACTIVE)`,
    state.campaignArn && `  Campaign          ${state.campaignArn} (ACTIVE)`,
    state.eventTrackerArn &&
      `  Event tracker     ${state.eventTrackerArn} (ACTIVE, tracking id ${state.trackingId})`,
  ].filter(Boolean);
  const held = exists.length ? `${HEADINGS[heldFrom]}:\n\n${exists.join('\n')}\n\n` : '';
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
  return `${held}Train a solution version first (walkthrough step 1):\n\n${curl(base, apiKey, 'POST', '/solutionVersion', { solutionArn: where.solutionArn, version: 'v1' })}\n\n${ONE_COMMAND}`;
}
