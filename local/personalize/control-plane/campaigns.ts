import { type EmulatorContext, resourceArn, timestamp } from '../context';
import { page } from '../pagination';
import { must, mustBeActive, mustBeNew, mustBeSettled, solutionOfVersion } from '../preconditions';
import type { CampaignRecord } from '../store';
import { optionalArn, optionalInteger, requiredName, type RequestBody } from '../validation';
import { initialTags } from './tags';
import { checkCampaignConfig } from '../exploration';

/** The model sets no upper bound on minProvisionedTPS (min 1, a 32-bit integer). */
const MAX_TPS = 2 ** 31 - 1;

export function createCampaign(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const version = must(ctx, 'solutionVersion', body, 'solutionVersionArn');
  const minProvisionedTPS = optionalInteger(body, 'minProvisionedTPS', 1, MAX_TPS) ?? 1;
  checkCampaignConfig(body['campaignConfig']);
  mustBeActive(version, 'Solution version');
  const arn = resourceArn(ctx, `campaign/${name}`);
  mustBeNew(ctx, arn, `Campaign ${name} already exists`);
  const tags = initialTags(body, arn);
  ctx.lifecycle.create<CampaignRecord>({
    kind: 'campaign',
    arn,
    name,
    solutionVersionArn: version.arn,
    minProvisionedTPS,
    campaignConfig: body['campaignConfig'] ?? undefined,
    ...(tags ? { tags } : {}),
    ...ctx.lifecycle.fresh(),
  });
  return { campaignArn: arn };
}

/** UPDATE PENDING → UPDATE IN_PROGRESS → ACTIVE, with the new settings applied at ACTIVE. */
export function updateCampaign(ctx: EmulatorContext, body: RequestBody): unknown {
  const campaign = must(ctx, 'campaign', body, 'campaignArn');
  const versionArn = optionalArn(body, 'solutionVersionArn');
  const version = versionArn ? must(ctx, 'solutionVersion', body, 'solutionVersionArn') : undefined;
  const minProvisionedTPS = optionalInteger(body, 'minProvisionedTPS', 1, MAX_TPS);
  checkCampaignConfig(body['campaignConfig']);
  mustBeActive(campaign, 'Campaign');
  if (version) mustBeActive(version, 'Solution version');
  const now = timestamp(ctx);
  const update = {
    solutionVersionArn: version?.arn ?? campaign.solutionVersionArn,
    minProvisionedTPS: minProvisionedTPS ?? campaign.minProvisionedTPS,
    campaignConfig: body['campaignConfig'] ?? campaign.campaignConfig,
    status: 'UPDATE PENDING',
    creationDateTime: now,
    lastUpdatedDateTime: now,
  };
  campaign.latestCampaignUpdate = update;
  const { lifecycle } = ctx;
  lifecycle.setStatus(campaign, 'UPDATE PENDING');
  // The campaign keeps serving its current version until the update is ACTIVE.
  lifecycle.afterStep(campaign, () => {
    lifecycle.setStatus(campaign, 'UPDATE IN_PROGRESS', update);
    lifecycle.afterStep(campaign, () => {
      campaign.solutionVersionArn = update.solutionVersionArn;
      campaign.minProvisionedTPS = update.minProvisionedTPS;
      campaign.campaignConfig = update.campaignConfig;
      lifecycle.setStatus(campaign, 'ACTIVE', update);
    });
  });
  return { campaignArn: campaign.arn };
}

export function describeCampaign(ctx: EmulatorContext, body: RequestBody): unknown {
  const r = must(ctx, 'campaign', body, 'campaignArn');
  return {
    campaign: {
      name: r.name,
      campaignArn: r.arn,
      solutionVersionArn: r.solutionVersionArn,
      minProvisionedTPS: r.minProvisionedTPS,
      campaignConfig: r.campaignConfig,
      status: r.status,
      failureReason: r.failureReason,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      latestCampaignUpdate: r.latestCampaignUpdate,
    },
  };
}

export function listCampaigns(ctx: EmulatorContext, body: RequestBody): unknown {
  const solution = optionalArn(body, 'solutionArn');
  return page(
    body,
    'campaigns',
    ctx.store.list('campaign', (r) => !solution || solutionOfVersion(ctx, r.solutionVersionArn) === solution),
    (r) => ({
      name: r.name,
      campaignArn: r.arn,
      status: r.status,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      failureReason: r.failureReason,
    }),
  );
}

export function deleteCampaign(ctx: EmulatorContext, body: RequestBody): unknown {
  const campaign = must(ctx, 'campaign', body, 'campaignArn');
  mustBeSettled(campaign);
  ctx.lifecycle.delete(campaign);
  return {};
}
