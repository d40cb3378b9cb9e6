import { expect } from '@jest/globals';
import {
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateFilterCommand,
  CreateSchemaCommand,
  DeleteFilterCommand,
  DescribeFilterCommand,
  InvalidInputException as ControlInvalidInputException,
  LimitExceededException,
  ListFiltersCommand,
  ListTagsForResourceCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException as ControlResourceNotFoundException,
} from '@aws-sdk/client-personalize';
import { PutEventsCommand } from '@aws-sdk/client-personalize-events';
import {
  GetPersonalizedRankingCommand,
  GetRecommendationsCommand,
  InvalidInputException,
  type PredictedItem,
} from '@aws-sdk/client-personalize-runtime';
import { seededRandom } from '../../data/random';
import { INTERACTIONS_SCHEMA } from '../../lib/contract/personalize-schemas';
import {
  fixtureCsvs,
  genreOf,
  type Harness,
  ITEM_COUNT,
  itemId,
  provision,
  type Provisioned,
  settle,
  startHarness,
  waitFor,
} from './harness';
import { ManualTime } from '../../local/personalize';

// Filters and promotions as the developer guide defines them, driven through the real SDK clients.

let h: Harness;
let p: Provisioned;
let filterCount = 0;

beforeAll(async () => {
  // The emulator's clock moves only when a test moves it: a filter is not ACTIVE before its steps have run.
  h = await startHarness({ keepState: false, time: new ManualTime() });
  p = await provision(h, 'filters');
}, 60_000);
afterAll(async () => h.close());

const filterStatus = async (filterArn: string) =>
  (await h.personalize.send(new DescribeFilterCommand({ filterArn }))).filter?.status;

/** Probes until `done`, moving the emulator's clock one lifecycle step after each probe that is not. */
function stepUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  return waitFor(
    async () => {
      const value = await probe();
      if (!done(value)) await h.time?.advance(h.transitionMs);
      return value;
    },
    done,
    what,
  );
}

/** Creates a filter in `group` and waits for it to be ACTIVE. */
async function activeFilter(filterExpression: string, datasetGroupArn = p.datasetGroupArn): Promise<string> {
  const { filterArn = '' } = await h.personalize.send(
    new CreateFilterCommand({ name: `f-${++filterCount}`, datasetGroupArn, filterExpression }),
  );
  await stepUntil(
    () => filterStatus(filterArn),
    (s) => s === 'ACTIVE',
    `filter ${filterArn}`,
  );
  return filterArn;
}

async function deleteFilter(filterArn: string): Promise<void> {
  await h.personalize.send(new DeleteFilterCommand({ filterArn }));
  await stepUntil(
    () => filterStatus(filterArn).catch((e: unknown) => (e as Error).name),
    (s) => s === 'ResourceNotFoundException',
    `filter ${filterArn} to be deleted`,
  );
}

/** The fixture's interactions of a user (imported), by item: the event types. */
function fixtureHistory(userId: string): { itemId: string; eventType: string }[] {
  return fixtureCsvs()
    .interactions.trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','))
    .filter(([user]) => user === userId)
    .map(([, item = '', eventType = '']) => ({ itemId: item, eventType }));
}

const ids = (items: PredictedItem[] | undefined) => (items ?? []).map((i) => i.itemId ?? '');
const genresOfItem = (id: string): string[] => {
  const i = Number(id.replace('item-', ''));
  return [genreOf(i), ...(i % 10 === 0 ? ['Classic'] : [])];
};

