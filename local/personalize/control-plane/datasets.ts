import { type EmulatorContext, resourceArn } from '../context';
import { inUse, invalidInput } from '../errors';
import { isSettled } from '../lifecycle';
import { page } from '../pagination';
import { must, mustBeActive, mustBeNew, mustBeSettled } from '../preconditions';
import type { DatasetRecord, DatasetType } from '../store';
import { optionalArn, requiredName, requiredString, type RequestBody } from '../validation';
import { initialTags } from './tags';

const DATASET_TYPES: readonly DatasetType[] = ['Interactions', 'Items', 'Users'];
/** Fields the service requires in a dataset's schema, by dataset type. */
const REQUIRED_FIELDS: Record<DatasetType, readonly string[]> = {
  Interactions: ['USER_ID', 'ITEM_ID', 'TIMESTAMP'],
  Items: ['ITEM_ID'],
  Users: ['USER_ID'],
};

export function createDataset(ctx: EmulatorContext, body: RequestBody): unknown {
  const name = requiredName(body);
  const schema = must(ctx, 'schema', body, 'schemaArn');
  const group = must(ctx, 'datasetGroup', body, 'datasetGroupArn');
  const typeValue = requiredString(body, 'datasetType', { max: 256 });
  const datasetType = DATASET_TYPES.find((t) => t.toLowerCase() === typeValue.toLowerCase());
  if (!datasetType) {
    throw invalidInput(`Invalid datasetType ${typeValue}: expected one of ${DATASET_TYPES.join(', ')}`);
  }
  mustBeActive(group, 'Dataset group');
  const missing = REQUIRED_FIELDS[datasetType].filter((f) => !schema.fields.some((s) => s.name === f));
  if (missing.length > 0) {
    throw invalidInput(
      `Schema ${schema.arn} cannot be used for a ${datasetType} dataset: missing field(s) ${missing.join(', ')}`,
    );
  }
  const arn = resourceArn(ctx, `dataset/${group.name}/${datasetType.toUpperCase()}`);
  mustBeNew(ctx, arn, `Dataset group ${group.name} already has a ${datasetType} dataset`);
  const tags = initialTags(body, arn);
  ctx.lifecycle.create<DatasetRecord>({
    kind: 'dataset',
    arn,
    name,
    datasetGroupArn: group.arn,
    datasetType,
    schemaArn: schema.arn,
    ...(tags ? { tags } : {}),
    ...ctx.lifecycle.fresh(),
  });
  return { datasetArn: arn };
}

export function describeDataset(ctx: EmulatorContext, body: RequestBody): unknown {
  return { dataset: datasetDescription(ctx, must(ctx, 'dataset', body, 'datasetArn')) };
}

export function listDatasets(ctx: EmulatorContext, body: RequestBody): unknown {
  const group = optionalArn(body, 'datasetGroupArn');
  return page(
    body,
    'datasets',
    ctx.store.list('dataset', (r) => !group || r.datasetGroupArn === group),
    (r) => {
      const { datasetGroupArn: _g, schemaArn: _s, trackingId: _t, ...summary } = datasetDescription(ctx, r);
      return summary;
    },
  );
}

export function deleteDataset(ctx: EmulatorContext, body: RequestBody): unknown {
  const dataset = must(ctx, 'dataset', body, 'datasetArn');
  mustBeSettled(dataset);
  const running = ctx.store.list(
    'datasetImportJob',
    (j) => j.datasetArn === dataset.arn && !isSettled(j.status),
  );
  if (running.length > 0)
    throw inUse(`Cannot delete dataset ${dataset.arn}: import job ${running[0]?.arn} is in progress`);
  ctx.lifecycle.delete(dataset, () => {
    for (const job of ctx.store.list('datasetImportJob', (j) => j.datasetArn === dataset.arn))
      ctx.store.remove(job.arn);
  });
  return {};
}

function datasetDescription(ctx: EmulatorContext, r: DatasetRecord) {
  const tracker =
    r.datasetType === 'Interactions'
      ? ctx.store.list('eventTracker', (t) => t.datasetGroupArn === r.datasetGroupArn)[0]
      : undefined;
  return {
    name: r.name,
    datasetArn: r.arn,
    datasetGroupArn: r.datasetGroupArn,
    datasetType: r.datasetType,
    schemaArn: r.schemaArn,
    status: r.status,
    creationDateTime: r.creationDateTime,
    lastUpdatedDateTime: r.lastUpdatedDateTime,
    trackingId: tracker?.trackingId,
  };
}
