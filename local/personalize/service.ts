import { randomBytes, randomUUID } from 'node:crypto';
import { ImportFailure, readDatasetCsv, resolveDataLocation } from './csv-import';
import { alreadyExists, inUse, invalidInput, limitExceeded, notFound, PersonalizeError } from './errors';
import type {
  Interaction,
  Item,
  LiveContext,
  LoadModel,
  RecipeName,
  Train,
  TrainedModel,
} from './model/types';
import { RECIPE_DEFINITIONS, recipeArn, recipeByArn } from './recipes';
import type {
  CampaignRecord,
  DatasetGroupRecord,
  DatasetImportJobRecord,
  DatasetRecord,
  DatasetType,
  EmulatorStore,
  EventTrackerRecord,
  ResourceKind,
  ResourceRecord,
  SchemaField,
  SchemaRecord,
  SolutionRecord,
  SolutionVersionRecord,
} from './store';
import {
  asBody,
  optionalArn,
  optionalEnum,
  optionalInteger,
  optionalList,
  optionalString,
  requiredArn,
  requiredList,
  requiredName,
  requiredString,
  type RequestBody,
} from './validation';

/** The model module's functions (see model/types.ts); injectable so tests can swap the implementation. */
export interface ModelModule {
  readonly train: Train;
  readonly loadModel: LoadModel;
}

export interface ServiceOptions {
  readonly store: EmulatorStore;
  readonly models: ModelModule;
  readonly s3Dir: string;
  readonly region: string;
  readonly accountId: string;
  /** Time each status step takes (CREATE PENDING → CREATE IN_PROGRESS → ACTIVE, and deletes). */
  readonly transitionMs: number;
  readonly now: () => number;
}

const DATASET_TYPES: readonly DatasetType[] = ['Interactions', 'Items', 'Users'];
/** Fields the service requires in a dataset's schema, by dataset type. */
const REQUIRED_FIELDS: Record<DatasetType, readonly string[]> = {
  Interactions: ['USER_ID', 'ITEM_ID', 'TIMESTAMP'],
  Items: ['ITEM_ID'],
  Users: ['USER_ID'],
};
const MAX_RESULTS_LIMIT = 100;
const SCHEMA_MAX_LENGTH = 10000;

type Operation = (body: RequestBody) => unknown;

/**
 * Personalize's resources and rules: the control plane operations, their lifecycles, and the data the events
 * and runtime APIs read and write. Protocol framing lives in server.ts; this class only sees decoded bodies.
 */
export class PersonalizeService {
  private readonly store: EmulatorStore;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly loadedModels = new Map<string, TrainedModel>();
  private closed = false;