/** A dataset group with an Interactions and an Items dataset (YEAR of the type given), all ACTIVE. */
async function groupWithDatasets(
  name: string,
  fields: { YEAR: string },
  harness: Harness = h,
): Promise<string> {
  const { datasetGroupArn = '' } = await harness.personalize.send(new CreateDatasetGroupCommand({ name }));
  await settle(harness, 'datasetGroup', datasetGroupArn);
  const { schemaArn: interactions } = await harness.personalize.send(
    new CreateSchemaCommand({ name: `${name}-i`, schema: JSON.stringify(INTERACTIONS_SCHEMA) }),
  );
  const items = {
    type: 'record',
    name: 'Items',
    namespace: 'com.amazonaws.personalize.schema',
    fields: [
      { name: 'ITEM_ID', type: 'string' },
      { name: 'GENRE', type: ['null', 'string'], categorical: true },
      { name: 'YEAR', type: fields.YEAR },
      { name: 'AVAILABLE', type: 'boolean' },
      { name: 'PRICE', type: 'float' },
      { name: 'COLOR', type: 'string' },
      { name: 'SIZE', type: 'string' },
    ],
    version: '1.0',
  };
  const { schemaArn: itemsSchema } = await harness.personalize.send(
    new CreateSchemaCommand({ name: `${name}-items`, schema: JSON.stringify(items) }),
  );
  for (const [type, schemaArn] of [
    ['Interactions', interactions],
    ['Items', itemsSchema],
  ] as const) {
    const { datasetArn = '' } = await harness.personalize.send(
      new CreateDatasetCommand({ name: `${name}-${type}`, datasetGroupArn, datasetType: type, schemaArn }),
    );
    await settle(harness, 'dataset', datasetArn);
  }
  return datasetGroupArn;
}

