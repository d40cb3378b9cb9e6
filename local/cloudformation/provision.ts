/**
 * Provisions, through the real Personalize SDK client, what the stack's PersonalizeModel construct
 * declares, from the same definitions (lib/contract/personalize-schemas.ts): dataset group, both schemas, both
 * datasets with their import jobs, and the solution, whose automatic training is then turned off (or kept,
 * with a schedule) with UpdateSolution, as the stack does. Idempotent: what exists (by name) is reused, so
 * a restart with a state directory provisions nothing twice.
 */
import { setTimeout } from 'node:timers/promises';
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
  paginateListDatasetGroups,
  paginateListDatasetImportJobs,
  paginateListDatasets,
  paginateListSchemas,
  paginateListSolutions,
  PersonalizeClient,
  UpdateSolutionCommand,
  type Solution,
} from '@aws-sdk/client-personalize';
import { ensureFilter } from '../../lambda/shared/filters';
import { allItems } from '../../lambda/shared/personalize';
import {
  AVAILABLE_FILTER_NAME,
  DEFAULT_FILTERS,
  filterArnOf,
  retiringFilters,
  filterResourceName,
  validateFilterDefinitions,
  type FilterDefinition,
} from '../../lib/contract/personalize-filters';
import {
  INTERACTIONS_SCHEMA,
  ITEMS_SCHEMA,
  PersonalizeNames,
  RETIRABLE_ITEMS_SCHEMA,
  USERS_SCHEMA,
} from '../../lib/contract/personalize-schemas';

export interface ProvisionOptions {
  readonly names: PersonalizeNames;
  readonly recipeArn: string;
  /** `s3://bucket/key` of the interactions CSV (in local S3). */
  readonly interactionDataLocation: string;
  readonly itemDataLocation: string;
  /** The role Personalize assumes to read the bucket (the stack's import role). */
  readonly importRoleArn: string;
  /**
   * The stack's `autoTraining` context: false turns Personalize's automatic training off once the solution
   * is ACTIVE; a schedule (`rate(7 days)`) keeps it on with that schedule.
   * @default false
   */
  readonly autoTraining?: false | string;
  /** The filters the stack declares. @default DEFAULT_FILTERS */
  readonly filters?: readonly FilterDefinition[];
  /** The stack's `usersDataset` context: a Users dataset (no import job). @default false */
  readonly usersDataset?: boolean;
  /**
   * The stack's `retirableItems` context: the Items schema with AVAILABILITY, the filters with retired items left
   * out and `available` added (its ARN the default filter). `names` must be derived with that schema.
   * @default false
   */
  readonly retirableItems?: boolean;
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
  /** The Users dataset ('' without one) and the schemas the functions check properties against, as JSON. */
  readonly usersDatasetArn?: string;
  readonly itemsSchema?: string;
  readonly usersSchema?: string;
  /** The filter GET /getRecommendations applies when a request names none ('' for none). */
  readonly defaultFilterArn?: string;
  /** The declared filters, each with its ARN (absent where only the model's resources are named). */
  readonly filters?: readonly { readonly definition: FilterDefinition; readonly filterArn: string }[];
}

type Describe = () => Promise<{ status?: string; failureReason?: string }>;

/** The client and what every step needs. */
interface Provisioning {
  readonly personalize: PersonalizeClient;
  readonly options: ProvisionOptions;
  readonly log: (line: string) => void;
  readonly waitFor: (what: string, describe: Describe) => Promise<void>;
}

export async function provisionPersonalize(
  personalize: PersonalizeClient,
  options: ProvisionOptions,
): Promise<ProvisionedModel> {
  const { names } = options;
  const context: Provisioning = {
    personalize,
    options,
    log: options.log ?? (() => undefined),
    waitFor: (what, describe) =>
      waitUntilActive(what, describe, options.pollIntervalMs ?? 100, options.timeoutMs ?? 600_000),
  };
  const datasetGroupArn = await ensureDatasetGroup(context);
  const interactionsSchemaArn = await ensureSchema(context, names.interactionsSchema, INTERACTIONS_SCHEMA);
  const itemsSchema = options.retirableItems ? RETIRABLE_ITEMS_SCHEMA : ITEMS_SCHEMA;
  const itemsSchemaArn = await ensureSchema(context, names.itemsSchema, itemsSchema);
  const interactionsDatasetArn = await ensureDataset(context, datasetGroupArn, {
    datasetType: 'Interactions',
    name: names.interactionsDataset,
    schemaArn: interactionsSchemaArn,
  });
  await ensureImport(
    context,
    interactionsDatasetArn,
    names.interactionsImportJob,
    options.interactionDataLocation,
  );
  const itemsDatasetArn = await ensureDataset(context, datasetGroupArn, {
    datasetType: 'Items',
    name: names.itemsDataset,
    schemaArn: itemsSchemaArn,
  });
  await ensureImport(context, itemsDatasetArn, names.itemsImportJob, options.itemDataLocation);
  // As the stack: a Users dataset with no import job, filled by PutUsers.
  const usersDatasetArn = options.usersDataset
    ? await ensureDataset(context, datasetGroupArn, {
        datasetType: 'Users',
        name: names.usersDataset,
        schemaArn: await ensureSchema(context, names.usersSchema, USERS_SCHEMA),
      })
    : '';
  const solutionArn = await ensureSolution(context, datasetGroupArn);
  await configureAutoTraining(context, solutionArn, options.autoTraining ?? false);
  const declared = options.filters ?? DEFAULT_FILTERS;
  const filters = await ensureFilters(
    context,
    datasetGroupArn,
    options.retirableItems ? retiringFilters(declared) : declared,
  );
  return {
    datasetGroupArn,
    interactionsDatasetArn,
    itemsDatasetArn,
    solutionArn,
    usersDatasetArn,
    itemsSchema: JSON.stringify(itemsSchema),
    usersSchema: options.usersDataset ? JSON.stringify(USERS_SCHEMA) : '',
    defaultFilterArn:
      filters?.find((filter) => filter.definition.name === AVAILABLE_FILTER_NAME)?.filterArn ?? '',
    filters,
  };
}

