import {
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateEventTrackerCommand,
  CreateRecommenderCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteCampaignCommand,
  DeleteDatasetCommand,
  DeleteDatasetGroupCommand,
  DeleteEventTrackerCommand,
  DeleteSchemaCommand,
  DeleteSolutionCommand,
  DescribeCampaignCommand,
  DescribeDatasetGroupCommand,
  DescribeRecipeCommand,
  DescribeSchemaCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  InvalidInputException,
  InvalidNextTokenException,
  LimitExceededException,
  ListCampaignsCommand,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListEventTrackersCommand,
  ListRecipesCommand,
  ListSchemasCommand,
  ListSolutionsCommand,
  ListSolutionVersionsCommand,
  ResourceAlreadyExistsException,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateCampaignCommand,
} from '@aws-sdk/client-personalize';
import { INTERACTIONS_SCHEMA } from '../../lib/contract/personalize-schemas';
import { ManualTime } from '../../local/personalize';
import {
  provision,
  settle,
  startHarness,
  waitFor,
  statusOf,
  type Harness,
  type Provisioned,
} from './harness';

const ARN_PREFIX = 'arn:aws:personalize:us-east-1:000000000000:';

describe('Personalize emulator control plane (awsJson1_1, real SDK client)', () => {
  let h: Harness;
  let p: Provisioned;

  beforeAll(async () => {
    h = await startHarness({ keepState: false });
    p = await provision(h, 'cp');
  });
  afterAll(() => h.close());

  test('resources get the service ARN formats', () => {
    expect(p.datasetGroupArn).toBe(`${ARN_PREFIX}dataset-group/cp-dsg`);
    expect(p.interactionsDatasetArn).toBe(`${ARN_PREFIX}dataset/cp-dsg/INTERACTIONS`);
    expect(p.itemsDatasetArn).toBe(`${ARN_PREFIX}dataset/cp-dsg/ITEMS`);
    expect(p.solutionArn).toBe(`${ARN_PREFIX}solution/cp-solution`);
    expect(p.solutionVersionArn).toMatch(new RegExp(`^${ARN_PREFIX}solution/cp-solution/[0-9a-f]{8}$`));
    expect(p.campaignArn).toBe(`${ARN_PREFIX}campaign/cp-campaign`);
    expect(p.eventTrackerArn).toMatch(new RegExp(`^${ARN_PREFIX}event-tracker/[0-9a-f]{8}$`));
    expect(p.trackingId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a new resource goes CREATE PENDING → CREATE IN_PROGRESS → ACTIVE, one step per transition of the clock, with dates as Date objects', async () => {
    const createdAt = Date.UTC(2026, 0, 1);
    const time = new ManualTime(createdAt);
    const stepped = await startHarness({ keepState: false, time });
    try {
      const { datasetGroupArn = '' } = await stepped.personalize.send(
        new CreateDatasetGroupCommand({ name: 'lifecycle-dsg' }),
      );
      const seen = [await statusOf.datasetGroup(stepped, datasetGroupArn)];
      for (const _ of ['to IN_PROGRESS', 'to ACTIVE']) {
        await time.advance(stepped.transitionMs - 1);
        expect(await statusOf.datasetGroup(stepped, datasetGroupArn)).toBe(seen[seen.length - 1]);
        await time.advance(1);
        seen.push(await statusOf.datasetGroup(stepped, datasetGroupArn));
      }
      expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
      const { datasetGroup } = await stepped.personalize.send(
        new DescribeDatasetGroupCommand({ datasetGroupArn }),
      );
      expect(datasetGroup?.creationDateTime).toEqual(new Date(createdAt));
      expect(datasetGroup?.lastUpdatedDateTime).toEqual(new Date(createdAt + 2 * stepped.transitionMs));
    } finally {
      await stepped.close();
    }
  });

  test("transitionMsByKind gives one kind's steps their own duration; the other kinds keep transitionMs", async () => {
    const time = new ManualTime(Date.UTC(2026, 0, 1));
    const slowTrackerMs = 1000;
    const stepped = await startHarness({
      keepState: false,
      time,
      transitionMsByKind: { eventTracker: slowTrackerMs },
    });
    try {
      const { datasetGroupArn = '' } = await stepped.personalize.send(
        new CreateDatasetGroupCommand({ name: 'by-kind-dsg' }),
      );
      await time.advance(2 * stepped.transitionMs);
      expect(await statusOf.datasetGroup(stepped, datasetGroupArn)).toBe('ACTIVE');

      const { eventTrackerArn = '' } = await stepped.personalize.send(
        new CreateEventTrackerCommand({ name: 'by-kind-tracker', datasetGroupArn }),
      );
      const seen = [await statusOf.eventTracker(stepped, eventTrackerArn)];
      for (const _ of ['to IN_PROGRESS', 'to ACTIVE']) {
        // Many of the other kinds' steps pass without moving the tracker.
        await time.advance(slowTrackerMs - 1);
        expect(await statusOf.eventTracker(stepped, eventTrackerArn)).toBe(seen[seen.length - 1]);
        await time.advance(1);
        seen.push(await statusOf.eventTracker(stepped, eventTrackerArn));
      }
      expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
    } finally {
      await stepped.close();
    }
  });

  test('deleting goes DELETE PENDING → gone (ResourceNotFoundException)', async () => {
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'to-delete' }),
    );
    await settle(h, 'datasetGroup', datasetGroupArn);
    await h.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn }));
    expect(await statusOf.datasetGroup(h, datasetGroupArn)).toMatch(/^DELETE /);
    await waitFor(
      () =>
        statusOf.datasetGroup(h, datasetGroupArn).then(
          () => 'present',
          (e: Error) => e.name,
        ),
      (s) => s === 'ResourceNotFoundException',
      'the dataset group to be gone',
    );
  });

  test('names must match the service pattern and be at most 63 characters', async () => {
    await expect(h.personalize.send(new CreateDatasetGroupCommand({ name: 'bad name!' }))).rejects.toThrow(
      InvalidInputException,
    );
    await expect(h.personalize.send(new CreateDatasetGroupCommand({ name: 'x'.repeat(64) }))).rejects.toThrow(
      /length less than or equal to 63/,
    );
    await expect(
      h.personalize.send(new CreateDatasetGroupCommand({ name: 'x'.repeat(63) })),
    ).resolves.toBeDefined();
  });

  test('creating a resource that exists is ResourceAlreadyExistsException', async () => {
    await expect(h.personalize.send(new CreateDatasetGroupCommand({ name: 'cp-dsg' }))).rejects.toThrow(
      ResourceAlreadyExistsException,
    );
    await expect(
      h.personalize.send(
        new CreateSchemaCommand({ name: 'cp-interactions', schema: JSON.stringify(INTERACTIONS_SCHEMA) }),
      ),
    ).rejects.toThrow(ResourceAlreadyExistsException);
    await expect(
      h.personalize.send(
        new CreateDatasetCommand({
          name: 'second-interactions',
          datasetGroupArn: p.datasetGroupArn,
          datasetType: 'Interactions',
          schemaArn: `${ARN_PREFIX}schema/cp-interactions`,
        }),
      ),
    ).rejects.toThrow(ResourceAlreadyExistsException);
    await expect(
      h.personalize.send(
        new CreateCampaignCommand({ name: 'cp-campaign', solutionVersionArn: p.solutionVersionArn }),
      ),
    ).rejects.toThrow(ResourceAlreadyExistsException);
  });

  test('an unknown ARN is ResourceNotFoundException naming it, for every kind of resource', async () => {
    const missing = (kind: string) => `${ARN_PREFIX}${kind}/nope`;
    await expect(
      h.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: missing('dataset-group') })),
    ).rejects.toThrow(ResourceNotFoundException);
    await expect(
      h.personalize.send(new DescribeSchemaCommand({ schemaArn: missing('schema') })),
    ).rejects.toThrow(/schema\/nope/);
    await expect(
      h.personalize.send(new DescribeCampaignCommand({ campaignArn: missing('campaign') })),
    ).rejects.toThrow(ResourceNotFoundException);
    await expect(
      h.personalize.send(new CreateSolutionVersionCommand({ solutionArn: missing('solution') })),
    ).rejects.toThrow(ResourceNotFoundException);
    await expect(
      h.personalize.send(new DescribeRecipeCommand({ recipeArn: 'arn:aws:personalize:::recipe/aws-nope' })),
    ).rejects.toThrow(ResourceNotFoundException);
  });

  test('a malformed ARN or missing required field is InvalidInputException naming the field', async () => {
    await expect(
      h.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: 'not-an-arn' })),
    ).rejects.toThrow(/datasetGroupArn/);
    await expect(
      h.personalize.send(new CreateSolutionVersionCommand({ solutionArn: undefined })),
    ).rejects.toThrow(InvalidInputException);
    await expect(
      h.personalize.send(new CreateSchemaCommand({ name: 'bad-schema', schema: '{"type": "record"}' })),
    ).rejects.toThrow(/Invalid schema/);
  });

  test('the six recipes are listed and described with their real ARNs', async () => {
    const { recipes = [] } = await h.personalize.send(new ListRecipesCommand({}));
    expect(recipes.map((r) => r.recipeArn).sort()).toEqual([
      'arn:aws:personalize:::recipe/aws-personalized-ranking',
      'arn:aws:personalize:::recipe/aws-popularity-count',
      'arn:aws:personalize:::recipe/aws-similar-items',
      'arn:aws:personalize:::recipe/aws-sims',
      'arn:aws:personalize:::recipe/aws-trending-now',
      'arn:aws:personalize:::recipe/aws-user-personalization',
    ]);
    const { recipe } = await h.personalize.send(
      new DescribeRecipeCommand({ recipeArn: 'arn:aws:personalize:::recipe/aws-sims' }),
    );
    expect(recipe).toMatchObject({ name: 'aws-sims', recipeType: 'RELATED_ITEMS', status: 'ACTIVE' });
  });

  test('list operations find the provisioned resources under their parents, and page with nextToken', async () => {
    const groups = await h.personalize.send(new ListDatasetGroupsCommand({}));
    expect(groups.datasetGroups?.map((g) => g.datasetGroupArn)).toContain(p.datasetGroupArn);
    const schemas = await h.personalize.send(new ListSchemasCommand({}));
    expect(schemas.schemas?.map((s) => s.name)).toEqual(
      expect.arrayContaining(['cp-interactions', 'cp-items']),
    );
    const datasets = await h.personalize.send(
      new ListDatasetsCommand({ datasetGroupArn: p.datasetGroupArn }),
    );
    expect(datasets.datasets?.map((d) => d.datasetType).sort()).toEqual(['Interactions', 'Items']);
    const jobs = await h.personalize.send(
      new ListDatasetImportJobsCommand({ datasetArn: p.interactionsDatasetArn }),
    );
    expect(jobs.datasetImportJobs).toEqual([
      expect.objectContaining({ jobName: 'cp-interactions-import', status: 'ACTIVE' }),
    ]);
    const solutions = await h.personalize.send(
      new ListSolutionsCommand({ datasetGroupArn: p.datasetGroupArn }),
    );
    expect(solutions.solutions?.map((s) => s.solutionArn)).toEqual([p.solutionArn]);
    const versions = await h.personalize.send(
      new ListSolutionVersionsCommand({ solutionArn: p.solutionArn }),
    );
    expect(versions.solutionVersions).toEqual([
      expect.objectContaining({ solutionVersionArn: p.solutionVersionArn, status: 'ACTIVE' }),
    ]);
    const campaigns = await h.personalize.send(new ListCampaignsCommand({ solutionArn: p.solutionArn }));
    expect(campaigns.campaigns?.map((c) => c.campaignArn)).toEqual([p.campaignArn]);
    const trackers = await h.personalize.send(
      new ListEventTrackersCommand({ datasetGroupArn: p.datasetGroupArn }),
    );
    expect(trackers.eventTrackers?.map((t) => t.eventTrackerArn)).toEqual([p.eventTrackerArn]);

    const first = await h.personalize.send(new ListRecipesCommand({ maxResults: 3 }));
    expect(first.recipes).toHaveLength(3);
    const second = await h.personalize.send(
      new ListRecipesCommand({ maxResults: 5, nextToken: first.nextToken }),
    );
    expect(second.recipes).toHaveLength(3);
    expect(second.nextToken).toBeUndefined();
    await expect(h.personalize.send(new ListRecipesCommand({ nextToken: 'garbage!' }))).rejects.toThrow(
      InvalidNextTokenException,
    );
  });

  test('GetSolutionMetrics returns the service metric names for an ACTIVE version', async () => {
    const { solutionVersionArn, metrics } = await h.personalize.send(
      new GetSolutionMetricsCommand({ solutionVersionArn: p.solutionVersionArn }),
    );
    expect(solutionVersionArn).toBe(p.solutionVersionArn);
    expect(Object.keys(metrics ?? {}).sort()).toEqual([
      'coverage',
      'mean_reciprocal_rank_at_25',
      'normalized_discounted_cumulative_gain_at_10',
      'normalized_discounted_cumulative_gain_at_25',
      'normalized_discounted_cumulative_gain_at_5',
      'precision_at_10',
      'precision_at_25',
      'precision_at_5',
    ]);
  });

  test('a dataset group allows one event tracker (LimitExceededException)', async () => {
    await expect(
      h.personalize.send(
        new CreateEventTrackerCommand({ name: 'second-tracker', datasetGroupArn: p.datasetGroupArn }),
      ),
    ).rejects.toThrow(LimitExceededException);
  });

  test('deletes refuse while children exist (ResourceInUseException)', async () => {
    await expect(
      h.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn: p.datasetGroupArn })),
    ).rejects.toThrow(ResourceInUseException);
    await expect(
      h.personalize.send(new DeleteSolutionCommand({ solutionArn: p.solutionArn })),
    ).rejects.toThrow(/delete its campaigns first/);
    await expect(
      h.personalize.send(new DeleteSchemaCommand({ schemaArn: `${ARN_PREFIX}schema/cp-items` })),
    ).rejects.toThrow(ResourceInUseException);
  });

  test('a solution version still training cannot back a campaign, and only one trains at a time', async () => {
    const { solutionVersionArn } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: p.solutionArn }),
    );
    await expect(
      h.personalize.send(new CreateCampaignCommand({ name: 'too-early', solutionVersionArn })),
    ).rejects.toThrow(ResourceInUseException);
    await expect(
      h.personalize.send(new CreateSolutionVersionCommand({ solutionArn: p.solutionArn })),
    ).rejects.toThrow(ResourceInUseException);
    await settle(h, 'solutionVersion', solutionVersionArn ?? '');
  });

  test('UpdateCampaign moves a campaign to another ACTIVE version through UPDATE PENDING', async () => {
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: p.solutionArn, trainingMode: 'UPDATE' }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    await settle(h, 'campaign', p.campaignArn);
    await h.personalize.send(new UpdateCampaignCommand({ campaignArn: p.campaignArn, solutionVersionArn }));
    const during = await h.personalize.send(new DescribeCampaignCommand({ campaignArn: p.campaignArn }));
    expect(during.campaign?.status).toMatch(/^UPDATE /);
    expect(during.campaign?.latestCampaignUpdate?.solutionVersionArn).toBe(solutionVersionArn);
    await settle(h, 'campaign', p.campaignArn);
    const after = await h.personalize.send(new DescribeCampaignCommand({ campaignArn: p.campaignArn }));
    expect(after.campaign?.solutionVersionArn).toBe(solutionVersionArn);
  });

  test('training with no interactions ends CREATE FAILED with a reason', async () => {
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'empty-dsg' }),
    );
    await settle(h, 'datasetGroup', datasetGroupArn);
    const { solutionArn = '' } = await h.personalize.send(
      new CreateSolutionCommand({
        name: 'empty-solution',
        datasetGroupArn,
        recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count',
      }),
    );
    await settle(h, 'solution', solutionArn);
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('CREATE FAILED');
    const { solutionVersion } = await h.personalize.send(
      new DescribeSolutionVersionCommand({ solutionVersionArn }),
    );
    expect(solutionVersion?.failureReason).toMatch(/No interactions/);
    await expect(h.personalize.send(new GetSolutionMetricsCommand({ solutionVersionArn }))).rejects.toThrow(
      ResourceInUseException,
    );
  });

  test('a whole dataset group can be torn down child first, as cdk destroy does', async () => {
    const t = await provision(h, 'teardown', 'aws-popularity-count');
    await h.personalize.send(new DeleteCampaignCommand({ campaignArn: t.campaignArn }));
    await h.personalize.send(new DeleteEventTrackerCommand({ eventTrackerArn: t.eventTrackerArn }));
    const gone = (probe: () => Promise<unknown>) =>
      waitFor(
        () =>
          probe().then(
            () => 'present',
            (e: Error) => e.name,
          ),
        (s) => s === 'ResourceNotFoundException',
        'deletion',
      );
    await gone(() => statusOf.campaign(h, t.campaignArn));
    await h.personalize.send(new DeleteSolutionCommand({ solutionArn: t.solutionArn }));
    await h.personalize.send(new DeleteDatasetCommand({ datasetArn: t.interactionsDatasetArn }));
    await h.personalize.send(new DeleteDatasetCommand({ datasetArn: t.itemsDatasetArn }));
    await gone(() => statusOf.solution(h, t.solutionArn));
    await gone(() => statusOf.dataset(h, t.itemsDatasetArn));
    await gone(() => statusOf.dataset(h, t.interactionsDatasetArn));
    await gone(() => statusOf.eventTracker(h, t.eventTrackerArn));
    await h.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn: t.datasetGroupArn }));
    await gone(() => statusOf.datasetGroup(h, t.datasetGroupArn));
    await expect(statusOf.solutionVersion(h, t.solutionVersionArn)).rejects.toThrow(
      ResourceNotFoundException,
    );
  });

  test('an operation the emulator does not implement is an error naming it', async () => {
    await expect(
      h.personalize.send(
        new CreateRecommenderCommand({
          name: 'r',
          datasetGroupArn: p.datasetGroupArn,
          recipeArn: 'arn:aws:personalize:::recipe/x',
        }),
      ),
    ).rejects.toThrow(/does not implement the operation CreateRecommender/);
  });
});