describe('CreateFilter: the expression grammar', () => {
  // Separate group: these filters would otherwise count against the serving group's limit of 10.
  let groupArn = '';
  let numericGroupArn = '';
  beforeAll(async () => {
    groupArn = await groupWithDatasets('grammar', { YEAR: 'string' });
    numericGroupArn = await groupWithDatasets('numeric', { YEAR: 'int' });
  }, 30_000);

  const accepted: [string, string][] = [
    [
      'the guide: exclude what the user clicked or streamed',
      'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
    ],
    ['a placeholder for event types', 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($EVENT_TYPE)'],
    ['* for every event type', 'INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")'],
    ['the genre placeholder', 'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)'],
    [
      'AND and OR over one dataset',
      'EXCLUDE ItemID WHERE Items.GENRE IN ("Comedy") AND Items.YEAR NOT IN ("1999") OR Items.ITEM_ID IN ("item-1")',
    ],
    [
      'chained expressions of both datasets',
      'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
    ],
    ['CurrentItem on the right of IN', 'INCLUDE ItemID WHERE Items.GENRE IN CurrentItem.GENRE'],
  ];
  test.each(accepted)('accepts %s', async (_what, filterExpression) => {
    const filterArn = await activeFilter(filterExpression, groupArn);
    expect(
      (await h.personalize.send(new DescribeFilterCommand({ filterArn }))).filter?.filterExpression,
    ).toBe(filterExpression);
    await deleteFilter(filterArn);
  });

  test('accepts comparisons of numerical fields, with a number, a placeholder or CurrentItem', async () => {
    for (const expression of [
      'INCLUDE ItemID WHERE Items.YEAR >= 2000',
      'INCLUDE ItemID WHERE Items.YEAR < $YEAR',
      'INCLUDE ItemID WHERE Items.YEAR <= CurrentItem.YEAR AND Items.GENRE IN CurrentItem.GENRE',
    ]) {
      await deleteFilter(await activeFilter(expression, numericGroupArn));
    }
  });

  const rejected: [string, string, RegExp][] = [
    ['a missing action', 'ItemID WHERE Items.GENRE IN ("Comedy")', /starts with INCLUDE or EXCLUDE/],
    ['a missing WHERE', 'EXCLUDE ItemID Items.GENRE IN ("Comedy")', /followed by WHERE/],
    ['lower-case keywords', 'exclude ItemID WHERE Items.GENRE IN ("Comedy")', /INCLUDE or EXCLUDE/],
    ['an unterminated string', 'EXCLUDE ItemID WHERE Items.GENRE IN ("Comedy)', /unterminated string/],
    ['an unclosed list', 'EXCLUDE ItemID WHERE Items.GENRE IN ("Comedy"', /ends where/],
    [
      'Interactions and Items in one expression',
      'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch") AND Items.GENRE IN ("Comedy")',
      /one expression/,
    ],
    [
      'an interaction field other than EVENT_TYPE',
      'EXCLUDE ItemID WHERE Interactions.TIMESTAMP IN ("1")',
      /only Interactions.EVENT_TYPE/,
    ],
    ['a placeholder with NOT IN', 'EXCLUDE ItemID WHERE Items.GENRE NOT IN ($GENRE)', /NOT IN/],
    [
      'a placeholder beside fixed values',
      'EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE, "Comedy")',
      /stands alone/,
    ],
    ['a boolean field', 'EXCLUDE ItemID WHERE Items.AVAILABLE IN ("True")', /boolean/],
    [
      'a field the schema does not have',
      'EXCLUDE ItemID WHERE Items.COLOUR IN ("red")',
      /not a field of the Items schema/,
    ],
    ['a comparison of a string field', 'INCLUDE ItemID WHERE Items.YEAR > 2000', /numerical/],
    ['* on an item field', 'EXCLUDE ItemID WHERE Items.GENRE IN (*)', /EVENT_TYPE only/],
    ['an unknown dataset', 'EXCLUDE ItemID WHERE Users.AGE IN ("3")', /unknown dataset/],
    [
      'user segments',
      'INCLUDE UserID WHERE Interactions.EVENT_TYPE IN ("click")',
      /item recommendations only/,
    ],
    ['CurrentUser outside IF', 'EXCLUDE ItemID WHERE CurrentUser.AGE IN ("3")', /only in an IF/],
  ];
  test.each(rejected)(
    'refuses %s (InvalidInputException naming the problem)',
    async (_what, filterExpression, message) => {
      const create = () =>
        h.personalize.send(
          new CreateFilterCommand({
            name: `bad-${++filterCount}`,
            datasetGroupArn: groupArn,
            filterExpression,
          }),
        );
      await expect(create()).rejects.toThrow(ControlInvalidInputException);
      await expect(create()).rejects.toThrow(message);
    },
  );

  test('at most 5 distinct dataset fields in a filter, counted across its chained expressions', async () => {
    const four =
      'EXCLUDE ItemID WHERE Items.GENRE IN ("a") AND Items.YEAR IN ("1") OR Items.GENRE IN ("b") | EXCLUDE ItemID WHERE Items.ITEM_ID IN ("x") | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")';
    await deleteFilter(await activeFilter(four, groupArn));
    const six = `${four} | INCLUDE ItemID WHERE Items.COLOR IN ("red") AND Items.SIZE IN ("L")`;
    await expect(
      h.personalize.send(
        new CreateFilterCommand({ name: 'six', datasetGroupArn: groupArn, filterExpression: six }),
      ),
    ).rejects.toThrow(/6 distinct dataset fields.*the maximum for a filter is 5/);
  });

  test('the model constraints: expression 1 to 2,500 characters, the name pattern', async () => {
    const create = (name: string, filterExpression: string) =>
      h.personalize.send(new CreateFilterCommand({ name, datasetGroupArn: groupArn, filterExpression }));
    await expect(
      create('long', `EXCLUDE ItemID WHERE Items.ITEM_ID IN (${'"x",'.repeat(700)}"y")`),
    ).rejects.toThrow(/filterExpression.*less than or equal to 2500/);
    await expect(create('-bad', 'EXCLUDE ItemID WHERE Items.GENRE IN ("a")')).rejects.toThrow(/name/);
  });
});

describe('CreateFilter, DescribeFilter, ListFilters, DeleteFilter', () => {
  test('a filter goes CREATE PENDING → CREATE IN_PROGRESS → ACTIVE one lifecycle step apart, is described with its expression and tags, then DELETE PENDING → gone', async () => {
    const time = new ManualTime(Date.UTC(2026, 0, 1));
    const stepped = await startHarness({ keepState: false, time });
    try {
      const groupArn = await groupWithDatasets('lifecycle', { YEAR: 'int' }, stepped);
      const described = async () =>
        (await stepped.personalize.send(new DescribeFilterCommand({ filterArn }))).filter;
      const filterExpression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")';
      const { filterArn = '' } = await stepped.personalize.send(
        new CreateFilterCommand({
          name: 'lifecycle',
          datasetGroupArn: groupArn,
          filterExpression,
          tags: [{ tagKey: 'team', tagValue: 'recs' }],
        }),
      );
      expect(filterArn).toBe('arn:aws:personalize:us-east-1:000000000000:filter/lifecycle');
      expect(await described()).toMatchObject({
        name: 'lifecycle',
        status: 'CREATE PENDING',
        datasetGroupArn: groupArn,
        filterExpression,
      });
      const seen = [(await described())?.status];
      for (const _ of ['to IN_PROGRESS', 'to ACTIVE']) {
        await time.advance(stepped.transitionMs - 1);
        expect((await described())?.status).toBe(seen[seen.length - 1]);
        await time.advance(1);
        seen.push((await described())?.status);
      }
      expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
      expect(
        (await stepped.personalize.send(new ListTagsForResourceCommand({ resourceArn: filterArn }))).tags,
      ).toEqual([{ tagKey: 'team', tagValue: 'recs' }]);
      await expect(
        stepped.personalize.send(
          new CreateFilterCommand({ name: 'lifecycle', datasetGroupArn: groupArn, filterExpression }),
        ),
      ).rejects.toThrow(ResourceAlreadyExistsException);

      await stepped.personalize.send(new DeleteFilterCommand({ filterArn }));
      expect((await described())?.status).toBe('DELETE PENDING');
      // Gone within a few lifecycle steps of the clock.
      for (let step = 0; step < 5 && (await described().catch(() => undefined)); step++)
        await time.advance(stepped.transitionMs);
      await expect(described()).rejects.toThrow(ControlResourceNotFoundException);
      await expect(stepped.personalize.send(new DeleteFilterCommand({ filterArn }))).rejects.toThrow(
        ControlResourceNotFoundException,
      );
    } finally {
      await stepped.close();
    }
  });

  test('a filter of a dataset group that does not exist is ResourceNotFoundException', async () => {
    await expect(
      h.personalize.send(
        new CreateFilterCommand({
          name: 'orphan',
          datasetGroupArn: 'arn:aws:personalize:us-east-1:000000000000:dataset-group/none',
          filterExpression: 'EXCLUDE ItemID WHERE Items.GENRE IN ("a")',
        }),
      ),
    ).rejects.toThrow(ControlResourceNotFoundException);
  });

  test("ListFilters pages under the model's `Filters` key, by dataset group; the 11th filter of a group is LimitExceededException", async () => {
    const created: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { filterArn = '' } = await h.personalize.send(
        new CreateFilterCommand({
          name: `many-${i}`,
          datasetGroupArn: p.datasetGroupArn,
          filterExpression: `EXCLUDE ItemID WHERE Items.ITEM_ID IN ("item-${i}")`,
        }),
      );
      created.push(filterArn);
    }
    await expect(
      h.personalize.send(
        new CreateFilterCommand({
          name: 'eleventh',
          datasetGroupArn: p.datasetGroupArn,
          filterExpression: 'EXCLUDE ItemID WHERE Items.GENRE IN ("a")',
        }),
      ),
    ).rejects.toThrow(LimitExceededException);
    const first = await h.personalize.send(
      new ListFiltersCommand({ datasetGroupArn: p.datasetGroupArn, maxResults: 6 }),
    );
    expect(first.Filters).toHaveLength(6);
    expect(first.nextToken).toBeDefined();
    const second = await h.personalize.send(
      new ListFiltersCommand({
        datasetGroupArn: p.datasetGroupArn,
        maxResults: 6,
        nextToken: first.nextToken,
      }),
    );
    expect(second.Filters).toHaveLength(4);
    expect(second.nextToken).toBeUndefined();
    expect([...(first.Filters ?? []), ...(second.Filters ?? [])].map((f) => f.filterArn).sort()).toEqual(
      [...created].sort(),
    );
    for (const filterArn of created) await settleThenDelete(filterArn);
  });

  async function settleThenDelete(filterArn: string): Promise<void> {
    await stepUntil(
      () => filterStatus(filterArn),
      (s) => s === 'ACTIVE',
      'ACTIVE',
    );
    await deleteFilter(filterArn);
  }
});