/**
 * The declared filters, with the steps the stack's filter custom resource runs (lambda/shared/filters.ts):
 * created unless they exist, then ACTIVE.
 */
async function ensureFilters(
  { personalize, options, log }: Provisioning,
  datasetGroupArn: string,
  definitions: readonly FilterDefinition[],
): Promise<ProvisionedModel['filters']> {
  validateFilterDefinitions(definitions);
  const filters: { definition: FilterDefinition; filterArn: string }[] = [];
  for (const definition of definitions) {
    const name = filterResourceName(options.names, definition);
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let announced = false;
    while (!(await ensureFilter(personalize, { datasetGroupArn, name, expression: definition.expression }))) {
      if (!announced) log(`Creating filter ${definition.name} (${name})`);
      announced = true;
      if (Date.now() > deadline) throw new Error(`Filter ${name} did not become ACTIVE in time`);
      await setTimeout(options.pollIntervalMs ?? 100);
    }
    filters.push({ definition, filterArn: filterArnOf(datasetGroupArn, name) });
  }
  return filters;
}

async function ensureDatasetGroup({ personalize, options, log, waitFor }: Provisioning): Promise<string> {
  const name = options.names.datasetGroup;
  const groups = await allItems(
    paginateListDatasetGroups({ client: personalize }, {}),
    (page) => page.datasetGroups,
  );
  let arn = groups.find((group) => group.name === name)?.datasetGroupArn;
  if (!arn) {
    log(`Creating dataset group ${name}`);
    arn = (await personalize.send(new CreateDatasetGroupCommand({ name }))).datasetGroupArn;
  }
  if (!arn) throw new Error('CreateDatasetGroup returned no ARN');
  const datasetGroupArn = arn;
  await waitFor(`dataset group ${name}`, async () => {
    const group = (await personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn }))).datasetGroup;
    return { status: group?.status, failureReason: group?.failureReason };
  });
  return datasetGroupArn;
}

async function ensureSchema(
  { personalize, log }: Provisioning,
  name: string,
  definition: unknown,
): Promise<string> {
  const schemas = await allItems(paginateListSchemas({ client: personalize }, {}), (page) => page.schemas);
  const existing = schemas.find((schema) => schema.name === name)?.schemaArn;
  if (existing) return existing;
  log(`Creating schema ${name}`);
  const created = await personalize.send(
    new CreateSchemaCommand({ name, schema: JSON.stringify(definition) }),
  );
  if (!created.schemaArn) throw new Error(`CreateSchema ${name} returned no ARN`);
  return created.schemaArn;
}

async function ensureDataset(
  { personalize, log, waitFor }: Provisioning,
  datasetGroupArn: string,
  dataset: { datasetType: 'Interactions' | 'Items' | 'Users'; name: string; schemaArn: string },
): Promise<string> {
  const datasets = await allItems(
    paginateListDatasets({ client: personalize }, { datasetGroupArn }),
    (page) => page.datasets,
  );
  let arn = datasets.find(
    (existing) => existing.datasetType?.toLowerCase() === dataset.datasetType.toLowerCase(),
  )?.datasetArn;
  if (!arn) {
    log(`Creating dataset ${dataset.name}`);
    arn = (await personalize.send(new CreateDatasetCommand({ ...dataset, datasetGroupArn }))).datasetArn;
  }
  if (!arn) throw new Error(`CreateDataset ${dataset.name} returned no ARN`);
  const datasetArn = arn;
  await waitFor(`dataset ${dataset.name}`, async () => {
    const described = (await personalize.send(new DescribeDatasetCommand({ datasetArn }))).dataset;
    return { status: described?.status };
  });
  return datasetArn;
}

/**
 * Imports the location unless a job already did: the newest job that imported this very location is reused;
 * a new location (the user's own CSVs on a later start) gets a new job that replaces the data (FULL import),
 * named after the stack's job.
 */
