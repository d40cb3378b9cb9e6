/**
 * Provisions, through the real Personalize SDK client, what the stack's PersonalizeModel construct
 * declares, from the same definitions (lib/personalize-schemas.ts): dataset group, both schemas, both
 * datasets with their import jobs, and the solution. Idempotent: what exists (by name) is reused, so a
 * restart with a state directory provisions nothing twice.
 */
import {
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeSolutionCommand,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListSchemasCommand,
  ListSolutionsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { INTERACTIONS_SCHEMA, ITEMS_SCHEMA, PersonalizeNames } from '../lib/personalize-schemas';

export interface ProvisionOptions {
  readonly names: PersonalizeNames;
  readonly recipeArn: string;
  /** `s3://bucket/key` of the interactions CSV (in local S3). */
  readonly interactionDataLocation: string;
  readonly itemDataLocation: string;
  /** The role Personalize assumes to read the bucket (the stack's import role). */
  readonly importRoleArn: string;
  /** @default 100 */
  readonly pollIntervalMs?: number;
  /** @default 600000 */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface ProvisionedModel {
  readonly datasetGroupArn: string;
  readonly interactionsDatasetArn: string;
  readonly itemsDatasetArn: string;
  readonly solutionArn: string;
}

export async function provisionPersonalize(
  personalize: PersonalizeClient,
  options: ProvisionOptions,
): Promise<ProvisionedModel> {
  const { names } = options;
  const log = options.log ?? (() => undefined);
  const waitFor = (what: string, describe: () => Promise<{ status?: string; failureReason?: string }>) =>
    waitUntilActive(what, describe, options.pollIntervalMs ?? 100, options.timeoutMs ?? 600_000);

  const groups = await listAll(
    (token) => personalize.send(new ListDatasetGroupsCommand({ nextToken: token })),
    'datasetGroups',
  );
  let datasetGroupArn = groups.find((group) => group.name === names.datasetGroup)?.datasetGroupArn;
  if (!datasetGroupArn) {
    log(`Creating dataset group ${names.datasetGroup}`);
    datasetGroupArn = (await personalize.send(new CreateDatasetGroupCommand({ name: names.datasetGroup })))
      .datasetGroupArn;
  }
  if (!datasetGroupArn) throw new Error('CreateDatasetGroup returned no ARN');
  const groupArn = datasetGroupArn;
  await waitFor(`dataset group ${names.datasetGroup}`, async () => {
    const group = (await personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: groupArn })))
      .datasetGroup;
    return { status: group?.status, failureReason: group?.failureReason };
  });

  const schemas = await listAll(
    (token) => personalize.send(new ListSchemasCommand({ nextToken: token })),
    'schemas',
  );
  const ensureSchema = async (name: string, definition: unknown): Promise<string> => {
    const existing = schemas.find((schema) => schema.name === name)?.schemaArn;
    if (existing) return existing;
    log(`Creating schema ${name}`);
    const created = await personalize.send(
      new CreateSchemaCommand({ name, schema: JSON.stringify(definition) }),
    );
    if (!created.schemaArn) throw new Error(`CreateSchema ${name} returned no ARN`);
    return created.schemaArn;
  };
  const interactionsSchemaArn = await ensureSchema(names.interactionsSchema, INTERACTIONS_SCHEMA);
  const itemsSchemaArn = await ensureSchema(names.itemsSchema, ITEMS_SCHEMA);

  const datasets = await listAll(
    (token) => personalize.send(new ListDatasetsCommand({ datasetGroupArn: groupArn, nextToken: token })),
    'datasets',
  );
  const ensureDataset = async (
    datasetType: 'Interactions' | 'Items',
    name: string,
    schemaArn: string,
    jobName: string,
    dataLocation: string,
  ): Promise<string> => {
    let datasetArn = datasets.find(
      (dataset) => dataset.datasetType?.toLowerCase() === datasetType.toLowerCase(),
    )?.datasetArn;
    if (!datasetArn) {
      log(`Creating dataset ${name}`);
      datasetArn = (
        await personalize.send(
          new CreateDatasetCommand({ name, schemaArn, datasetGroupArn: groupArn, datasetType }),
        )
      ).datasetArn;
    }
    if (!datasetArn) throw new Error(`CreateDataset ${name} returned no ARN`);
    const arn = datasetArn;
    await waitFor(`dataset ${name}`, async () => {
      const dataset = (await personalize.send(new DescribeDatasetCommand({ datasetArn: arn }))).dataset;
      return { status: dataset?.status };
    });
    await ensureImport(arn, jobName, dataLocation);
    return arn;
  };
  const ensureImport = async (datasetArn: string, jobName: string, dataLocation: string): Promise<void> => {
    const jobs = await listAll(
      (token) => personalize.send(new ListDatasetImportJobsCommand({ datasetArn, nextToken: token })),
      'datasetImportJobs',
    );
    // Reuse the newest job that imported this very location; a new location (the user's own CSVs on a
    // later start) gets a new job that replaces the data (FULL import), named after the stack's job.
    const described = await Promise.all(
      jobs.map(
        async (job) =>
          (
            await personalize.send(
              new DescribeDatasetImportJobCommand({ datasetImportJobArn: job.datasetImportJobArn }),
            )
          ).datasetImportJob,
      ),
    );
    const usable = described
      .filter((job) => job?.dataSource?.dataLocation === dataLocation && !job.status?.includes('FAILED'))
      .sort((a, b) => (b?.creationDateTime?.getTime() ?? 0) - (a?.creationDateTime?.getTime() ?? 0))[0];
    let jobArn = usable?.datasetImportJobArn;
    if (!jobArn) {
      const taken = new Set(jobs.map((job) => job.jobName));
      let name = jobName;
      for (let n = 2; taken.has(name); n += 1) name = `${jobName}-${n}`;
      log(`Importing ${dataLocation} (${name})`);
      jobArn = (
        await personalize.send(
          new CreateDatasetImportJobCommand({
            jobName: name,
            datasetArn,
            dataSource: { dataLocation },
            roleArn: options.importRoleArn,
            importMode: 'FULL',
          }),
        )
      ).datasetImportJobArn;
    }
    if (!jobArn) throw new Error(`CreateDatasetImportJob ${jobName} returned no ARN`);
    const arn = jobArn;
    await waitFor(`import job ${jobName} (${dataLocation})`, async () => {
      const job = (await personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: arn })))
        .datasetImportJob;
      return { status: job?.status, failureReason: job?.failureReason };
    });
  };
  const interactionsDatasetArn = await ensureDataset(
    'Interactions',
    names.interactionsDataset,
    interactionsSchemaArn,
    names.interactionsImportJob,
    options.interactionDataLocation,
  );
  const itemsDatasetArn = await ensureDataset(
    'Items',
    names.itemsDataset,
    itemsSchemaArn,
    names.itemsImportJob,
    options.itemDataLocation,
  );

  const solutions = await listAll(
    (token) => personalize.send(new ListSolutionsCommand({ datasetGroupArn: groupArn, nextToken: token })),
    'solutions',
  );
  let solutionArn = solutions.find((solution) => solution.name === names.solution)?.solutionArn;
  if (!solutionArn) {
    log(`Creating solution ${names.solution} (${options.recipeArn})`);
    solutionArn = (
      await personalize.send(
        new CreateSolutionCommand({
          name: names.solution,
          datasetGroupArn: groupArn,
          recipeArn: options.recipeArn,
        }),
      )
    ).solutionArn;
  }
  if (!solutionArn) throw new Error('CreateSolution returned no ARN');
  const solution = solutionArn;
  await waitFor(`solution ${names.solution}`, async () => {
    const described = (await personalize.send(new DescribeSolutionCommand({ solutionArn: solution })))
      .solution;
    return { status: described?.status };
  });

  return { datasetGroupArn: groupArn, interactionsDatasetArn, itemsDatasetArn, solutionArn: solution };
}

async function waitUntilActive(
  what: string,
  describe: () => Promise<{ status?: string; failureReason?: string }>,
  pollIntervalMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, failureReason } = await describe();
    if (status === 'ACTIVE') return;
    if (status?.includes('FAILED'))
      throw new Error(`${what} is ${status}: ${failureReason ?? 'no reason given'}`);
    if (Date.now() > deadline)
      throw new Error(`${what} is still ${status ?? 'unknown'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** Every page of a List operation. */
async function listAll<K extends string, T>(
  page: (nextToken: string | undefined) => Promise<{ nextToken?: string } & { [key in K]?: T[] }>,
  key: K,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const output = await page(token);
    all.push(...(output[key] ?? []));
    token = output.nextToken;
  } while (token);
  return all;
}
