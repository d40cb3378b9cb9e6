import {
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateEventTrackerCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteEventTrackerCommand,
  InvalidInputException,
  ListTagsForResourceCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  TagResourceCommand,
  TooManyTagKeysException,
  TooManyTagsException,
  UntagResourceCommand,
  type Tag,
} from '@aws-sdk/client-personalize';
import { provision, settle, startHarness, writeS3Object, type Harness, type Provisioned } from './harness';

const ROLE_ARN = 'arn:aws:iam::000000000000:role/personalize';
const owner = (value: string): Tag[] => [{ tagKey: 'nrt-recommendations:stack', tagValue: value }];
const many = (n: number, prefix = 'k'): Tag[] =>
  Array.from({ length: n }, (_, i) => ({ tagKey: `${prefix}${i}`, tagValue: `v${i}` }));

describe('Personalize emulator tags (TagResource, UntagResource, ListTagsForResource, tags on Create)', () => {
  let h: Harness;
  let p: Provisioned;

  beforeAll(async () => {
    h = await startHarness();
    p = await provision(h, 'tags');
  });
  afterAll(() => h.close());

  const tagsOf = async (resourceArn: string) =>
    (await h.personalize.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  test('every Create call the system makes stores the tags it was given', async () => {
    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'tags-group', tags: owner('group') }),
    );
    await settle(h, 'datasetGroup', datasetGroupArn);
    const { datasetArn = '' } = await h.personalize.send(
      new CreateDatasetCommand({
        name: 'tags-interactions',
        datasetGroupArn,
        datasetType: 'Interactions',
        schemaArn: 'arn:aws:personalize:us-east-1:000000000000:schema/tags-interactions',
        tags: owner('dataset'),
      }),
    );
    await settle(h, 'dataset', datasetArn);
    const { datasetImportJobArn = '' } = await h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: 'tagged-import',
        datasetArn,
        dataSource: { dataLocation: writeS3Object(h, 'tags/i.csv', 'USER_ID,ITEM_ID,TIMESTAMP\nu,i,1\n') },
        roleArn: ROLE_ARN,
        tags: owner('import'),
      }),
    );
    const { eventTrackerArn = '' } = await h.personalize.send(
      new CreateEventTrackerCommand({ name: 'tags-group-tracker', datasetGroupArn, tags: owner('tracker') }),
    );
    const { solutionArn = '' } = await h.personalize.send(
      new CreateSolutionCommand({
        name: 'tagged-solution',
        datasetGroupArn: p.datasetGroupArn,
        recipeArn: 'arn:aws:personalize:::recipe/aws-popularity-count',
        performAutoTraining: false,
        tags: owner('solution'),
      }),
    );
    await settle(h, 'solution', solutionArn);
    const { solutionVersionArn = '' } = await h.personalize.send(
      new CreateSolutionVersionCommand({ solutionArn, tags: owner('version') }),
    );
    const { campaignArn = '' } = await h.personalize.send(
      new CreateCampaignCommand({
        name: 'tagged-campaign',
        solutionVersionArn: p.solutionVersionArn,
        tags: owner('campaign'),
      }),
    );
    const expected: Array<[string, string]> = [
      [datasetGroupArn, 'group'],
      [datasetArn, 'dataset'],
      [datasetImportJobArn, 'import'],
      [eventTrackerArn, 'tracker'],
      [solutionArn, 'solution'],
      [solutionVersionArn, 'version'],
      [campaignArn, 'campaign'],
    ];
    for (const [arn, value] of expected) expect([arn, await tagsOf(arn)]).toEqual([arn, owner(value)]);
    // Untagged resources list no tags.
    expect(await tagsOf(p.campaignArn)).toEqual([]);
    await settle(h, 'solutionVersion', solutionVersionArn);
    await settle(h, 'campaign', campaignArn);
  });

  test('TagResource adds and overwrites by key, UntagResource removes (unknown keys are ignored)', async () => {
    const resourceArn = p.eventTrackerArn;
    await h.personalize.send(
      new TagResourceCommand({
        resourceArn,
        tags: [
          { tagKey: 'team', tagValue: 'recs' },
          { tagKey: 'env', tagValue: 'dev' },
        ],
      }),
    );
    await h.personalize.send(
      new TagResourceCommand({
        resourceArn,
        tags: [
          { tagKey: 'env', tagValue: 'prod' },
          { tagKey: 'empty', tagValue: '' },
        ],
      }),
    );
    expect(await tagsOf(resourceArn)).toEqual([
      { tagKey: 'team', tagValue: 'recs' },
      { tagKey: 'env', tagValue: 'prod' },
      { tagKey: 'empty', tagValue: '' },
    ]);
    await h.personalize.send(new UntagResourceCommand({ resourceArn, tagKeys: ['team', 'never-set'] }));
    expect(await tagsOf(resourceArn)).toEqual([
      { tagKey: 'env', tagValue: 'prod' },
      { tagKey: 'empty', tagValue: '' },
    ]);
    await h.personalize.send(new UntagResourceCommand({ resourceArn, tagKeys: ['env', 'empty'] }));
    expect(await tagsOf(resourceArn)).toEqual([]);
  });

  test("the model's tag rules: key 1 to 128 characters, value up to 256, the tag character set, at most 200 a request", async () => {
    const tag = (tags: Tag[]) =>
      h.personalize.send(new TagResourceCommand({ resourceArn: p.campaignArn, tags }));
    await expect(tag([{ tagKey: '', tagValue: 'v' }])).rejects.toThrow(/tags.1.tagKey/);
    await expect(tag([{ tagKey: 'k'.repeat(129), tagValue: 'v' }])).rejects.toThrow(InvalidInputException);
    await expect(tag([{ tagKey: 'k', tagValue: 'v'.repeat(257) }])).rejects.toThrow(/tags.1.tagValue/);
    await expect(
      tag([
        { tagKey: 'a', tagValue: 'v' },
        { tagKey: 'semi;colon', tagValue: 'v' },
      ]),
    ).rejects.toThrow(/tags.2.tagKey.*regular expression/);
    await expect(tag(many(201))).rejects.toThrow(/'tags'.*less than or equal to 200/);
    await expect(
      tag([{ tagKey: 'k'.repeat(128), tagValue: 'Ünïcode and spaces _.:/=+-@ 123' }]),
    ).resolves.toBeDefined();
    await h.personalize.send(
      new UntagResourceCommand({ resourceArn: p.campaignArn, tagKeys: ['k'.repeat(128)] }),
    );
  });

  test('keys and values may not start with aws: (reserved for AWS)', async () => {
    const tag = (tags: Tag[]) =>
      h.personalize.send(new TagResourceCommand({ resourceArn: p.campaignArn, tags }));
    await expect(tag([{ tagKey: 'aws:cloudformation:stack-name', tagValue: 'x' }])).rejects.toThrow(
      /tags.1.tagKey.*aws:/,
    );
    await expect(tag([{ tagKey: 'k', tagValue: 'AWS:x' }])).rejects.toThrow(InvalidInputException);
    await expect(
      h.personalize.send(
        new CreateDatasetGroupCommand({ name: 'tags-reserved', tags: [{ tagKey: 'aws:x', tagValue: 'y' }] }),
      ),
    ).rejects.toThrow(InvalidInputException);
  });

  test('a resource holds at most 50 tags (TooManyTagsException); UntagResource names at most 50 keys (TooManyTagKeysException)', async () => {
    const resourceArn = p.solutionArn;
    await h.personalize.send(new TagResourceCommand({ resourceArn, tags: many(50) }));
    await expect(
      h.personalize.send(
        new TagResourceCommand({ resourceArn, tags: [{ tagKey: 'one-more', tagValue: 'x' }] }),
      ),
    ).rejects.toThrow(TooManyTagsException);
    // Overwriting existing keys does not add tags.
    await expect(
      h.personalize.send(new TagResourceCommand({ resourceArn, tags: many(50) })),
    ).resolves.toBeDefined();
    await expect(
      h.personalize.send(new CreateDatasetGroupCommand({ name: 'tags-too-many', tags: many(51) })),
    ).rejects.toThrow(TooManyTagsException);
    await expect(
      h.personalize.send(
        new UntagResourceCommand({ resourceArn, tagKeys: many(51).map((t) => t.tagKey ?? '') }),
      ),
    ).rejects.toThrow(TooManyTagKeysException);
    await h.personalize.send(
      new UntagResourceCommand({ resourceArn, tagKeys: many(50).map((t) => t.tagKey ?? '') }),
    );
    expect(await tagsOf(resourceArn)).toEqual([]);
  });

  test('an unknown ARN is ResourceNotFoundException; schemas and recipes take no tags; a resource being deleted is in use', async () => {
    const missing = 'arn:aws:personalize:us-east-1:000000000000:campaign/nope';
    await expect(tagsOf(missing)).rejects.toThrow(ResourceNotFoundException);
    await expect(
      h.personalize.send(new TagResourceCommand({ resourceArn: missing, tags: owner('x') })),
    ).rejects.toThrow(ResourceNotFoundException);
    await expect(
      h.personalize.send(
        new TagResourceCommand({
          resourceArn: 'arn:aws:personalize:us-east-1:000000000000:schema/tags-items',
          tags: owner('x'),
        }),
      ),
    ).rejects.toThrow(InvalidInputException);
    await expect(tagsOf('arn:aws:personalize:::recipe/aws-sims')).rejects.toThrow(InvalidInputException);

    const { datasetGroupArn = '' } = await h.personalize.send(
      new CreateDatasetGroupCommand({ name: 'tags-going' }),
    );
    await settle(h, 'datasetGroup', datasetGroupArn);
    const { eventTrackerArn = '' } = await h.personalize.send(
      new CreateEventTrackerCommand({ name: 'tags-going', datasetGroupArn }),
    );
    await settle(h, 'eventTracker', eventTrackerArn);
    await h.personalize.send(new DeleteEventTrackerCommand({ eventTrackerArn }));
    await expect(
      h.personalize.send(new TagResourceCommand({ resourceArn: eventTrackerArn, tags: owner('late') })),
    ).rejects.toThrow(ResourceInUseException);
  });

  test('tags are kept in the state directory across a restart', async () => {
    await h.personalize.send(
      new TagResourceCommand({ resourceArn: p.datasetGroupArn, tags: owner('durable') }),
    );
    h = await h.restart();
    expect(await tagsOf(p.datasetGroupArn)).toEqual(owner('durable'));
  });
});
