import { type EmulatorContext, resourceArn } from '../context';
import { ImportFailure, readDatasetCsv, resolveDataLocation } from '../csv-import';
import { initialTags } from './tags';
import { inUse } from '../errors';
import { isSettled } from '../lifecycle';
import { page } from '../pagination';
import { must, mustBeActive, mustBeNew } from '../preconditions';
import type { DatasetImportJobRecord } from '../store';
import {
  asBody,
  optionalArn,
  optionalEnum,
  optionalString,
  requiredName,
  requiredString,
  type RequestBody,
} from '../validation';

export function createDatasetImportJob(ctx: EmulatorContext, body: RequestBody): unknown {
  const jobName = requiredName(body, 'jobName');
  const dataset = must(ctx, 'dataset', body, 'datasetArn');
  const dataSource = asBody(body['dataSource'] ?? {}, 'dataSource');
  // The model admits s3://, http:// and https:// locations; the emulator reads only s3:// ones (from its
  // S3 directory), so a job given another fails with a reason saying so.
  const dataLocation = requiredString(dataSource, 'dataLocation', { max: 256 });
  const roleArn = optionalString(body, 'roleArn');
  const importMode = optionalEnum(body, 'importMode', ['FULL', 'INCREMENTAL']) ?? 'FULL';
  mustBeActive(dataset, 'Dataset');
  const running = ctx.store.list(
    'datasetImportJob',
    (j) => j.datasetArn === dataset.arn && !isSettled(j.status),
  );
  if (running.length > 0) {
    throw inUse(`Dataset ${dataset.arn} already has an import job in progress: ${running[0]?.arn}`);
  }
  const arn = resourceArn(ctx, `dataset-import-job/${jobName}`);
  mustBeNew(ctx, arn, `Dataset import job ${jobName} already exists`);
  const tags = initialTags(body, arn);
  const job: DatasetImportJobRecord = ctx.lifecycle.create<DatasetImportJobRecord>(
    {
      kind: 'datasetImportJob',
      arn,
      name: jobName,
      datasetArn: dataset.arn,
      dataLocation,
      roleArn,
      importMode,
      ...(tags ? { tags } : {}),
      ...ctx.lifecycle.fresh(),
    },
    { work: (): Promise<void> => runImport(ctx, job) },
  );
  return { datasetImportJobArn: arn };
}

/** The job's work while CREATE IN_PROGRESS: reads its files and stores the dataset's rows. */
export async function runImport(ctx: EmulatorContext, job: DatasetImportJobRecord): Promise<void> {
  const dataset = ctx.store.find('dataset', job.datasetArn);
  const schema = dataset && ctx.store.find('schema', dataset.schemaArn);
  if (!dataset || !schema) throw new ImportFailure(`Dataset ${job.datasetArn} no longer exists`);
  const rows = await readDatasetCsv(
    resolveDataLocation(ctx.options.s3Dir, job.dataLocation),
    dataset.datasetType,
    schema.fields,
  );
  const previous = ctx.store.rowsOf(dataset.arn);
  // Resumed after a restart that came between storing the rows and the job's ACTIVE: already applied.
  if (previous?.appliedJobs?.includes(job.arn)) return;
  rows.appliedJobs = [job.arn];
  if (job.importMode === 'INCREMENTAL' && previous) {
    rows.interactions = [...previous.interactions, ...rows.interactions];
    rows.items = [...previous.items, ...rows.items];
    rows.users = [...previous.users, ...rows.users];
    rows.appliedJobs = [...(previous.appliedJobs ?? []), job.arn];
  }
  if (!ctx.lifecycle.closed) ctx.store.setRows(dataset.arn, rows);
}

export function describeDatasetImportJob(ctx: EmulatorContext, body: RequestBody): unknown {
  return {
    datasetImportJob: importJobDescription(must(ctx, 'datasetImportJob', body, 'datasetImportJobArn')),
  };
}

export function listDatasetImportJobs(ctx: EmulatorContext, body: RequestBody): unknown {
  const dataset = optionalArn(body, 'datasetArn');
  return page(
    body,
    'datasetImportJobs',
    ctx.store.list('datasetImportJob', (r) => !dataset || r.datasetArn === dataset),
    (r) => {
      const { datasetArn: _d, dataSource: _s, roleArn: _r, ...summary } = importJobDescription(r);
      return summary;
    },
  );
}

function importJobDescription(r: DatasetImportJobRecord) {
  return {
    jobName: r.name,
    datasetImportJobArn: r.arn,
    datasetArn: r.datasetArn,
    dataSource: { dataLocation: r.dataLocation },
    roleArn: r.roleArn,
    status: r.status,
    creationDateTime: r.creationDateTime,
    lastUpdatedDateTime: r.lastUpdatedDateTime,
    failureReason: r.failureReason,
    importMode: r.importMode,
  };
}
