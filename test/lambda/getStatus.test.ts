// First import: the factories set the test environment before any SDK client is created.
import {
  ACCOUNT,
  CAMPAIGN_ARN,
  DATASET_GROUP_ARN,
  EVENT_TRACKER_ARN,
  REGION,
  SOLUTION_ARN,
  SOLUTION_VERSION_ARN,
  TRACKING_ID,
  apiEvent,
  bodyOf,
  expectGenericServerError,
  lambdaContext,
  serviceError,
  unexpectedError,
} from './factories';
import {
  DescribeEventTrackerCommand,
  ListCampaignsCommand,
  ListDatasetImportJobsCommand,
  ListEventTrackersCommand,
  ListFiltersCommand,
  DescribeFilterCommand,
  ListSolutionVersionsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/getStatus';
import { STATUS_ENV } from '../../lib/contract/function-environment';

const personalize = mockClient(PersonalizeClient);
const get = () => handler(apiEvent({ method: 'GET', path: '/status' }), lambdaContext());

const arn = (resource: string) => `arn:aws:personalize:${REGION}:${ACCOUNT}:${resource}`;
const INTERACTIONS_DATASET_ARN = arn('dataset/movies/INTERACTIONS');
const ITEMS_DATASET_ARN = arn('dataset/movies/ITEMS');
const OTHER_TRACKER_ARN = arn('event-tracker/another-application');
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

const ENVIRONMENT = {
  [STATUS_ENV.datasetGroupArn]: DATASET_GROUP_ARN,
  [STATUS_ENV.solutionArn]: SOLUTION_ARN,
  [STATUS_ENV.interactionsDatasetArn]: INTERACTIONS_DATASET_ARN,
  [STATUS_ENV.itemsDatasetArn]: ITEMS_DATASET_ARN,
};

/** A group with two import jobs (the interactions' on two pages), two versions, a campaign and two trackers. */
function mockGroup(): void {
  personalize
    .on(ListDatasetImportJobsCommand, { datasetArn: INTERACTIONS_DATASET_ARN, nextToken: undefined })
    .resolves({
      datasetImportJobs: [
        {
          datasetImportJobArn: arn('dataset-import-job/interactions-2'),
          jobName: 'interactions-2',
          status: 'CREATE FAILED',
          failureReason: 'Input file not found',
          creationDateTime: at(30),
        },
      ],
      nextToken: 'page-2',
    })
    .on(ListDatasetImportJobsCommand, { datasetArn: INTERACTIONS_DATASET_ARN, nextToken: 'page-2' })
    .resolves({
      datasetImportJobs: [
        {
          datasetImportJobArn: arn('dataset-import-job/interactions-1'),
          jobName: 'interactions-1',
          status: 'ACTIVE',
          creationDateTime: at(0),
        },
      ],
    })
    .on(ListDatasetImportJobsCommand, { datasetArn: ITEMS_DATASET_ARN })
    .resolves({
      datasetImportJobs: [
        {
          datasetImportJobArn: arn('dataset-import-job/items-1'),
          jobName: 'items-1',
          status: 'ACTIVE',
          creationDateTime: at(1),
        },
      ],
    })
    .on(ListSolutionVersionsCommand, { solutionArn: SOLUTION_ARN })
    .resolves({
      solutionVersions: [
        {
          solutionVersionArn: SOLUTION_VERSION_ARN,
          status: 'ACTIVE',
          trainingMode: 'FULL',
          creationDateTime: at(10),
        },
        {
          solutionVersionArn: `${SOLUTION_ARN}/second`,
          status: 'CREATE IN_PROGRESS',
          creationDateTime: at(20),
        },
      ],
    })
    .on(ListCampaignsCommand, { solutionArn: SOLUTION_ARN })
    .resolves({
      campaigns: [{ campaignArn: CAMPAIGN_ARN, name: 'movies', status: 'ACTIVE', creationDateTime: at(15) }],
    })
    .on(ListEventTrackersCommand, { datasetGroupArn: DATASET_GROUP_ARN })
    .resolves({
      eventTrackers: [
        { eventTrackerArn: EVENT_TRACKER_ARN, name: 'ours', status: 'ACTIVE', creationDateTime: at(16) },
        { eventTrackerArn: OTHER_TRACKER_ARN, name: 'theirs', status: 'ACTIVE', creationDateTime: at(17) },
      ],
    })
    .on(DescribeEventTrackerCommand, { eventTrackerArn: EVENT_TRACKER_ARN })
    .resolves({ eventTracker: { eventTrackerArn: EVENT_TRACKER_ARN, trackingId: TRACKING_ID } })
    .on(DescribeEventTrackerCommand, { eventTrackerArn: OTHER_TRACKER_ARN })
    .rejects(
      serviceError(
        'AccessDeniedException',
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/x is not authorized to perform: personalize:DescribeEventTracker on resource: ${OTHER_TRACKER_ARN}`,
        403,
      ),
    )
    .on(ListFiltersCommand, { datasetGroupArn: DATASET_GROUP_ARN })
    .resolves({
      Filters: [
        { filterArn: arn('filter/unwatched'), name: 'unwatched', status: 'ACTIVE', creationDateTime: at(5) },
        { filterArn: arn('filter/theirs'), name: 'theirs', status: 'ACTIVE', creationDateTime: at(6) },
      ],
    })
    .on(DescribeFilterCommand, { filterArn: arn('filter/unwatched') })
    .resolves({ filter: { filterExpression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")' } })
    .on(DescribeFilterCommand, { filterArn: arn('filter/theirs') })
    .rejects(
      serviceError('AccessDeniedException', 'not authorized to perform: personalize:DescribeFilter', 403),
    );
}

const saved = Object.fromEntries(Object.keys(ENVIRONMENT).map((name) => [name, process.env[name]]));

beforeEach(() => {
  personalize.reset();
  Object.assign(process.env, ENVIRONMENT);
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('GET /status', () => {
  it("answers the group's import jobs, versions, campaigns and trackers, newest first, dates in ISO 8601", async () => {
    mockGroup();

    const result = await get();

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      datasetGroupArn: DATASET_GROUP_ARN,
      importJobs: [
        {
          datasetImportJobArn: arn('dataset-import-job/interactions-2'),
          jobName: 'interactions-2',
          datasetType: 'Interactions',
          status: 'CREATE FAILED',
          creationDateTime: '2026-01-01T12:30:00.000Z',
          failureReason: 'Input file not found',
        },
        {
          datasetImportJobArn: arn('dataset-import-job/items-1'),
          jobName: 'items-1',
          datasetType: 'Items',
          status: 'ACTIVE',
          creationDateTime: '2026-01-01T12:01:00.000Z',
        },
        {
          datasetImportJobArn: arn('dataset-import-job/interactions-1'),
          jobName: 'interactions-1',
          datasetType: 'Interactions',
          status: 'ACTIVE',
          creationDateTime: '2026-01-01T12:00:00.000Z',
        },
      ],
      solutionVersions: [
        {
          solutionVersionArn: `${SOLUTION_ARN}/second`,
          status: 'CREATE IN_PROGRESS',
          creationDateTime: '2026-01-01T12:20:00.000Z',
        },
        {
          solutionVersionArn: SOLUTION_VERSION_ARN,
          status: 'ACTIVE',
          trainingMode: 'FULL',
          creationDateTime: '2026-01-01T12:10:00.000Z',
        },
      ],
      campaigns: [
        {
          campaignArn: CAMPAIGN_ARN,
          name: 'movies',
          status: 'ACTIVE',
          creationDateTime: '2026-01-01T12:15:00.000Z',
        },
      ],
      eventTrackers: [
        // Another application's tracker in the group: listed, but its tracking id is not this stack's to read.
        {
          eventTrackerArn: OTHER_TRACKER_ARN,
          name: 'theirs',
          status: 'ACTIVE',
          creationDateTime: '2026-01-01T12:17:00.000Z',
        },
        {
          eventTrackerArn: EVENT_TRACKER_ARN,
          name: 'ours',
          status: 'ACTIVE',
          creationDateTime: '2026-01-01T12:16:00.000Z',
          trackingId: TRACKING_ID,
        },
      ],
      filters: [
        // Not one the stack declares: listed, its expression not this stack's to read.
        {
          name: 'theirs',
          filterArn: arn('filter/theirs'),
          status: 'ACTIVE',
          creationDateTime: '2026-01-01T12:06:00.000Z',
        },
        {
          name: 'unwatched',
          filterArn: arn('filter/unwatched'),
          filterExpression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
          status: 'ACTIVE',
          creationDateTime: '2026-01-01T12:05:00.000Z',
        },
      ],
    });
  });

  it('reads every page of a listing (the paginators follow nextToken)', async () => {
    mockGroup();

    await get();

    expect(personalize).toHaveReceivedCommandWith(ListDatasetImportJobsCommand, {
      datasetArn: INTERACTIONS_DATASET_ARN,
      nextToken: 'page-2',
    });
  });

  it('answers empty lists for a group with nothing created yet', async () => {
    personalize.onAnyCommand().resolves({});

    expect(bodyOf(await get())).toEqual({
      datasetGroupArn: DATASET_GROUP_ARN,
      importJobs: [],
      solutionVersions: [],
      campaigns: [],
      eventTrackers: [],
      filters: [],
    });
  });

  it('answers a throttled listing with 429, as every route answers Personalize throttling', async () => {
    mockGroup();
    personalize.on(ListCampaignsCommand).rejects(serviceError('ThrottlingException', 'Rate exceeded'));

    const result = await get();

    expect(result.statusCode).toBe(429);
    expect(bodyOf(result)).toMatchObject({ code: 'TooManyRequestsException' });
  });

  it('fails a request whose tracker description fails for another reason than access (500, nothing leaked)', async () => {
    mockGroup();
    personalize
      .on(DescribeEventTrackerCommand, { eventTrackerArn: EVENT_TRACKER_ARN })
      .rejects(unexpectedError());

    expectGenericServerError(await get());
  });

  it.each(Object.values(STATUS_ENV))(
    'answers 500 when %s is not set (a configuration error)',
    async (name) => {
      personalize.onAnyCommand().resolves({});
      delete process.env[name];

      expectGenericServerError(await get());
      expect(personalize).not.toHaveReceivedAnyCommand();
    },
  );
});
