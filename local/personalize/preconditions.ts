import type { EmulatorContext } from './context';
import { alreadyExists, inUse, notFound } from './errors';
import { isSettled } from './lifecycle';
import type { ResourceKind, ResourceRecord } from './store';
import { requiredArn, type RequestBody } from './validation';

const KIND_LABEL: Record<ResourceKind, string> = {
  datasetGroup: 'dataset group',
  schema: 'schema',
  dataset: 'dataset',
  datasetImportJob: 'dataset import job',
  solution: 'solution',
  solutionVersion: 'solution version',
  campaign: 'campaign',
  eventTracker: 'event tracker',
  filter: 'filter',
};

/** The resource of `kind` whose ARN is in the body's `field`, or ResourceNotFoundException. */
export function must<K extends ResourceKind>(
  ctx: EmulatorContext,
  kind: K,
  body: RequestBody,
  field: string,
) {
  const arn = requiredArn(body, field);
  const record = ctx.store.find(kind, arn);
  if (!record) throw notFound(`Could not find ${KIND_LABEL[kind]} ${arn}`);
  return record;
}

export function mustBeNew(ctx: EmulatorContext, arn: string, message: string): void {
  if (ctx.store.get(arn)) throw alreadyExists(message);
}

export function mustBeActive(record: ResourceRecord, label: string): void {
  if (record.status !== 'ACTIVE')
    throw inUse(`${label} ${record.arn} is not ACTIVE (status: ${record.status})`);
}

export function mustBeSettled(record: ResourceRecord): void {
  if (!isSettled(record.status)) throw inUse(`${KIND_LABEL[record.kind]} ${record.arn} is ${record.status}`);
}

export function solutionOfVersion(ctx: EmulatorContext, versionArn: string): string | undefined {
  return ctx.store.find('solutionVersion', versionArn)?.solutionArn;
}
