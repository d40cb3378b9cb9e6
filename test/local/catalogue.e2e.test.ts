/**
 * The catalogue changing while the system runs, in local mode with the stack's catalogue options
 * (`--usersDataset --retirableItems`, as `-c usersDataset=true -c retirableItems=true`): POST /items and
 * POST /users through the local gateway, the unchanged handlers and their real SDK client, the emulator's
 * PutItems and PutUsers. A retired item never comes back in recommendations: not by default (the `available`
 * filter), not through any filter the stack declares.
 */
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployedLocalMode } from './deployed';
import type { ApiResponse } from './helpers';
import { CATALOGUE_ENV } from '../../lib/contract/function-environment';

jest.setTimeout(300_000);

/** The sample catalogue's GENRE and YEAR of each item (data/items.csv). */
const SAMPLE_ITEMS = new Map(
  readFileSync(join(__dirname, '..', '..', 'data', 'items.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [itemId, genre, year] = line.split(',') as [string, string, string];
      return [itemId, { genre, year }] as const;
    }),
);

describe('the catalogue in local mode: POST /items, POST /users, retired items', () => {
  const deployed = deployedLocalMode({
    name: 'catalogue',
    start: { apiKey: 'catalogue-key', usersDataset: true, retirableItems: true },
  });
  const api = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    deployed().api(method, path, body);
  const filterArn = (name: string) => deployed().local.outputs[`FilterArn${name}`]!;
  const ok = async (response: Promise<ApiResponse>) => {
    const result = await response;
    if (result.status !== 200) throw new Error(`Expected 200, got ${result.status}: ${result.text}`);
    return result.body as Record<string, unknown>;
  };
  const recommended = async (query: Record<string, string> = {}): Promise<string[]> => {
    const params = new URLSearchParams({
      campaignArn: deployed().campaignArn,
      userId: '429',
      numResults: '100',
      ...query,
    });
    const body = await ok(api('GET', `/getRecommendations?${params.toString()}`));
    return (body.itemList as { itemId: string }[]).map((item) => item.itemId);
  };

  it("adds items to the stack's Items dataset, answering which", async () => {
    const answer = await ok(
      api('POST', '/items', {
        items: [
          { itemId: 'new-film-1', properties: { genre: 'Comedy|Drama', year: '2026' } },
          { itemId: 'new-film-2', properties: { year: '2026' } },
        ],
      }),
    );

    expect(answer).toEqual({
      datasetArn: process.env[CATALOGUE_ENV.itemsDatasetArn],
      itemIds: ['new-film-1', 'new-film-2'],
    });
    expect(answer.datasetArn).toMatch(/^arn:aws:personalize:us-east-1:\d{12}:dataset\/.+\/ITEMS$/);
  });

  it.each([
    [
      'more than 10 items',
      { items: Array.from({ length: 11 }, (_, i) => ({ itemId: `m${i}`, properties: { year: '2026' } })) },
      'items: ',
    ],
    [
      'a property that is no field of the Items schema',
      { items: [{ itemId: 'x', properties: { year: '2026', director: 'someone' } }] },
      'items[0].properties.director: is not a field of the Items schema',
    ],
    [
      'a required field missing',
      { items: [{ itemId: 'x', properties: { genre: 'Comedy' } }] },
      'items[0].properties.year: is required',
    ],
  ])('answers 400 naming the field for %s', async (_name, body, message) => {
    const answer = await api('POST', '/items', body);

    expect(answer.status).toBe(400);
    expect((answer.body as { message: string }).message).toContain(message);
  });

  it("refuses another application's dataset with 404", async () => {
    const other = 'arn:aws:personalize:us-east-1:123456789012:dataset/another-app/ITEMS';
    const answer = await api('POST', '/items', {
      datasetArn: other,
      items: [{ itemId: 'x', properties: { year: '2026' } }],
    });

    expect(answer.status).toBe(404);
    expect((answer.body as { message: string }).message).toContain(
      `datasetArn: ${other} is not the Items dataset`,
    );
  });

  it('adds users to the Users dataset, checked against the Users schema', async () => {
    const answer = await ok(
      api('POST', '/users', { users: [{ userId: 'new-user-1', properties: { membership: 'premium' } }] }),
    );
    expect(answer).toEqual({
      datasetArn: process.env[CATALOGUE_ENV.usersDatasetArn],
      userIds: ['new-user-1'],
    });
    expect(answer.datasetArn).toMatch(/\/USERS$/);

    const bad = await api('POST', '/users', { users: [{ userId: 'u', properties: { age: 30 } }] });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain('users[0].properties.age: is not a field');
  });

  it('never recommends a retired item again: by default, and through every filter the stack declares', async () => {
    const before = await recommended();
    // The user's best item of the sample catalogue (an item added above may be recommended too).
    const retired = before.find((itemId) => SAMPLE_ITEMS.has(itemId))!;
    const sample = SAMPLE_ITEMS.get(retired)!;
    const genre = sample.genre.split('|')[0]!;
    const genreValues = JSON.stringify({ GENRE: `"${genre}"` });
    // Before: the item is there by default and in its genre.
    expect(await recommended({ filterArn: filterArn('Genre'), filterValues: genreValues })).toContain(
      retired,
    );

    await ok(
      api('POST', '/items', {
        items: [
          {
            itemId: retired,
            properties: { genre: sample.genre, year: sample.year, availability: 'retired' },
          },
        ],
      }),
    );

    const after = await recommended();
    expect(after).not.toContain(retired);
    // The rest of the list is still served: only the retired item left.
    expect(after.length).toBe(100);
    expect(after).toEqual(expect.arrayContaining(before.filter((itemId) => itemId !== retired).slice(0, 5)));
    expect(await recommended({ filterArn: filterArn('Unwatched') })).not.toContain(retired);
    expect(await recommended({ filterArn: filterArn('Genre'), filterValues: genreValues })).not.toContain(
      retired,
    );
    expect(await recommended({ filterArn: filterArn('Available') })).not.toContain(retired);
  });
});