describe('GetRecommendations with a filter', () => {
  const recommend = (input: Partial<ConstructorParameters<typeof GetRecommendationsCommand>[0]>) =>
    h.runtime.send(
      new GetRecommendationsCommand({
        campaignArn: p.campaignArn,
        userId: 'user-1',
        numResults: 10,
        ...input,
      }),
    );

  test('"unwatched" removes every item the user watched and still returns numResults items', async () => {
    const filterArn = await activeFilter('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")');
    const watched = new Set(
      fixtureHistory('user-1')
        .filter((e) => e.eventType === 'watch')
        .map((e) => e.itemId),
    );
    expect(watched.size).toBeGreaterThan(0);
    const { itemList } = await recommend({ filterArn, numResults: 25 });
    expect(itemList).toHaveLength(25);
    expect(ids(itemList).filter((id) => watched.has(id))).toEqual([]);
    // Unfiltered, the user's top list does hold watched items: the filter is what removed them.
    const unfiltered = await recommend({ numResults: ITEM_COUNT });
    expect(ids(unfiltered.itemList).some((id) => watched.has(id))).toBe(true);
    await deleteFilter(filterArn);
  });

  test('a PutEvents event takes effect in the filter at once, matched case-insensitively', async () => {
    const filterArn = await activeFilter('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Watch")');
    const before = ids((await recommend({ userId: 'user-2', filterArn })).itemList);
    const top = before[0] ?? '';
    await h.events.send(
      new PutEventsCommand({
        trackingId: p.trackingId,
        userId: 'user-2',
        sessionId: 's',
        eventList: [{ eventType: 'WATCH', itemId: top, sentAt: new Date() }],
      }),
    );
    const after = ids((await recommend({ userId: 'user-2', filterArn })).itemList);
    expect(after).not.toContain(top);
    expect(after).toHaveLength(10);
    await deleteFilter(filterArn);
  });

  test('"genre" with filterValues includes only that genre; categorical values match any of an item\'s genres', async () => {
    const filterArn = await activeFilter('INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)');
    const { itemList } = await recommend({ filterArn, filterValues: { GENRE: '"Classic"' }, numResults: 25 });
    // Items 0, 10, ..., 50 are Classic: six of them.
    expect(ids(itemList).sort()).toEqual([0, 10, 20, 30, 40, 50].map(itemId).sort());
    const two = await recommend({ filterArn, filterValues: { GENRE: '"Comedy","Drama"' }, numResults: 40 });
    expect(two.itemList).toHaveLength(40);
    expect(
      ids(two.itemList).every((id) => genresOfItem(id).some((g) => g === 'Comedy' || g === 'Drama')),
    ).toBe(true);
    await deleteFilter(filterArn);
  });

  test('filterValues: INCLUDE needs every parameter, EXCLUDE without its values is not used, unknown names are refused', async () => {
    const include = await activeFilter('INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)');
    await expect(recommend({ filterArn: include })).rejects.toThrow(InvalidInputException);
    await expect(recommend({ filterArn: include })).rejects.toThrow(/\$GENRE/);
    await expect(recommend({ filterArn: include, filterValues: { genre: '"Comedy"' } })).rejects.toThrow(
      /filterValues.genre: the filter has no parameter/,
    );
    const exclude = await activeFilter('EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE)');
    const unfiltered = ids((await recommend({})).itemList);
    expect(ids((await recommend({ filterArn: exclude })).itemList)).toEqual(unfiltered);
    const noComedy = ids(
      (await recommend({ filterArn: exclude, filterValues: { GENRE: '"Comedy"' } })).itemList,
    );
    expect(noComedy.some((id) => genresOfItem(id).includes('Comedy'))).toBe(false);
    await deleteFilter(include);
    await deleteFilter(exclude);
  });

  test("filterValues: the model's limits (25 entries, key pattern and length, value length)", async () => {
    const filterArn = p.campaignArn.replace(/campaign\/.*/, 'filter/any');
    const many = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`P${i}`, '"a"']));
    await expect(recommend({ filterArn, filterValues: many })).rejects.toThrow(
      /filterValues.*less than or equal to 25/,
    );
    await expect(recommend({ filterArn, filterValues: { 'bad-key': '"a"' } })).rejects.toThrow(
      /filterValues.bad-key/,
    );
    await expect(recommend({ filterArn, filterValues: { K: 'x'.repeat(1001) } })).rejects.toThrow(
      /filterValues.K.*less than or equal to 1000/,
    );
    await expect(recommend({ filterArn, filterValues: { ['K'.repeat(51)]: '"a"' } })).rejects.toThrow(
      /less than or equal to 50/,
    );
  });

  test('a filter not yet ACTIVE, or of another dataset group, is InvalidInputException; CurrentItem needs a related-items campaign', async () => {
    const { filterArn = '' } = await h.personalize.send(
      new CreateFilterCommand({
        name: 'pending',
        datasetGroupArn: p.datasetGroupArn,
        filterExpression: 'EXCLUDE ItemID WHERE Items.GENRE IN ("Comedy")',
      }),
    );
    await expect(recommend({ filterArn })).rejects.toThrow(/not ACTIVE/);
    await stepUntil(
      () => filterStatus(filterArn),
      (s) => s === 'ACTIVE',
      'ACTIVE',
    );
    const current = await activeFilter('INCLUDE ItemID WHERE Items.GENRE IN CurrentItem.GENRE');
    await expect(recommend({ filterArn: current })).rejects.toThrow(/related-items recipes/);
    await deleteFilter(filterArn);
    await deleteFilter(current);
  });

  test('GetPersonalizedRanking drops the items the filter excludes', async () => {
    // The fixture campaign is user-personalization: ranking needs its own campaign.
    const ranking = await provision(h, 'ranking', 'aws-personalized-ranking');
    const { filterArn = '' } = await h.personalize.send(
      new CreateFilterCommand({
        name: 'no-comedy',
        datasetGroupArn: ranking.datasetGroupArn,
        filterExpression: 'EXCLUDE ItemID WHERE Items.GENRE IN ("Comedy")',
      }),
    );
    await stepUntil(
      () => filterStatus(filterArn),
      (s) => s === 'ACTIVE',
      'ACTIVE',
    );
    const inputList = [0, 1, 2, 3, 4, 5].map(itemId);
    const { personalizedRanking } = await h.runtime.send(
      new GetPersonalizedRankingCommand({
        campaignArn: ranking.campaignArn,
        userId: 'user-1',
        inputList,
        filterArn,
      }),
    );
    expect(ids(personalizedRanking).sort()).toEqual(
      inputList.filter((id) => !genresOfItem(id).includes('Comedy')).sort(),
    );
  }, 60_000);
});

