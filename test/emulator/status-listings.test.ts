/**
 * The listings `GET /status` makes, as the SDK's paginators make them: each filtered by its parent (an
 * import job by dataset, a version and a campaign by solution, a tracker by dataset group), so two stacks'
 * groups in one account never show each other's resources; paged with nextToken, newest first.
 */
import { expect } from '@jest/globals';
import {
  CreateSolutionVersionCommand,
  paginateListCampaigns,
  paginateListDatasetImportJobs,
  paginateListEventTrackers,
  paginateListSolutionVersions,
  ResourceNotFoundException,
  ListSolutionVersionsCommand,
} from '@aws-sdk/client-personalize';
import { provision, settle, startHarness, type Harness, type Provisioned } from './harness';

jest.setTimeout(60_000);

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe('the listings of GET /status', () => {
  let h: Harness;
  let a: Provisioned;
  let b: Provisioned;
  const versionsOfA: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ keepState: false });
    a = await provision(h, 'a');
    b = await provision(h, 'b');
    versionsOfA.push(a.solutionVersionArn);
    for (const trainingMode of ['UPDATE', 'FULL'] as const) {
      const { solutionVersionArn = '' } = await h.personalize.send(
        new CreateSolutionVersionCommand({ solutionArn: a.solutionArn, trainingMode }),
      );
      await settle(h, 'solutionVersion', solutionVersionArn);
      versionsOfA.push(solutionVersionArn);
    }
  });

  afterAll(() => h?.close());

  it("pages a solution's versions one at a time, newest first, and only that solution's", async () => {
    const pages = await collect(
      paginateListSolutionVersions({ client: h.personalize, pageSize: 1 }, { solutionArn: a.solutionArn }),
    );

    expect(pages.map((page) => page.solutionVersions?.length)).toEqual([1, 1, 1]);
    const versions = pages.flatMap((page) => page.solutionVersions ?? []);
    expect(versions.map((version) => version.solutionVersionArn)).toEqual([...versionsOfA].reverse());
    expect(versions.map((version) => version.trainingMode)).toEqual(['FULL', 'UPDATE', 'FULL']);
    const times = versions.map((version) => version.creationDateTime?.getTime() ?? NaN);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(versions.map((version) => version.solutionVersionArn)).not.toContain(b.solutionVersionArn);
  });

  it("lists a dataset's import jobs only, with their names, statuses and dates", async () => {
    const [page] = await collect(
      paginateListDatasetImportJobs({ client: h.personalize }, { datasetArn: a.itemsDatasetArn }),
    );

    expect(page?.datasetImportJobs).toEqual([
      expect.objectContaining({
        jobName: 'a-items-import',
        status: 'ACTIVE',
        creationDateTime: expect.any(Date),
      }),
    ]);
  });

  it("lists a solution's campaigns and a dataset group's trackers only", async () => {
    const campaigns = await collect(
      paginateListCampaigns({ client: h.personalize }, { solutionArn: a.solutionArn }),
    );
    const trackers = await collect(
      paginateListEventTrackers({ client: h.personalize }, { datasetGroupArn: b.datasetGroupArn }),
    );

    expect(campaigns.flatMap((page) => page.campaigns ?? []).map((c) => c.campaignArn)).toEqual([
      a.campaignArn,
    ]);
    expect(trackers.flatMap((page) => page.eventTrackers ?? [])).toEqual([
      expect.objectContaining({
        eventTrackerArn: b.eventTrackerArn,
        status: 'ACTIVE',
        name: expect.any(String),
      }),
    ]);
  });

  it('answers ResourceNotFoundException for the versions of a solution that does not exist', async () => {
    await expect(
      h.personalize.send(new ListSolutionVersionsCommand({ solutionArn: `${a.solutionArn}-gone` })),
    ).rejects.toThrow(ResourceNotFoundException);
  });
});
