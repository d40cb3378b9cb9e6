import { type EmulatorContext, resourceArn } from '../context';
import { inUse } from '../errors';
import { page } from '../pagination';
import { must, mustBeNew, mustBeSettled } from '../preconditions';
import type { DatasetGroupRecord } from '../store';
import { optionalEnum, optionalString, requiredName, type RequestBody } from '../validation';
import { initialTags } from './tags';

export function createDatasetGroup(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const roleArn = optionalString(body, 'roleArn');
  const kmsKeyArn = optionalString(body, 'kmsKeyArn', { max: 2048 });
  const domain = optionalEnum(body, 'domain', ['ECOMMERCE', 'VIDEO_ON_DEMAND']);
  const arn = resourceArn(ctx, `dataset-group/${name}`);
  mustBeNew(ctx, arn, `Dataset group ${name} already exists`);
  const tags = initialTags(body, arn);
  ctx.lifecycle.create<DatasetGroupRecord>({
    kind: 'datasetGroup',
    arn,
    name,
    roleArn,
    kmsKeyArn,
    domain,
    ...(tags ? { tags } : {}),
    ...ctx.lifecycle.fresh(),
  });
  return { datasetGroupArn: arn, domain };
}

export function describeDatasetGroup(ctx: EmulatorContext, body: RequestBody): unknown {
  return { datasetGroup: datasetGroupDescription(must(ctx, 'datasetGroup', body, 'datasetGroupArn')) };
}

export function listDatasetGroups(ctx: EmulatorContext, body: RequestBody): unknown {
  return page(body, 'datasetGroups', ctx.store.list('datasetGroup'), datasetGroupDescription);
}

export function deleteDatasetGroup(ctx: EmulatorContext, body: RequestBody): unknown {
  const group = must(ctx, 'datasetGroup', body, 'datasetGroupArn');
  mustBeSettled(group);
  const children = [
    ...ctx.store.list('eventTracker', (r) => r.datasetGroupArn === group.arn),
    ...ctx.store.list('solution', (r) => r.datasetGroupArn === group.arn),
    ...ctx.store.list('dataset', (r) => r.datasetGroupArn === group.arn),
  ];
  if (children.length > 0) {
    throw inUse(
      `Cannot delete dataset group ${group.arn}: delete its event trackers, solutions and datasets first (still has ${children.map((c) => c.arn).join(', ')})`,
    );
  }
  // Filters are not among what must be deleted first: they go with their group.
  ctx.lifecycle.delete(group, () => {
    for (const filter of ctx.store.list('filter', (f) => f.datasetGroupArn === group.arn))
      ctx.store.remove(filter.arn);
  });
  return {};
}

function datasetGroupDescription(r: DatasetGroupRecord) {
  return {
    name: r.name,
    datasetGroupArn: r.arn,
    status: r.status,
    roleArn: r.roleArn,
    kmsKeyArn: r.kmsKeyArn,
    creationDateTime: r.creationDateTime,
    lastUpdatedDateTime: r.lastUpdatedDateTime,
    failureReason: r.failureReason,
    domain: r.domain,
  };
}