describe('promotions', () => {
  test('percentPromotedItems of the results come from the promotion filter, named; the rest obey the request filter', async () => {
    const comedy = await activeFilter('INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)');
    const unwatched = await activeFilter('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")');
    const watched = new Set(
      fixtureHistory('user-3')
        .filter((e) => e.eventType === 'watch')
        .map((e) => e.itemId),
    );
    const { itemList = [] } = await h.runtime.send(
      new GetRecommendationsCommand({
        campaignArn: p.campaignArn,
        userId: 'user-3',
        numResults: 10,
        filterArn: unwatched,
        promotions: [
          {
            name: 'comedy-week',
            percentPromotedItems: 25,
            filterArn: comedy,
            filterValues: { GENRE: '"Comedy"' },
          },
        ],
      }),
    );
    expect(itemList).toHaveLength(10);
    const promoted = itemList.filter((i) => i.promotionName === 'comedy-week');
    // 25% of 10, rounded up.
    expect(promoted).toHaveLength(3);
    expect(promoted.every((i) => genresOfItem(i.itemId ?? '').includes('Comedy'))).toBe(true);
    const rest = itemList.filter((i) => i.promotionName === undefined);
    expect(rest.every((i) => !watched.has(i.itemId ?? ''))).toBe(true);
    // Promoted items keep their own order (by score), wherever they are placed.
    const scores = promoted.map((i) => i.score ?? 0);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(ids(itemList)).size).toBe(10);
    await deleteFilter(comedy);
    await deleteFilter(unwatched);
  });

  test('a promotion with too few matching items promotes as many as it can; percentPromotedItems is 1 to 100', async () => {
    const one = await activeFilter('INCLUDE ItemID WHERE Items.ITEM_ID IN ("item-7")');
    const { itemList = [] } = await h.runtime.send(
      new GetRecommendationsCommand({
        campaignArn: p.campaignArn,
        userId: 'user-3',
        numResults: 10,
        promotions: [{ name: 'one', percentPromotedItems: 100, filterArn: one }],
      }),
    );
    expect(itemList).toHaveLength(10);
    expect(itemList.filter((i) => i.promotionName === 'one').map((i) => i.itemId)).toEqual(['item-7']);
    await expect(
      h.runtime.send(
        new GetRecommendationsCommand({
          campaignArn: p.campaignArn,
          userId: 'user-3',
          promotions: [{ name: 'zero', percentPromotedItems: 0, filterArn: one }],
        }),
      ),
    ).rejects.toThrow(/promotions.1.percentPromotedItems/);
    await deleteFilter(one);
  });
});

