/**
 * The stack's filters end to end in local mode: the unchanged handlers with their real SDK clients, through the
 * local gateway, Kinesis and the consumer, to the Personalize emulator. One `watch` sent through POST /data
 * (stream, consumer, PutEvents) or POST /putEvents takes the item out of that user's `unwatched` list, which
 * still holds numResults items; the `genre` filter with its filterValues returns only that genre. How long the
 * /data path takes is measured by the benchmark (scripts/benchmark.ts), not asserted here.
 */
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployedLocalMode } from './deployed';
import { waitFor } from './helpers';

jest.setTimeout(360_000);

const DATA = join(__dirname, '..', '..', 'data');
const USER = '429';

/** The sample's rows as records by upper-cased column name. */
function csvRows(file: string): Array<Record<string, string>> {
  const [header = '', ...lines] = readFileSync(join(DATA, file), 'utf8').trim().split('\n');
  const names = header.split(',').map((name) => name.trim().toUpperCase());
  return lines.map((line) => {
    const fields = line.split(',');
    return Object.fromEntries(names.map((name, index) => [name, (fields[index] ?? '').trim()]));
  });
}

describe("the stack's filters through local mode's gateway", () => {
  const deployed = deployedLocalMode({ name: 'filters', eventTracker: true });

  const recommendations = async (query: Record<string, string>): Promise<string[]> => {
    const { ok, campaignArn } = deployed();
    const search = new URLSearchParams({ campaignArn, userId: USER, numResults: '10', ...query });
    const body = (await ok('GET', `/getRecommendations?${search}`)) as unknown as {
      itemList: Array<{ itemId: string }>;
    };
    return body.itemList.map((item) => item.itemId);
  };
  const filterArn = (name: 'Unwatched' | 'Genre') => deployed().local.outputs[`FilterArn${name}`] ?? '';
  const unwatched = () => recommendations({ filterArn: filterArn('Unwatched') });
  const watch = (itemId: string) => ({
    userId: USER,
    itemId,
    eventType: 'watch',
    trackingId: deployed().trackingId,
    interactions: 1,
  });

  it('leaves out every item the user watched in the imported data, and still returns numResults items', async () => {
    const watched = new Set(
      csvRows('interactions.csv')
        .filter((row) => row.USER_ID === USER && row.EVENT_TYPE === 'watch')
        .map((row) => row.ITEM_ID),
    );
    // Fewer than the 100 newest per event type the filter reads: every one of them counts.
    expect(watched.size).toBeGreaterThan(0);
    expect(watched.size).toBeLessThanOrEqual(100);
    const list = await unwatched();
    expect(list).toHaveLength(10);
    expect(list.filter((itemId) => watched.has(itemId))).toEqual([]);
  });

  it('takes the item out of the unwatched list after one watch through POST /data (Kinesis, consumer, PutEvents)', async () => {
    const before = await unwatched();
    const item = before[0]!;
    const sent = await deployed().api('POST', '/data', {
      'stream-name': 'ignored',
      PartitionKey: USER,
      Data: watch(item),
    });
    expect(sent.status).toBe(200);
    // Asynchronous: the consumer delivers it within seconds (the benchmark measures how many).
    const after = await waitFor(
      `item ${item} to leave user ${USER}'s unwatched list`,
      async () => {
        const list = await unwatched();
        return list.includes(item) ? undefined : list;
      },
      60_000,
      50,
    );
    expect(after).toHaveLength(10);
  });

  it('takes the item out of the unwatched list as soon as POST /putEvents answers', async () => {
    const before = await unwatched();
    const item = before[0]!;
    const sent = await deployed().api('POST', '/putEvents', watch(item));
    expect(sent.status).toBe(200);
    const after = await unwatched();
    expect(after).not.toContain(item);
    expect(after).toHaveLength(10);
    // A numResults other than 10 is honoured too.
    expect(await recommendations({ filterArn: filterArn('Unwatched'), numResults: '3' })).toHaveLength(3);
  });

  it('returns only the genre given in filterValues, numResults of them', async () => {
    const genres = new Map(csvRows('items.csv').map((row) => [row.ITEM_ID, (row.GENRE ?? '').split('|')]));
    const list = await recommendations({
      filterArn: filterArn('Genre'),
      filterValues: JSON.stringify({ GENRE: '"Comedy"' }),
    });
    expect(list).toHaveLength(10);
    expect(list.filter((itemId) => !genres.get(itemId)?.includes('Comedy'))).toEqual([]);
  });

  it('answers 400 naming filterValues when the genre filter is used without a value for $GENRE', async () => {
    const search = new URLSearchParams({
      campaignArn: deployed().campaignArn,
      userId: USER,
      filterArn: filterArn('Genre'),
    });
    const response = await deployed().api('GET', `/getRecommendations?${search}`);
    expect(response.status).toBe(400);
    expect((response.body as { message: string }).message).toMatch(/filterValues.*\$GENRE/);
  });
});