  constructor(private readonly options: ServiceOptions) {
    this.store = options.store;
    this.resumeLifecycles();
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The control plane, by operation name as it appears in `x-amz-target`. */
  readonly operations: Readonly<Record<string, Operation>> = {
    CreateDatasetGroup: (b) => this.createDatasetGroup(b),
    DescribeDatasetGroup: (b) => ({
      datasetGroup: this.describeDatasetGroup(this.must('datasetGroup', b, 'datasetGroupArn')),
    }),
    ListDatasetGroups: (b) =>
      this.page(b, 'datasetGroups', this.store.list('datasetGroup'), (r) => this.describeDatasetGroup(r)),
    DeleteDatasetGroup: (b) => this.deleteDatasetGroup(b),

    CreateSchema: (b) => this.createSchema(b),
    DescribeSchema: (b) => ({ schema: this.describeSchema(this.must('schema', b, 'schemaArn')) }),
    ListSchemas: (b) =>
      this.page(b, 'schemas', this.store.list('schema'), (r) => {
        const { schema: _definition, ...summary } = this.describeSchema(r);
        return summary;
      }),
    DeleteSchema: (b) => this.deleteSchema(b),

    CreateDataset: (b) => this.createDataset(b),
    DescribeDataset: (b) => ({ dataset: this.describeDataset(this.must('dataset', b, 'datasetArn')) }),
    ListDatasets: (b) => {
      const group = optionalArn(b, 'datasetGroupArn');
      return this.page(
        b,
        'datasets',
        this.store.list('dataset', (r) => !group || r.datasetGroupArn === group),
        (r) => {
          const { datasetGroupArn: _g, schemaArn: _s, trackingId: _t, ...summary } = this.describeDataset(r);
          return summary;
        },
      );
    },
    DeleteDataset: (b) => this.deleteDataset(b),

    CreateDatasetImportJob: (b) => this.createDatasetImportJob(b),
    DescribeDatasetImportJob: (b) => ({
      datasetImportJob: this.describeImportJob(this.must('datasetImportJob', b, 'datasetImportJobArn')),
    }),
    ListDatasetImportJobs: (b) => {
      const dataset = optionalArn(b, 'datasetArn');
      return this.page(
        b,
        'datasetImportJobs',
        this.store.list('datasetImportJob', (r) => !dataset || r.datasetArn === dataset),
        (r) => {
          const { datasetArn: _d, dataSource: _s, roleArn: _r, ...summary } = this.describeImportJob(r);
          return summary;
        },
      );
    },

    CreateSolution: (b) => this.createSolution(b),
    DescribeSolution: (b) => ({ solution: this.describeSolution(this.must('solution', b, 'solutionArn')) }),
    ListSolutions: (b) => {
      const group = optionalArn(b, 'datasetGroupArn');
      return this.page(
        b,
        'solutions',
        this.store.list('solution', (r) => !group || r.datasetGroupArn === group),
        (r) => ({
          name: r.name,
          solutionArn: r.arn,
          status: r.status,
          creationDateTime: r.creationDateTime,
          lastUpdatedDateTime: r.lastUpdatedDateTime,
          recipeArn: r.recipeArn,
        }),
      );
    },
    DeleteSolution: (b) => this.deleteSolution(b),

    CreateSolutionVersion: (b) => this.createSolutionVersion(b),
    DescribeSolutionVersion: (b) => ({
      solutionVersion: this.describeSolutionVersion(this.must('solutionVersion', b, 'solutionVersionArn')),
    }),
    ListSolutionVersions: (b) => {
      const solution = optionalArn(b, 'solutionArn');
      if (solution) this.must('solution', b, 'solutionArn');
      return this.page(
        b,
        'solutionVersions',
        this.store.list('solutionVersion', (r) => !solution || r.solutionArn === solution),
        (r) => ({
          solutionVersionArn: r.arn,
          status: r.status,
          trainingMode: r.trainingMode,
          trainingType: 'MANUAL',
          creationDateTime: r.creationDateTime,
          lastUpdatedDateTime: r.lastUpdatedDateTime,
          failureReason: r.failureReason,
        }),
      );
    },
    GetSolutionMetrics: (b) => this.getSolutionMetrics(b),

    CreateCampaign: (b) => this.createCampaign(b),
    DescribeCampaign: (b) => ({ campaign: this.describeCampaign(this.must('campaign', b, 'campaignArn')) }),
    ListCampaigns: (b) => {
      const solution = optionalArn(b, 'solutionArn');
      return this.page(
        b,
        'campaigns',
        this.store.list(
          'campaign',
          (r) => !solution || this.solutionOfVersion(r.solutionVersionArn) === solution,
        ),
        (r) => ({
          name: r.name,
          campaignArn: r.arn,
          status: r.status,
          creationDateTime: r.creationDateTime,
          lastUpdatedDateTime: r.lastUpdatedDateTime,
          failureReason: r.failureReason,
        }),
      );
    },
    UpdateCampaign: (b) => this.updateCampaign(b),
    DeleteCampaign: (b) => this.deleteCampaign(b),

    CreateEventTracker: (b) => this.createEventTracker(b),
    DescribeEventTracker: (b) => ({
      eventTracker: this.describeEventTracker(this.must('eventTracker', b, 'eventTrackerArn')),
    }),
    ListEventTrackers: (b) => {
      const group = optionalArn(b, 'datasetGroupArn');
      return this.page(
        b,
        'eventTrackers',
        this.store.list('eventTracker', (r) => !group || r.datasetGroupArn === group),
        (r) => ({
          name: r.name,
          eventTrackerArn: r.arn,
          status: r.status,
          creationDateTime: r.creationDateTime,
          lastUpdatedDateTime: r.lastUpdatedDateTime,
        }),
      );
    },
    DeleteEventTracker: (b) => this.deleteEventTracker(b),

    ListRecipes: (b) =>
      this.page(
        b,
        'recipes',
        RECIPE_DEFINITIONS.map((r) => r),
        (r) => ({
          name: r.name,
          recipeArn: recipeArn(r.name),
          status: 'ACTIVE',
          creationDateTime: 0,
          lastUpdatedDateTime: 0,
        }),
        false,
      ),
    DescribeRecipe: (b) => {
      const arn = requiredArn(b, 'recipeArn');
      const recipe = recipeByArn(arn);
      if (!recipe) throw notFound(`Could not find recipe: ${arn}`);
      return {
        recipe: {
          name: recipe.name,
          recipeArn: arn,
          algorithmArn: `arn:aws:personalize:::algorithm/${recipe.name}`,
          featureTransformationArn: 'arn:aws:personalize:::feature-transformation/JSON-percentile-filtering',
          status: 'ACTIVE',
          description: recipe.description,
          recipeType: recipe.recipeType,
          creationDateTime: 0,
          lastUpdatedDateTime: 0,
        },
      };
    },
  };

  // Dataset groups

  private createDatasetGroup(body: RequestBody): unknown {
    const name = requiredName(body);
    const roleArn = optionalArn(body, 'roleArn');
    const kmsKeyArn = optionalString(body, 'kmsKeyArn', { max: 2048 });
    const domain = optionalEnum(body, 'domain', ['ECOMMERCE', 'VIDEO_ON_DEMAND']);
    const arn = this.arn(`dataset-group/${name}`);
    this.mustBeNew(arn, `Dataset group ${name} already exists`);
    this.create<DatasetGroupRecord>({
      kind: 'datasetGroup',
      arn,
      name,
      roleArn,
      kmsKeyArn,
      domain,
      ...this.fresh(),
    });
    return { datasetGroupArn: arn, domain };
  }

  private describeDatasetGroup(r: DatasetGroupRecord) {
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

  private deleteDatasetGroup(body: RequestBody): unknown {
    const group = this.must('datasetGroup', body, 'datasetGroupArn');
    this.mustBeSettled(group);
    const children = [
      ...this.store.list('eventTracker', (r) => r.datasetGroupArn === group.arn),
      ...this.store.list('solution', (r) => r.datasetGroupArn === group.arn),
      ...this.store.list('dataset', (r) => r.datasetGroupArn === group.arn),
    ];
    if (children.length > 0) {
      throw inUse(
        `Cannot delete dataset group ${group.arn}: delete its event trackers, solutions and datasets first (still has ${children.map((c) => c.arn).join(', ')})`,
      );
    }
    this.delete(group);
    return {};
  }

  // Schemas

  private createSchema(body: RequestBody): unknown {
    const name = requiredName(body);
    const definition = requiredString(body, 'schema', { min: 1, max: SCHEMA_MAX_LENGTH });
    const domain = optionalEnum(body, 'domain', ['ECOMMERCE', 'VIDEO_ON_DEMAND']);
    const fields = parseAvroSchema(definition);
    const arn = this.arn(`schema/${name}`);
    this.mustBeNew(arn, `Schema ${name} already exists`);
    // Schemas have no lifecycle: they are usable as soon as they are created.
    this.store.put({
      kind: 'schema',
      arn,
      name,
      schema: definition,
      fields,
      domain,
      ...this.fresh(),
      status: 'ACTIVE',
    });
    return { schemaArn: arn };
  }

  private describeSchema(r: SchemaRecord) {
    return {
      name: r.name,
      schemaArn: r.arn,
      schema: r.schema,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      domain: r.domain,
    };
  }

  private deleteSchema(body: RequestBody): unknown {
    const schema = this.must('schema', body, 'schemaArn');
    const users = this.store.list('dataset', (r) => r.schemaArn === schema.arn);
    if (users.length > 0) {
      throw inUse(`Cannot delete schema ${schema.arn}: it is used by ${users.map((d) => d.arn).join(', ')}`);
    }
    this.store.remove(schema.arn);
    return {};
  }

  // Datasets

  private createDataset(body: RequestBody): unknown {
    const name = requiredName(body);
    const schema = this.must('schema', body, 'schemaArn');
    const group = this.must('datasetGroup', body, 'datasetGroupArn');
    const typeValue = requiredString(body, 'datasetType', { max: 256 });
    const datasetType = DATASET_TYPES.find((t) => t.toLowerCase() === typeValue.toLowerCase());
    if (!datasetType) {
      throw invalidInput(`Invalid datasetType ${typeValue}: expected one of ${DATASET_TYPES.join(', ')}`);
    }
    this.mustBeActive(group, 'Dataset group');
    const missing = REQUIRED_FIELDS[datasetType].filter((f) => !schema.fields.some((s) => s.name === f));
    if (missing.length > 0) {
      throw invalidInput(
        `Schema ${schema.arn} cannot be used for a ${datasetType} dataset: missing field(s) ${missing.join(', ')}`,
      );
    }
    const arn = this.arn(`dataset/${group.name}/${datasetType.toUpperCase()}`);
    this.mustBeNew(arn, `Dataset group ${group.name} already has a ${datasetType} dataset`);
    this.create<DatasetRecord>({
      kind: 'dataset',
      arn,
      name,
      datasetGroupArn: group.arn,
      datasetType,
      schemaArn: schema.arn,
      ...this.fresh(),
    });
    return { datasetArn: arn };
  }

  private describeDataset(r: DatasetRecord) {
    const tracker =
      r.datasetType === 'Interactions'
        ? this.store.list('eventTracker', (t) => t.datasetGroupArn === r.datasetGroupArn)[0]
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

  private deleteDataset(body: RequestBody): unknown {
    const dataset = this.must('dataset', body, 'datasetArn');
    this.mustBeSettled(dataset);
    const running = this.store.list(
      'datasetImportJob',
      (j) => j.datasetArn === dataset.arn && !isSettled(j.status),
    );
    if (running.length > 0)
      throw inUse(`Cannot delete dataset ${dataset.arn}: import job ${running[0]?.arn} is in progress`);
    this.delete(dataset, () => {
      for (const job of this.store.list('datasetImportJob', (j) => j.datasetArn === dataset.arn))
        this.store.remove(job.arn);
    });
    return {};
  }

  // Dataset import jobs

  private createDatasetImportJob(body: RequestBody): unknown {
    const jobName = requiredName(body, 'jobName');
    const dataset = this.must('dataset', body, 'datasetArn');
    const dataSource = asBody(body['dataSource'] ?? {}, 'dataSource');
    const dataLocation = requiredString(dataSource, 'dataLocation', { max: 256, pattern: /^s3:\/\/.+$/ });
    const roleArn = optionalString(body, 'roleArn', { max: 256 });
    const importMode = optionalEnum(body, 'importMode', ['FULL', 'INCREMENTAL']) ?? 'FULL';
    this.mustBeActive(dataset, 'Dataset');
    const running = this.store.list(
      'datasetImportJob',
      (j) => j.datasetArn === dataset.arn && !isSettled(j.status),
    );
    if (running.length > 0) {
      throw inUse(`Dataset ${dataset.arn} already has an import job in progress: ${running[0]?.arn}`);
    }
    const arn = this.arn(`dataset-import-job/${jobName}`);
    this.mustBeNew(arn, `Dataset import job ${jobName} already exists`);
    const job: DatasetImportJobRecord = this.create<DatasetImportJobRecord>(
      {
        kind: 'datasetImportJob',
        arn,
        name: jobName,
        datasetArn: dataset.arn,
        dataLocation,
        roleArn,
        importMode,
        ...this.fresh(),
      },
      (): Promise<void> => this.runImport(job),
    );
    return { datasetImportJobArn: arn };
  }

  private async runImport(job: DatasetImportJobRecord): Promise<void> {
    const dataset = this.store.find('dataset', job.datasetArn);
    const schema = dataset && this.store.find('schema', dataset.schemaArn);
    if (!dataset || !schema) throw new ImportFailure(`Dataset ${job.datasetArn} no longer exists`);
    const rows = readDatasetCsv(
      resolveDataLocation(this.options.s3Dir, job.dataLocation),
      dataset.datasetType,
      schema.fields,
    );
    const previous = this.store.rowsOf(dataset.arn);
    // Resumed after a restart that came between storing the rows and the job's ACTIVE: already applied.
    if (previous?.appliedJobs?.includes(job.arn)) return;
    rows.appliedJobs = [job.arn];
    if (job.importMode === 'INCREMENTAL' && previous) {
      rows.interactions = [...previous.interactions, ...rows.interactions];
      rows.items = [...previous.items, ...rows.items];
      rows.users = [...previous.users, ...rows.users];
      rows.appliedJobs = [...(previous.appliedJobs ?? []), job.arn];
    }
    if (!this.closed) this.store.setRows(dataset.arn, rows);
  }

  private describeImportJob(r: DatasetImportJobRecord) {
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

  // Solutions

  private createSolution(body: RequestBody): unknown {
    const name = requiredName(body);
    const group = this.must('datasetGroup', body, 'datasetGroupArn');
    const performAutoML = body['performAutoML'] === true;
    const performHPO = body['performHPO'] === true;
    const arnOfRecipe =
      optionalArn(body, 'recipeArn') ?? (performAutoML ? recipeArn('aws-user-personalization') : undefined);
    if (!arnOfRecipe) throw invalidInput('recipeArn is required unless performAutoML is true');
    if (!recipeByArn(arnOfRecipe)) {
      throw notFound(
        `Could not find recipe ${arnOfRecipe}: the emulator implements ${RECIPE_DEFINITIONS.map((r) => recipeArn(r.name)).join(', ')}`,
      );
    }
    const eventType = optionalString(body, 'eventType', { max: 256 });
    this.mustBeActive(group, 'Dataset group');
    const arn = this.arn(`solution/${name}`);
    this.mustBeNew(arn, `Solution ${name} already exists`);
    this.create<SolutionRecord>({
      kind: 'solution',
      arn,
      name,
      datasetGroupArn: group.arn,
      recipeArn: arnOfRecipe,
      eventType,
      performAutoML,
      performHPO,
      solutionConfig: body['solutionConfig'] ?? undefined,
      ...this.fresh(),
    });
    return { solutionArn: arn };
  }

  private describeSolution(r: SolutionRecord) {
    const latest = r.latestSolutionVersionArn
      ? this.store.find('solutionVersion', r.latestSolutionVersionArn)
      : undefined;
    return {
      name: r.name,
      solutionArn: r.arn,
      performHPO: r.performHPO,
      performAutoML: r.performAutoML,
      performAutoTraining: false,
      recipeArn: r.recipeArn,
      datasetGroupArn: r.datasetGroupArn,
      eventType: r.eventType,
      solutionConfig: r.solutionConfig,
      status: r.status,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      latestSolutionVersion: latest && {
        solutionVersionArn: latest.arn,
        status: latest.status,
        trainingMode: latest.trainingMode,
        trainingType: 'MANUAL',
        creationDateTime: latest.creationDateTime,
        lastUpdatedDateTime: latest.lastUpdatedDateTime,
        failureReason: latest.failureReason,
      },
    };
  }

  private deleteSolution(body: RequestBody): unknown {
    const solution = this.must('solution', body, 'solutionArn');
    this.mustBeSettled(solution);
    const campaigns = this.store.list(
      'campaign',
      (c) => this.solutionOfVersion(c.solutionVersionArn) === solution.arn,
    );
    if (campaigns.length > 0) {
      throw inUse(
        `Cannot delete solution ${solution.arn}: delete its campaigns first (${campaigns.map((c) => c.arn).join(', ')})`,
      );
    }
    const training = this.store.list(
      'solutionVersion',
      (v) => v.solutionArn === solution.arn && !isSettled(v.status),
    );
    if (training.length > 0)
      throw inUse(
        `Cannot delete solution ${solution.arn}: solution version ${training[0]?.arn} is in progress`,
      );
    this.delete(solution, () => {
      for (const version of this.store.list('solutionVersion', (v) => v.solutionArn === solution.arn)) {
        this.loadedModels.delete(version.arn);
        this.store.remove(version.arn);
      }
    });
    return {};
  }

  // Solution versions

  private createSolutionVersion(body: RequestBody): unknown {
    const solution = this.must('solution', body, 'solutionArn');
    const trainingMode = optionalEnum(body, 'trainingMode', ['FULL', 'UPDATE']) ?? 'FULL';
    const name = body['name'] === undefined ? undefined : requiredName(body);
    this.mustBeActive(solution, 'Solution');
    const versions = this.store.list('solutionVersion', (v) => v.solutionArn === solution.arn);
    const training = versions.find((v) => !isSettled(v.status));
    if (training)
      throw inUse(`Solution ${solution.arn} already has a solution version in progress: ${training.arn}`);
    if (trainingMode === 'UPDATE') {
      const recipe = recipeByArn(solution.recipeArn)?.name;
      if (recipe !== 'aws-user-personalization') {
        throw invalidInput(
          `trainingMode UPDATE is only supported for aws-user-personalization, not ${recipe}`,
        );
      }
      if (!versions.some((v) => v.status === 'ACTIVE' && v.trainingMode === 'FULL')) {
        throw invalidInput(
          `trainingMode UPDATE needs an ACTIVE solution version trained with FULL for ${solution.arn}`,
        );
      }
    }
    const arn = this.arn(`solution/${solution.name}/${randomBytes(4).toString('hex')}`);
    const version: SolutionVersionRecord = this.create<SolutionVersionRecord>(
      {
        kind: 'solutionVersion',
        arn,
        name: name ?? arn.split('/').pop() ?? arn,
        solutionArn: solution.arn,
        trainingMode,
        ...this.fresh(),
      },
      (): Promise<void> => this.runTraining(version),
    );
    solution.latestSolutionVersionArn = arn;
    this.store.touched();
    return { solutionVersionArn: arn };
  }

  private async runTraining(version: SolutionVersionRecord): Promise<void> {
    const solution = this.store.find('solution', version.solutionArn);
    if (!solution) throw new Error(`Solution ${version.solutionArn} no longer exists`);
    const recipe = recipeByArn(solution.recipeArn)?.name ?? 'aws-user-personalization';
    const cutoff = this.store.liveSeq;
    const data = this.trainingData(solution, cutoff);
    if (data.interactions.length === 0) {
      throw new Error(
        `No interactions to train on in dataset group ${solution.datasetGroupArn}${solution.eventType ? ` with eventType ${solution.eventType}` : ''}: import interactions or send events first`,
      );
    }
    const started = Date.now();
    const { model, metrics } = await this.options.models.train(recipe, data);
    if (this.closed) return;
    this.store.saveModel(version.arn, model.serialize());
    this.loadedModels.set(version.arn, model);
    version.metrics = metrics;
    version.dataCutoffSeq = cutoff;
    version.trainingHours = (Date.now() - started) / 3_600_000;
  }

  private trainingData(
    solution: SolutionRecord,
    cutoff: number,
  ): { interactions: Interaction[]; items: Item[] } {
    const group = solution.datasetGroupArn;
    const datasets = this.store.list('dataset', (d) => d.datasetGroupArn === group);
    const interactionsDataset = datasets.find((d) => d.datasetType === 'Interactions');
    const itemsDataset = datasets.find((d) => d.datasetType === 'Items');
    let interactions = [
      ...(interactionsDataset ? (this.store.rowsOf(interactionsDataset.arn)?.interactions ?? []) : []),
      ...this.store.eventsAfter(group, 0, cutoff),
    ];
    if (solution.eventType) interactions = interactions.filter((i) => i.eventType === solution.eventType);
    const items = new Map<string, Item>();
    for (const item of itemsDataset ? (this.store.rowsOf(itemsDataset.arn)?.items ?? []) : [])
      items.set(item.itemId, item);
    for (const item of this.store.itemsAfter(group, 0, cutoff)) items.set(item.itemId, item);
    return { interactions, items: [...items.values()] };
  }

  private describeSolutionVersion(r: SolutionVersionRecord) {
    const solution = this.store.find('solution', r.solutionArn);
    return {
      name: r.name,
      solutionVersionArn: r.arn,
      solutionArn: r.solutionArn,
      performHPO: solution?.performHPO ?? false,
      performAutoML: solution?.performAutoML ?? false,
      recipeArn: solution?.recipeArn,
      eventType: solution?.eventType,
      datasetGroupArn: solution?.datasetGroupArn,
      solutionConfig: solution?.solutionConfig,
      trainingHours: r.trainingHours,
      trainingMode: r.trainingMode,
      status: r.status,
      failureReason: r.failureReason,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
      trainingType: 'MANUAL',
    };
  }

  private getSolutionMetrics(body: RequestBody): unknown {
    const version = this.must('solutionVersion', body, 'solutionVersionArn');
    if (version.status !== 'ACTIVE' || !version.metrics) {
      throw inUse(
        `Solution version ${version.arn} is not ACTIVE (status: ${version.status}): its metrics are not available`,
      );
    }
    return { solutionVersionArn: version.arn, metrics: version.metrics };
  }

  // Campaigns

  private createCampaign(body: RequestBody): unknown {
    const name = requiredName(body);
    const version = this.must('solutionVersion', body, 'solutionVersionArn');
    const minProvisionedTPS = optionalInteger(body, 'minProvisionedTPS', 1, 500) ?? 1;
    this.mustBeActive(version, 'Solution version');
    const arn = this.arn(`campaign/${name}`);
    this.mustBeNew(arn, `Campaign ${name} already exists`);
    this.create<CampaignRecord>({
      kind: 'campaign',
      arn,
      name,
      solutionVersionArn: version.arn,
      minProvisionedTPS,
      campaignConfig: body['campaignConfig'] ?? undefined,
      ...this.fresh(),
    });
    return { campaignArn: arn };
  }

  private updateCampaign(body: RequestBody): unknown {
    const campaign = this.must('campaign', body, 'campaignArn');
    const versionArn = optionalArn(body, 'solutionVersionArn');
    const version = versionArn ? this.must('solutionVersion', body, 'solutionVersionArn') : undefined;
    const minProvisionedTPS = optionalInteger(body, 'minProvisionedTPS', 1, 500);
    this.mustBeActive(campaign, 'Campaign');
    if (version) this.mustBeActive(version, 'Solution version');
    const now = this.options.now();
    const update = {
      solutionVersionArn: version?.arn ?? campaign.solutionVersionArn,
      minProvisionedTPS: minProvisionedTPS ?? campaign.minProvisionedTPS,
      campaignConfig: body['campaignConfig'] ?? campaign.campaignConfig,
      status: 'UPDATE PENDING',
      creationDateTime: now,
      lastUpdatedDateTime: now,
    };
    campaign.latestCampaignUpdate = update;
    this.setStatus(campaign, 'UPDATE PENDING');
    // The campaign keeps serving its current version until the update is ACTIVE.
    this.after(() => {
      this.setStatus(campaign, 'UPDATE IN_PROGRESS', update);
      this.after(() => {
        campaign.solutionVersionArn = update.solutionVersionArn;
        campaign.minProvisionedTPS = update.minProvisionedTPS;
        campaign.campaignConfig = update.campaignConfig;
        this.setStatus(campaign, 'ACTIVE', update);
      });
    });
    return { campaignArn: campaign.arn };
  }

  private describeCampaign(r: CampaignRecord) {
    return {
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
    };
  }

  private deleteCampaign(body: RequestBody): unknown {
    const campaign = this.must('campaign', body, 'campaignArn');
    this.mustBeSettled(campaign);
    this.delete(campaign);
    return {};
  }

  // Event trackers

  private createEventTracker(body: RequestBody): unknown {
    const name = requiredName(body);
    const group = this.must('datasetGroup', body, 'datasetGroupArn');
    this.mustBeActive(group, 'Dataset group');
    if (this.store.list('eventTracker', (t) => t.name === name).length > 0) {
      throw alreadyExists(`Event tracker ${name} already exists`);
    }
    const existing = this.store.list('eventTracker', (t) => t.datasetGroupArn === group.arn);
    if (existing.length > 0) {
      throw limitExceeded(
        `Dataset group ${group.arn} already has an event tracker (${existing[0]?.arn}): the limit is one`,
      );
    }
    const arn = this.arn(`event-tracker/${randomBytes(4).toString('hex')}`);
    const trackingId = randomUUID();
    this.create<EventTrackerRecord>({
      kind: 'eventTracker',
      arn,
      name,
      datasetGroupArn: group.arn,
      trackingId,
      accountId: this.options.accountId,
      ...this.fresh(),
    });
    return { eventTrackerArn: arn, trackingId };
  }

  private describeEventTracker(r: EventTrackerRecord) {
    return {
      name: r.name,
      eventTrackerArn: r.arn,
      accountId: r.accountId,
      trackingId: r.trackingId,
      datasetGroupArn: r.datasetGroupArn,
      status: r.status,
      creationDateTime: r.creationDateTime,
      lastUpdatedDateTime: r.lastUpdatedDateTime,
    };
  }

  private deleteEventTracker(body: RequestBody): unknown {
    const tracker = this.must('eventTracker', body, 'eventTrackerArn');
    this.mustBeSettled(tracker);
    this.delete(tracker);
    return {};
  }

  // Events (PutEvents, PutItems, PutUsers)

  putEvents(body: RequestBody): void {
    const trackingId = requiredString(body, 'trackingId', { min: 1, max: 256 });
    const userId = optionalString(body, 'userId', { min: 1, max: 256 });
    const sessionId = requiredString(body, 'sessionId', { min: 1, max: 256 });
    const eventList = requiredList(body, 'eventList', 1, 10).map((e, i) =>
      parseEvent(asBody(e, `eventList.${i + 1}`), i + 1),
    );
    const tracker = this.store.list('eventTracker', (t) => t.trackingId === trackingId)[0];
    if (!tracker || tracker.status !== 'ACTIVE')
      throw notFound(`Could not find an ACTIVE event tracker with trackingId ${trackingId}`);
    const seen = new Set<string>();
    const accepted = eventList.filter((event) => {
      if (event.eventId === undefined) return true;
      // A retried call carries the same eventId: it is acknowledged again but recorded once.
      const duplicate = seen.has(event.eventId) || this.store.isDuplicateEvent(tracker.arn, event.eventId);
      seen.add(event.eventId);
      return !duplicate;
    });
    this.store.appendLive(
      accepted
        .filter((event) => event.itemId !== undefined)
        .map((event) => ({
          kind: 'event' as const,
          datasetGroupArn: tracker.datasetGroupArn,
          trackerArn: tracker.arn,
          sessionId,
          eventId: event.eventId,
          // Anonymous events are attributed to the session, as Personalize does until a userId arrives.
          interaction: {
            userId: userId ?? sessionId,
            itemId: event.itemId ?? '',
            eventType: event.eventType,
            timestamp: event.sentAt,
          },
        })),
    );
  }

  putItems(body: RequestBody): void {
    const { dataset, schema } = this.activeDatasetOf(body, 'Items');
    const items = requiredList(body, 'items', 1, 10).map((value, i) => {
      const at = `items.${i + 1}`;
      const item = prefixed(asBody(value, at), at);
      const itemId = requiredString(item, `${at}.itemId`, { min: 1, max: 256 });
      const properties = checkPropertiesAgainstSchema(
        parseProperties(item[`${at}.properties`], `${at}.properties`, 32000),
        schema,
        'ITEM_ID',
        `${at}.properties`,
      );
      const genre = properties.get('GENRE');
      const year = properties.get('YEAR');
      return {
        itemId,
        genres: genre ? genre.split('|').filter((g) => g !== '') : [],
        ...(year === undefined ? {} : { year }),
      };
    });
    this.store.appendLive(
      items.map((item) => ({ kind: 'item' as const, datasetGroupArn: dataset.datasetGroupArn, item })),
    );
  }

  putUsers(body: RequestBody): void {
    const { dataset, schema } = this.activeDatasetOf(body, 'Users');
    const users = requiredList(body, 'users', 1, 10).map((value, i) => {
      const at = `users.${i + 1}`;
      const user = prefixed(asBody(value, at), at);
      const userId = requiredString(user, `${at}.userId`, { min: 1, max: 256 });
      checkPropertiesAgainstSchema(
        parseProperties(user[`${at}.properties`], `${at}.properties`, 24000),
        schema,
        'USER_ID',
        `${at}.properties`,
      );
      return userId;
    });
    this.store.appendLive(
      users.map((userId) => ({ kind: 'user' as const, datasetGroupArn: dataset.datasetGroupArn, userId })),
    );
  }

  private activeDatasetOf(
    body: RequestBody,
    type: DatasetType,
  ): { dataset: DatasetRecord; schema: SchemaRecord } {
    const arn = requiredArn(body, 'datasetArn');
    const dataset = this.store.find('dataset', arn);
    if (!dataset || dataset.status !== 'ACTIVE') throw notFound(`Could not find an ACTIVE dataset ${arn}`);
    if (dataset.datasetType !== type)
      throw invalidInput(`Dataset ${arn} is a ${dataset.datasetType} dataset, not ${type}`);
    const schema = this.store.find('schema', dataset.schemaArn);
    if (!schema) throw notFound(`Could not find the schema ${dataset.schemaArn} of dataset ${arn}`);
    return { dataset, schema };
  }

  // Runtime (GetRecommendations, GetPersonalizedRanking)

  getRecommendations(body: RequestBody): unknown {
    const campaignArn = optionalArn(body, 'campaignArn');
    if (!campaignArn) {
      throw invalidInput(
        body['recommenderArn']
          ? 'Recommenders are not supported by the emulator: use a campaign'
          : 'campaignArn is required',
      );
    }
    const userId = optionalString(body, 'userId', { max: 256 });
    const itemId = optionalString(body, 'itemId', { max: 256 });
    const numResults = optionalInteger(body, 'numResults', 1, 500) ?? 25;
    refuseFilter(body);
    const { version, recipe, model } = this.servingModel(campaignArn);
    if (recipe === 'aws-personalized-ranking') {
      throw invalidInput(
        `Campaign ${campaignArn} uses aws-personalized-ranking: call GetPersonalizedRanking`,
      );
    }
    if (recipe === 'aws-sims' && !itemId)
      throw invalidInput(`itemId is required for campaign ${campaignArn} (recipe aws-sims)`);
    if (recipe !== 'aws-sims' && !userId)
      throw invalidInput(`userId is required for campaign ${campaignArn} (recipe ${recipe})`);
    const live = this.liveContext(version, userId);
    const itemList = model.recommend({ userId, itemId, numResults, live }).slice(0, numResults);
    return {
      itemList: itemList.map(({ itemId, score }) => ({ itemId, score })),
      recommendationId: newRecommendationId(),
    };
  }

  getPersonalizedRanking(body: RequestBody): unknown {
    const campaignArn = requiredArn(body, 'campaignArn');
    const userId = requiredString(body, 'userId', { max: 256 });
    const inputList = requiredList(body, 'inputList', 1, 500).map((v, i) => {
      if (typeof v !== 'string' || v.length === 0 || v.length > 256) {
        throw invalidInput(
          `Value at 'inputList.${i + 1}' failed to satisfy constraint: Member must be a string of length 1 to 256`,
        );
      }
      return v;
    });
    refuseFilter(body);
    const { version, recipe, model } = this.servingModel(campaignArn);
    if (recipe !== 'aws-personalized-ranking') {
      throw invalidInput(
        `Campaign ${campaignArn} uses ${recipe}: GetPersonalizedRanking needs aws-personalized-ranking`,
      );
    }
    const ranked = model.rank({ userId, itemIds: inputList, live: this.liveContext(version, userId) });
    return {
      personalizedRanking: ranked.map(({ itemId, score }) => ({ itemId, score })),
      recommendationId: newRecommendationId(),
    };
  }

  private servingModel(campaignArn: string): {
    version: SolutionVersionRecord;
    recipe: RecipeName;
    model: TrainedModel;
  } {
    const campaign = this.store.find('campaign', campaignArn);
    if (!campaign) throw notFound(`Could not find campaign ${campaignArn}`);
    if (!(campaign.status === 'ACTIVE' || campaign.status.startsWith('UPDATE'))) {
      throw notFound(`Campaign ${campaignArn} is not ACTIVE (status: ${campaign.status})`);
    }
    const version = this.store.find('solutionVersion', campaign.solutionVersionArn);
    const solution = version && this.store.find('solution', version.solutionArn);
    if (!version || !solution)
      throw notFound(
        `Solution version ${campaign.solutionVersionArn} of campaign ${campaignArn} no longer exists`,
      );
    let model = this.loadedModels.get(version.arn);
    if (!model) {
      const snapshot = this.store.loadModelSnapshot(version.arn);
      if (snapshot === undefined)
        throw notFound(`The model of solution version ${version.arn} is not available`);
      model = this.options.models.loadModel(snapshot);
      this.loadedModels.set(version.arn, model);
    }
    return { version, recipe: model.recipe, model };
  }

  private liveContext(version: SolutionVersionRecord, userId: string | undefined): LiveContext {
    const group = this.store.find('solution', version.solutionArn)?.datasetGroupArn ?? '';
    const cutoff = version.dataCutoffSeq ?? 0;
    return {
      userEvents: userId ? this.store.userEventsAfter(group, userId, cutoff) : [],
      newItems: this.store.itemsAfter(group, cutoff),
      recentPopularity: this.store.recentPopularityAfter(group, cutoff),
    };
  }

  // Lifecycles

  private fresh() {
    const now = this.options.now();
    return { status: 'CREATE PENDING', creationDateTime: now, lastUpdatedDateTime: now };
  }

  /** Stores a new record and walks it through CREATE PENDING → CREATE IN_PROGRESS → ACTIVE (or CREATE FAILED). */
  private create<R extends ResourceRecord>(record: R, work?: () => Promise<void>): R {
    this.store.put(record);
    this.runCreate(record, work);
    return record;
  }

  private runCreate(record: ResourceRecord, work?: () => Promise<void>): void {
    this.after(() => {
      this.setStatus(record, 'CREATE IN_PROGRESS');
      const started = Date.now();
      (work ? work() : Promise.resolve()).then(
        () =>
          this.after(
            () => this.setStatus(record, 'ACTIVE'),
            Math.max(0, this.options.transitionMs - (Date.now() - started)),
          ),
        (error: unknown) => {
          record.failureReason = error instanceof Error ? error.message : String(error);
          this.setStatus(record, 'CREATE FAILED');
        },
      );
    });
  }

  /** DELETE PENDING → DELETE IN_PROGRESS → gone; `cascade` removes what goes with the resource. */
  private delete(record: ResourceRecord, cascade?: () => void): void {
    this.setStatus(record, 'DELETE PENDING');
    this.runDelete(record, cascade);
  }

  private runDelete(record: ResourceRecord, cascade?: () => void): void {
    this.after(() => {
      this.setStatus(record, 'DELETE IN_PROGRESS');
      this.after(() => {
        cascade?.();
        this.loadedModels.delete(record.arn);
        this.store.remove(record.arn);
      });
    });
  }

  private setStatus(
    record: ResourceRecord,
    status: string,
    update?: { status: string; lastUpdatedDateTime: number },
  ): void {
    if (this.closed || this.store.get(record.arn) !== record) return;
    record.status = status;
    record.lastUpdatedDateTime = this.options.now();
    if (update) {
      update.status = status;
      update.lastUpdatedDateTime = record.lastUpdatedDateTime;
    }
    this.store.touched();
  }

  private after(step: () => void, delayMs = this.options.transitionMs): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      try {
        step();
      } catch (error) {
        // A lifecycle step runs outside any request: a failure (a state write that cannot be made) is
        // reported, never thrown into the event loop, where it would end the process.
        console.error('Personalize emulator: a lifecycle step failed:', error);
      }
    }, delayMs);
    this.timers.add(timer);
  }

  /** After a restart, whatever was moving keeps moving: imports re-read their files, versions retrain. */
  private resumeLifecycles(): void {
    for (const record of this.store.all()) {
      if (record.status === 'CREATE PENDING' || record.status === 'CREATE IN_PROGRESS') {
        record.status = 'CREATE PENDING';
        if (record.kind === 'datasetImportJob') this.runCreate(record, () => this.runImport(record));
        else if (record.kind === 'solutionVersion') this.runCreate(record, () => this.runTraining(record));
        else this.runCreate(record);
      } else if (record.status.startsWith('DELETE')) {
        record.status = 'DELETE PENDING';
        this.runDelete(record, () => this.cascadeOnResume(record));
      } else if (record.kind === 'campaign' && record.status.startsWith('UPDATE')) {
        const update = record.latestCampaignUpdate;
        if (update) {
          record.solutionVersionArn = update.solutionVersionArn;
          record.minProvisionedTPS = update.minProvisionedTPS;
          record.campaignConfig = update.campaignConfig;
          update.status = 'ACTIVE';
        }
        record.status = 'ACTIVE';
      }
    }
    this.store.touched();
  }

  private cascadeOnResume(record: ResourceRecord): void {
    if (record.kind === 'dataset') {
      for (const job of this.store.list('datasetImportJob', (j) => j.datasetArn === record.arn))
        this.store.remove(job.arn);
    } else if (record.kind === 'solution') {
      for (const version of this.store.list('solutionVersion', (v) => v.solutionArn === record.arn))
        this.store.remove(version.arn);
    }
  }

  // Helpers

  private arn(resource: string): string {
    return `arn:aws:personalize:${this.options.region}:${this.options.accountId}:${resource}`;
  }

  private must<K extends ResourceKind>(kind: K, body: RequestBody, field: string) {
    const arn = requiredArn(body, field);
    const record = this.store.find(kind, arn);
    if (!record) throw notFound(`Could not find ${KIND_LABEL[kind]} ${arn}`);
    return record;
  }

  private mustBeNew(arn: string, message: string): void {
    if (this.store.get(arn)) throw alreadyExists(message);
  }

  private mustBeActive(record: ResourceRecord, label: string): void {
    if (record.status !== 'ACTIVE')
      throw inUse(`${label} ${record.arn} is not ACTIVE (status: ${record.status})`);
  }

  private mustBeSettled(record: ResourceRecord): void {
    if (!isSettled(record.status))
      throw inUse(`${KIND_LABEL[record.kind]} ${record.arn} is ${record.status}`);
  }

  private solutionOfVersion(versionArn: string): string | undefined {
    return this.store.find('solutionVersion', versionArn)?.solutionArn;
  }

  private page<R, S>(
    body: RequestBody,
    key: string,
    records: R[],
    toSummary: (r: R) => S,
    newestFirst = true,
  ): unknown {
    const maxResults = optionalInteger(body, 'maxResults', 1, MAX_RESULTS_LIMIT) ?? MAX_RESULTS_LIMIT;
    const token = optionalString(body, 'nextToken', { max: 1500 });
    let start = 0;
    if (token !== undefined) {
      start = Number(
        Buffer.from(token, 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      );
      if (!Number.isInteger(start) || start < 0)
        throw new PersonalizeError('InvalidNextTokenException', `Invalid nextToken ${token}`);
    }
    const ordered = newestFirst
      ? [...records].sort(
          (a, b) =>
            (b as { creationDateTime: number }).creationDateTime -
            (a as { creationDateTime: number }).creationDateTime,
        )
      : records;
    const end = start + maxResults;
    return {
      [key]: ordered.slice(start, end).map(toSummary),
      nextToken: end < ordered.length ? Buffer.from(`offset:${end}`).toString('base64') : undefined,
    };
  }
}

const KIND_LABEL: Record<ResourceKind, string> = {
  datasetGroup: 'dataset group',
  schema: 'schema',
  dataset: 'dataset',
  datasetImportJob: 'dataset import job',
  solution: 'solution',
  solutionVersion: 'solution version',
  campaign: 'campaign',
  eventTracker: 'event tracker',
};

function isSettled(status: string): boolean {
  return status === 'ACTIVE' || status === 'CREATE FAILED';
}

/** Filters are not emulated: serving unfiltered results to a caller that asked for a filter would mislead. */
function refuseFilter(body: RequestBody): void {
  const filterArn = optionalArn(body, 'filterArn');
  if (filterArn !== undefined) {
    throw invalidInput(`filterArn ${filterArn}: filters are not supported by the Personalize emulator`);
  }
}

/** Personalize's recommendationId: at most 40 characters. */
function newRecommendationId(): string {
  return `RID-${randomUUID().replace(/-/g, '')}`.slice(0, 40);
}

interface ParsedEvent {
  readonly eventType: string;
  readonly sentAt: number;
  readonly eventId?: string;
  readonly itemId?: string;
}

/** The body's fields under `<prefix>.<field>`, so that validation messages name the field's full path. */
function prefixed(body: RequestBody, prefix: string): RequestBody {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** Keys an event's `properties` may not use: they are fields of the event itself. */
const RESERVED_EVENT_PROPERTIES = [
  'userid',
  'sessionid',
  'eventtype',
  'timestamp',
  'recommendationid',
  'impression',
];

function parseEvent(event: RequestBody, position: number): ParsedEvent {
  const at = `eventList.${position}`;
  const field = (name: string) => `${at}.${name}`;
  const e = prefixed(event, at);
  const eventType = requiredString(e, field('eventType'), { min: 1, max: 256 });
  const eventId = optionalString(e, field('eventId'), { min: 1, max: 256 });
  const itemId = optionalString(e, field('itemId'), { min: 1, max: 256 });
  optionalString(e, field('recommendationId'), { min: 1, max: 40 });
  const eventValue = event['eventValue'];
  if (
    eventValue !== undefined &&
    eventValue !== null &&
    (typeof eventValue !== 'number' || !Number.isFinite(eventValue))
  ) {
    throw invalidInput(
      `1 validation error detected: Value at '${field('eventValue')}' failed to satisfy constraint: Member must be a number`,
    );
  }
  const properties = parseProperties(event['properties'], field('properties'), 1024);
  const reserved = Object.keys(properties).find((k) => RESERVED_EVENT_PROPERTIES.includes(k.toLowerCase()));
  if (reserved !== undefined) {
    throw invalidInput(
      `Value at '${field('properties')}' may not use the key ${reserved}: userId, sessionId, eventType, timestamp, recommendationId and impression are fields of the event`,
    );
  }
  const impression = optionalList(e, field('impression'), 1, 25);
  impression?.forEach((value, i) => {
    if (typeof value !== 'string' || value.length < 1 || value.length > 256) {
      throw invalidInput(
        `1 validation error detected: Value at '${field(`impression.${i + 1}`)}' failed to satisfy constraint: Member must be a string of length 1 to 256`,
      );
    }
  });
  if (event['metricAttribution'] !== undefined && event['metricAttribution'] !== null) {
    const attribution = prefixed(
      asBody(event['metricAttribution'], field('metricAttribution')),
      field('metricAttribution'),
    );
    requiredString(attribution, field('metricAttribution.eventAttributionSource'), { min: 1, max: 1024 });
  }
  const sentAt = parseTimestamp(event['sentAt'], field('sentAt'));
  return { eventType, sentAt, eventId, itemId };
}

function parseTimestamp(value: unknown, field: string): number {
  if (value === undefined || value === null) {
    throw invalidInput(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const seconds =
    typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) / 1000 : NaN;
  if (!Number.isFinite(seconds)) throw invalidInput(`Value at '${field}' is not a timestamp`);
  return seconds;
}

/**
 * `properties` travels as a JSON object serialised in a string (the SDK serialises an object it is given),
 * of 1 to `maxLength` characters.
 */
function parseProperties(value: unknown, field: string, maxLength: number): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string' || value.length < 1 || value.length > maxLength) {
    throw invalidInput(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be a JSON string of length 1 to ${maxLength}`,
    );
  }
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Reported below with the field's name.
  }
  throw invalidInput(`Value at '${field}' is not a JSON object: ${value.slice(0, 100)}`);
}

/** `numberOfRatings` (or `NUMBER_OF_RATINGS`) names the schema field NUMBER_OF_RATINGS. */
function schemaFieldName(key: string): string {
  return key.includes('_') || key === key.toUpperCase()
    ? key.toUpperCase()
    : key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Checks PutItems / PutUsers properties against the dataset's schema: each key names a field (camelCase),
 * values fit the field's type, required fields are present. Returns the values by schema field name.
 */
function checkPropertiesAgainstSchema(
  properties: Record<string, unknown>,
  schema: SchemaRecord,
  idField: string,
  field: string,
): Map<string, string> {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(properties)) {
    const name = schemaFieldName(key);
    const schemaField = schema.fields.find((f) => f.name.toUpperCase() === name && f.name !== idField);
    if (!schemaField) {
      throw invalidInput(
        `Value at '${field}' has the key ${key}, which is not a field of the schema ${schema.arn} (fields: ${schema.fields
          .filter((f) => f.name !== idField)
          .map((f) => f.name)
          .join(', ')}, in camelCase)`,
      );
    }
    if (value === null) {
      if (!schemaField.nullable)
        throw invalidInput(`Value at '${field}.${key}' may not be null: ${schemaField.name} is required`);
      continue;
    }
    const numeric = ['long', 'int', 'float', 'double'].includes(schemaField.type);
    const ok = numeric
      ? (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      : schemaField.type === 'boolean'
        ? typeof value === 'boolean' || value === 'true' || value === 'false'
        : typeof value === 'string';
    if (!ok) {
      throw invalidInput(
        `Value at '${field}.${key}' must be a ${schemaField.type} (schema field ${schemaField.name}), got ${JSON.stringify(value).slice(0, 100)}`,
      );
    }
    values.set(schemaField.name.toUpperCase(), String(value));
  }
  const missing = schema.fields.filter(
    (f) => f.name !== idField && !f.nullable && !values.has(f.name.toUpperCase()),
  );
  if (missing.length > 0) {
    throw invalidInput(
      `Value at '${field}' is missing the required schema field(s) ${missing.map((f) => f.name).join(', ')}`,
    );
  }
  return values;
}

/** Reads the fields of an Avro record schema, as CreateSchema validates it. */
export function parseAvroSchema(definition: string): SchemaField[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw invalidInput(`Invalid schema: not valid JSON (${(error as Error).message})`);
  }
  const schema = parsed as { type?: unknown; fields?: unknown };
  if (schema.type !== 'record' || !Array.isArray(schema.fields) || schema.fields.length === 0) {
    throw invalidInput('Invalid schema: expected an Avro record with a non-empty fields list');
  }
  return schema.fields.map((f: unknown, i: number) => {
    const field = f as { name?: unknown; type?: unknown };
    if (typeof field.name !== 'string' || field.name === '')
      throw invalidInput(`Invalid schema: field ${i + 1} has no name`);
    const types = Array.isArray(field.type) ? field.type : [field.type];
    const nonNull = types.filter((t) => t !== 'null');
    const type = nonNull[0];
    if (nonNull.length !== 1 || typeof type !== 'string' || !AVRO_TYPES.includes(type)) {
      throw invalidInput(
        `Invalid schema: field ${field.name} has an unsupported type ${JSON.stringify(field.type)}`,
      );
    }
    return { name: field.name, type, nullable: types.includes('null') };
  });
}

const AVRO_TYPES = ['string', 'long', 'int', 'float', 'double', 'boolean'];