describe('no filtered call returns an item its filter excludes (seeded property test)', () => {
  test('random expressions and events against a brute-force evaluator', async () => {
    const random = seededRandom(20);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const eventTypes = ['click', 'watch', 'Watch', 'CLICK', 'rate'];
    const genres = ['Action', 'Comedy', 'Drama', 'Classic'];
    const history = new Map<string, { itemId: string; eventType: string }[]>();
    const historyOf = (userId: string) => {
      if (!history.has(userId)) history.set(userId, fixtureHistory(userId));
      return history.get(userId) ?? [];
    };
    type Clause = { text: string; matches: (userId: string, item: string) => boolean };
    const clause = (): Clause => {
      if (random() < 0.5) {
        const types = [pick(eventTypes), pick(eventTypes)];
        const not = random() < 0.3;
        const lower = new Set(types.map((t) => t.toLowerCase()));
        return {
          text: `Interactions.EVENT_TYPE ${not ? 'NOT IN' : 'IN'} (${types.map((t) => `"${t}"`).join(', ')})`,
          matches: (userId, item) =>
            historyOf(userId).some((e) => e.itemId === item && lower.has(e.eventType.toLowerCase()) !== not),
        };
      }
      const values = [pick(genres), pick(genres)];
      const not = random() < 0.3;
      return {
        text: `Items.GENRE ${not ? 'NOT IN' : 'IN'} (${values.map((v) => `"${v}"`).join(', ')})`,
        matches: (_userId, item) => genresOfItem(item).some((g) => values.includes(g)) !== not,
      };
    };
    for (let round = 0; round < 8; round++) {
      // One or two chained expressions, each of one dataset, joined by AND or OR.
      const expressions = Array.from({ length: random() < 0.5 ? 1 : 2 }, () => {
        const first = clause();
        const second = random() < 0.5 ? clause() : undefined;
        const sameDataset = second && second.text.split('.')[0] === first.text.split('.')[0];
        const and = random() < 0.5;
        return {
          action: random() < 0.5 ? 'INCLUDE' : 'EXCLUDE',
          text: sameDataset ? `${first.text} ${and ? 'AND' : 'OR'} ${second.text}` : first.text,
          matches: (u: string, i: string) =>
            sameDataset
              ? and
                ? first.matches(u, i) && second.matches(u, i)
                : first.matches(u, i) || second.matches(u, i)
              : first.matches(u, i),
        };
      });
      const expression = expressions.map((e) => `${e.action} ItemID WHERE ${e.text}`).join(' | ');
      const allowed = (u: string, i: string) => {
        const includes = expressions.filter((e) => e.action === 'INCLUDE');
        const excludes = expressions.filter((e) => e.action === 'EXCLUDE');
        return (
          (includes.length === 0 || includes.some((e) => e.matches(u, i))) &&
          !excludes.some((e) => e.matches(u, i))
        );
      };
      const filterArn = await activeFilter(expression);
      for (let call = 0; call < 4; call++) {
        // Users no other test sends events for: the brute force knows their whole history.
        const userId = `user-${10 + Math.floor(random() * 10)}`;
        // A few events first: the filter must see them at once.
        const sent = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
          itemId: itemId(Math.floor(random() * ITEM_COUNT)),
          eventType: pick(eventTypes),
        }));
        await h.events.send(
          new PutEventsCommand({
            trackingId: p.trackingId,
            userId,
            sessionId: `s-${userId}`,
            eventList: sent.map((e) => ({ ...e, sentAt: new Date() })),
          }),
        );
        historyOf(userId).push(...sent);
        const { itemList } = await recommend(userId, filterArn);
        const expected = Array.from({ length: ITEM_COUNT }, (_, i) => itemId(i)).filter((i) =>
          allowed(userId, i),
        );
        const returned = ids(itemList);
        expect({ expression, userId, excluded: returned.filter((id) => !allowed(userId, id)) }).toEqual({
          expression,
          userId,
          excluded: [],
        });
        // numResults is met while enough items remain.
        expect(returned).toHaveLength(Math.min(20, expected.length));
      }
      await deleteFilter(filterArn);
    }
  }, 60_000);

  const recommend = (userId: string, filterArn: string) =>
    h.runtime.send(
      new GetRecommendationsCommand({ campaignArn: p.campaignArn, userId, numResults: 20, filterArn }),
    );
});
