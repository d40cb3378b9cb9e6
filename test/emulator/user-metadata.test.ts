/**
 * The Users dataset, as the developer guide documents it (local/personalize/user-metadata.ts): User-Personalization
 * uses user metadata; a new user gets popular items until a new solution version is trained with their record; that
 * version gives a user without history the items of the users who share their metadata. Through the real SDK
 * clients; time is a ManualTime moved past User-Personalization's automatic update, which does not bring users in.
 */
import {
  CreateDatasetCommand,
  CreateDatasetImportJobCommand,
  CreateSchemaCommand,
  CreateSolutionVersionCommand,
  UpdateCampaignCommand,
} from '@aws-sdk/client-personalize';
import { PutUsersCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { USERS_SCHEMA } from '../../lib/contract/personalize-schemas';
import { AUTOMATIC_UPDATE_MS, ManualTime } from '../../local/personalize';
import {
  GENRES,
  genreOf,
  provision,
  settle,
  startHarness,
  USER_COUNT,
  writeS3Object,
  type Harness,
  type Provisioned,
} from './harness';

describe('user metadata (a Users dataset) reaches recommendations at the next solution version', () => {
  const time = new ManualTime(Date.UTC(2026, 0, 5, 9));
  let h: Harness;
  let p: Provisioned;
  let usersDatasetArn = '';

  /** The genres of a user's first five recommendations. */
  const genresFor = async (userId: string): Promise<string[]> => {
    const { itemList = [] } = await h.runtime.send(
      new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId, numResults: 5 }),
    );
    return itemList.map((i) => genreOf(Number(i.itemId?.split('-')[1])));
  };
  const idsFor = async (userId: string): Promise<string[]> => {
    const { itemList = [] } = await h.runtime.send(
      new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId, numResults: 10 }),
    );
    return itemList.map((i) => i.itemId ?? '');
  };
  const putUser = (userId: string, membership: string) =>
    h.events.send(
      new PutUsersCommand({
        datasetArn: usersDatasetArn,
        users: [{ userId, properties: JSON.stringify({ membership }) }],
      }),
    );
  const retrain = async () => {
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn: p.solutionArn }),
    );
    expect(await settle(h, 'solutionVersion', solutionVersionArn)).toBe('ACTIVE');
    await h.personalize.send(new UpdateCampaignCommand({ campaignArn: p.campaignArn, solutionVersionArn }));
    expect(await settle(h, 'campaign', p.campaignArn)).toBe('ACTIVE');
  };

  beforeAll(async () => {
    h = await startHarness({ time });
    p = await provision(h, 'meta', 'aws-user-personalization', { performAutoTraining: false });
    const { schemaArn } = await h.personalize.send(
      new CreateSchemaCommand({ name: 'meta-users', schema: JSON.stringify(USERS_SCHEMA) }),
    );
    ({ datasetArn: usersDatasetArn = '' } = await h.personalize.send(
      new CreateDatasetCommand({
        name: 'meta-users',
        datasetGroupArn: p.datasetGroupArn,
        datasetType: 'Users',
        schemaArn,
      }),
    ));
    await settle(h, 'dataset', usersDatasetArn);
    // Each fixture user watches one genre (user-u: GENRES[u % 3]); their membership names it.
    const rows = ['USER_ID,MEMBERSHIP'];
    for (let u = 0; u < USER_COUNT; u++) rows.push(`user-${u},${GENRES[u % GENRES.length]}-club`);
    const { datasetImportJobArn = '' } = await h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: 'meta-users-import',
        datasetArn: usersDatasetArn,
        dataSource: { dataLocation: writeS3Object(h, 'meta/users.csv', rows.join('\n') + '\n') },
        roleArn: 'arn:aws:iam::000000000000:role/personalize',
      }),
    );
    expect(await settle(h, 'importJob', datasetImportJobArn)).toBe('ACTIVE');
  });
  afterAll(() => h.close());

  it('a user added with PutUsers gets popular items until a new version, even past the automatic update', async () => {
    await putUser('newcomer', 'Drama-club');
    expect(await idsFor('newcomer')).toEqual(await idsFor('stranger'));
    await time.advance(AUTOMATIC_UPDATE_MS + 60_000);
    expect(await idsFor('newcomer')).toEqual(await idsFor('stranger'));
  });

  it('the next version gives a user without history the items of users who share their metadata', async () => {
    await retrain();
    expect(await genresFor('newcomer')).toEqual(['Drama', 'Drama', 'Drama', 'Drama', 'Drama']);
    await putUser('action-fan', 'Action-club');
    // Put after that version was trained: popular items until the next one.
    expect(await idsFor('action-fan')).toEqual(await idsFor('stranger'));
    expect(await genresFor('stranger')).not.toEqual(['Drama', 'Drama', 'Drama', 'Drama', 'Drama']);
    await retrain();
    expect(await genresFor('action-fan')).toEqual(['Action', 'Action', 'Action', 'Action', 'Action']);
  });

  it('a later PutUsers record of a user replaces their metadata at the next version, and all of it survives a restart', async () => {
    await putUser('newcomer', 'Comedy-club');
    await retrain();
    expect(await genresFor('newcomer')).toEqual(['Comedy', 'Comedy', 'Comedy', 'Comedy', 'Comedy']);
    h = await h.restart();
    expect(await genresFor('newcomer')).toEqual(['Comedy', 'Comedy', 'Comedy', 'Comedy', 'Comedy']);
    expect(await genresFor('action-fan')).toEqual(['Action', 'Action', 'Action', 'Action', 'Action']);
  });
});