async function ensureImport(
  { personalize, options, log, waitFor }: Provisioning,
  datasetArn: string,
  jobName: string,
  dataLocation: string,
): Promise<void> {
  const jobs = await allItems(
    paginateListDatasetImportJobs({ client: personalize }, { datasetArn }),
    (page) => page.datasetImportJobs,
  );
  const described = await Promise.all(
    jobs.map(
      async ({ datasetImportJobArn }) =>
        (await personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn })))
          .datasetImportJob,
    ),
  );
  const usable = described
    .filter((job) => job?.dataSource?.dataLocation === dataLocation && !job.status?.includes('FAILED'))
    .sort((a, b) => (b?.creationDateTime?.getTime() ?? 0) - (a?.creationDateTime?.getTime() ?? 0))[0];
  let arn = usable?.datasetImportJobArn;
  if (!arn) {
    const taken = new Set(jobs.map((job) => job.jobName));
    let name = jobName;
    for (let n = 2; taken.has(name); n += 1) name = `${jobName}-${n}`;
    log(`Importing ${dataLocation} (${name})`);
    const input = { jobName: name, datasetArn, dataSource: { dataLocation }, roleArn: options.importRoleArn };
    arn = (await personalize.send(new CreateDatasetImportJobCommand({ ...input, importMode: 'FULL' })))
      .datasetImportJobArn;
  }
  if (!arn) throw new Error(`CreateDatasetImportJob ${jobName} returned no ARN`);
  const datasetImportJobArn = arn;
  await waitFor(`import job ${jobName} (${dataLocation})`, async () => {
    const job = (await personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn })))
      .datasetImportJob;
    return { status: job?.status, failureReason: job?.failureReason };
  });
}

async function ensureSolution(
  { personalize, options, log, waitFor }: Provisioning,
  datasetGroupArn: string,
): Promise<string> {
  const name = options.names.solution;
  const solutions = await allItems(
    paginateListSolutions({ client: personalize }, { datasetGroupArn }),
    (page) => page.solutions,
  );
  let arn = solutions.find((solution) => solution.name === name)?.solutionArn;
  if (!arn) {
    log(`Creating solution ${name} (${options.recipeArn})`);
    arn = (
      await personalize.send(
        new CreateSolutionCommand({ name, datasetGroupArn, recipeArn: options.recipeArn }),
      )
    ).solutionArn;
  }
  if (!arn) throw new Error('CreateSolution returned no ARN');
  const solutionArn = arn;
  await waitFor(`solution ${name}`, async () => ({
    status: (await describeSolution(personalize, solutionArn))?.status,
  }));
  return solutionArn;
}

/**
 * As the stack: once the solution is ACTIVE, UpdateSolution turns automatic training off (a new solution
 * trains, and bills, every 7 days by default), or keeps it on with the given schedule; then waits for the
 * update (`latestSolutionUpdate`) to be ACTIVE. Nothing is updated when the solution already is as wanted.
 */
async function configureAutoTraining(
  { personalize, options, log, waitFor }: Provisioning,
  solutionArn: string,
  autoTraining: false | string,
): Promise<void> {
  const what = `the update of solution ${options.names.solution}`;
  const latestUpdate = async () => {
    const update = (await describeSolution(personalize, solutionArn))?.latestSolutionUpdate;
    return { status: update?.status, failureReason: update?.failureReason };
  };
  const before = await describeSolution(personalize, solutionArn);
  // An update left in progress (a restart during provisioning) must settle before another is accepted.
  const pending = before?.latestSolutionUpdate?.status;
  if (pending && !pending.includes('FAILED') && pending !== 'ACTIVE') await waitFor(what, latestUpdate);
  if (autoTrainingIs(await describeSolution(personalize, solutionArn), autoTraining)) return;
  log(
    autoTraining === false
      ? `Turning automatic training off for solution ${options.names.solution}`
      : `Scheduling automatic training ${autoTraining} for solution ${options.names.solution}`,
  );
  await personalize.send(
    new UpdateSolutionCommand(
      autoTraining === false
        ? { solutionArn, performAutoTraining: false }
        : {
            solutionArn,
            performAutoTraining: true,
            solutionUpdateConfig: { autoTrainingConfig: { schedulingExpression: autoTraining } },
          },
    ),
  );
  await waitFor(what, latestUpdate);
}

function autoTrainingIs(solution: Solution | undefined, autoTraining: false | string): boolean {
  if (autoTraining === false) return solution?.performAutoTraining === false;
  return (
    solution?.performAutoTraining === true &&
    solution.solutionConfig?.autoTrainingConfig?.schedulingExpression === autoTraining
  );
}

async function describeSolution(
  personalize: PersonalizeClient,
  solutionArn: string,
): Promise<Solution | undefined> {
  return (await personalize.send(new DescribeSolutionCommand({ solutionArn }))).solution;
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
    await setTimeout(pollIntervalMs);
  }
}
