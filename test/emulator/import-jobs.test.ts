import {
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateSchemaCommand,
  DescribeDatasetImportJobCommand,
  ResourceInUseException,
} from '@aws-sdk/client-personalize';
import { INTERACTIONS_SCHEMA, ITEMS_SCHEMA } from '../../lib/contract/personalize-schemas';
import { settle, startHarness, writeS3Object, type Harness } from './harness';

describe('Personalize emulator dataset import jobs (S3 is a local directory)', () => {
  let h: Harness;
  let interactionsDatasetArn: string;
  let itemsDatasetArn: string;
  let jobCount = 0;

  beforeAll(async () => {
    h = await startHarness({ keepState: false });
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'imports' }),
    );
    await settle(h, 'datasetGroup', datasetGroupArn);
    const { schemaArn: interactionsSchema } = await h.personalize.send(
      new CreateSchemaCommand({ name: 'imports-interactions', schema: JSON.stringify(INTERACTIONS_SCHEMA) }),
    );
    const { schemaArn: itemsSchema } = await h.personalize.send(
      new CreateSchemaCommand({ name: 'imports-items', schema: JSON.stringify(ITEMS_SCHEMA) }),
    );
    interactionsDatasetArn =
      (
        await h.personalize.send(
          new CreateDatasetCommand({
            name: 'i',
            datasetGroupArn,
            datasetType: 'Interactions',
            schemaArn: interactionsSchema,
          }),
        )
      ).datasetArn ?? '';
    itemsDatasetArn =
      (
        await h.personalize.send(
          new CreateDatasetCommand({
            name: 'it',
            datasetGroupArn,
            datasetType: 'Items',
            schemaArn: itemsSchema,
          }),
        )
      ).datasetArn ?? '';
    await settle(h, 'dataset', interactionsDatasetArn);
    await settle(h, 'dataset', itemsDatasetArn);
  });
  afterAll(() => h.close());

  async function runImport(datasetArn: string, dataLocation: string) {
    const { datasetImportJobArn = '' } = await h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: `job-${++jobCount}`,
        datasetArn,
        dataSource: { dataLocation },
      }),
    );
    await settle(h, 'importJob', datasetImportJobArn);
    return (await h.personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn })))
      .datasetImportJob;
  }

  test('imports a CSV file whose header matches the schema', async () => {
    const location = writeS3Object(
      h,
      'ok/interactions.csv',
      'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,watch,1700000000\nu2,i2,click,1700000100\n',
    );
    const job = await runImport(interactionsDatasetArn, location);
    expect(job).toMatchObject({
      status: 'ACTIVE',
      dataSource: { dataLocation: location },
      importMode: 'FULL',
    });
    expect(job?.jobName).toBe(`job-${jobCount}`);
  });

  test('a folder prefix imports every CSV in it', async () => {
    writeS3Object(h, 'folder/part-1.csv', 'ITEM_ID,GENRE,YEAR\ni1,Action|Comedy,1999\n');
    writeS3Object(h, 'folder/part-2.csv', 'ITEM_ID,GENRE,YEAR\ni2,,2001\n');
    const job = await runImport(itemsDatasetArn, 's3://test-bucket/folder/');
    expect(job?.status).toBe('ACTIVE');
  });

  test('a header column that is not in the schema fails the job, naming the column, line 1 and the expected columns', async () => {
    const location = writeS3Object(
      h,
      'bad-header.csv',
      'USER_ID,ITEM_ID,EVENT_TYPE,WHEN\nu1,i1,watch,1700000000\n',
    );
    const job = await runImport(interactionsDatasetArn, location);
    expect(job?.status).toBe('CREATE FAILED');
    expect(job?.failureReason).toMatch(/line 1: column WHEN is not a field/);
    expect(job?.failureReason).toContain('(expected columns: USER_ID, ITEM_ID, EVENT_TYPE, TIMESTAMP)');
  });

  test('a required column missing from the header fails the job, with the expected columns', async () => {
    const location = writeS3Object(h, 'missing-column.csv', 'USER_ID,ITEM_ID,EVENT_TYPE\nu1,i1,watch\n');
    const job = await runImport(interactionsDatasetArn, location);
    expect(job?.failureReason).toMatch(/required column\(s\) TIMESTAMP missing/);
    expect(job?.failureReason).toContain('(expected columns: USER_ID, ITEM_ID, EVENT_TYPE, TIMESTAMP)');
  });

  test("an items file with a wrong header names the items schema's columns, optional ones marked", async () => {
    const location = writeS3Object(h, 'items-bad-header.csv', 'id,GENRE,YEAR\ni1,Action,1999\n');
    const job = await runImport(itemsDatasetArn, location);
    expect(job?.failureReason).toContain(
      "column id is not a field of the dataset's schema (expected columns: ITEM_ID, GENRE (optional), YEAR)",
    );
  });

  test('a value of the wrong type fails the job, naming the line and the column', async () => {
    const location = writeS3Object(
      h,
      'bad-value.csv',
      'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,watch,1700000000\nu2,i2,watch,1700000001\nu3,i3,watch,yesterday\n',
    );
    const job = await runImport(interactionsDatasetArn, location);
    expect(job?.status).toBe('CREATE FAILED');
    expect(job?.failureReason).toMatch(/line 4, column TIMESTAMP: "yesterday" is not a long/);
  });

  test('a row with the wrong number of columns fails the job, naming the line', async () => {
    const location = writeS3Object(h, 'short-row.csv', 'ITEM_ID,GENRE,YEAR\ni1,Drama,1999\ni2\n');
    const job = await runImport(itemsDatasetArn, location);
    expect(job?.failureReason).toMatch(/line 3: expected 3 columns, found 1/);
  });

  test('a location with no object fails the job, naming the location', async () => {
    const job = await runImport(interactionsDatasetArn, 's3://test-bucket/nothing-here.csv');
    expect(job?.status).toBe('CREATE FAILED');
    expect(job?.failureReason).toMatch(/s3:\/\/test-bucket\/nothing-here.csv/);
  });

  test('a dataset takes one import job at a time (ResourceInUseException)', async () => {
    const location = writeS3Object(
      h,
      'again.csv',
      'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,watch,1700000000\n',
    );
    const { datasetImportJobArn = '' } = await h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: 'busy-1',
        datasetArn: interactionsDatasetArn,
        dataSource: { dataLocation: location },
      }),
    );
    await expect(
      h.personalize.send(
        new CreateDatasetImportJobCommand({
          jobName: 'busy-2',
          datasetArn: interactionsDatasetArn,
          dataSource: { dataLocation: location },
        }),
      ),
    ).rejects.toThrow(ResourceInUseException);
    await settle(h, 'importJob', datasetImportJobArn);
  });
});
