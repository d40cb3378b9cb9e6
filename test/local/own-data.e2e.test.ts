/**
 * Local mode on the user's own CSVs, as docs/local-mode.md#your-own-data tells it: the minimal pair the page
 * shows imports, and a header that does not fit stops the start with a message naming the expected columns.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalMode } from '../../local/start';
import { temporaryDirectory } from './helpers';

jest.setTimeout(120_000);

/** The ```csv blocks of the page, in order: the interactions example, then the items example. */
function documentedExamples(): string[] {
  const page = readFileSync(resolve(__dirname, '..', '..', 'docs', 'local-mode.md'), 'utf8');
  return [...page.matchAll(/```csv\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('local mode on your own data', () => {
  it("imports the documented minimal pair of CSVs under the stack's schemas", async () => {
    const [interactions, items] = documentedExamples();
    expect(interactions).toMatch(/^USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n/);
    expect(items).toMatch(/^ITEM_ID,GENRE,YEAR\n/);
    const state = temporaryDirectory('own-data');
    try {
      writeFileSync(join(state.path, 'my-interactions.csv'), interactions ?? '');
      writeFileSync(join(state.path, 'my-items.csv'), items ?? '');
      const lines: string[] = [];
      const local = await startLocalMode({
        port: 0,
        stateDir: join(state.path, 'state'),
        personalizeTransitionMs: 20,
        interactionDataLocation: join(state.path, 'my-interactions.csv'),
        itemDataLocation: join(state.path, 'my-items.csv'),
        log: (line) => lines.push(line),
      });
      await local.close();
      expect(lines).toContain(
        'Importing s3://local-data/interactions/my-interactions.csv (NearRealTimeRecommendations-interactions-import-519b9dc7)',
      );
    } finally {
      state.remove();
    }
  });

  it('stops with the column that does not fit and the columns the schema expects', async () => {
    const state = temporaryDirectory('own-data-bad-header');
    try {
      const file = join(state.path, 'ratings.csv');
      writeFileSync(file, 'user,item,rating,when\n1,2,5,881250949\n');
      await expect(
        startLocalMode({
          port: 0,
          stateDir: join(state.path, 'state'),
          personalizeTransitionMs: 20,
          interactionDataLocation: file,
          log: () => undefined,
        }),
      ).rejects.toThrow(
        "column user is not a field of the dataset's schema (expected columns: USER_ID, ITEM_ID, EVENT_TYPE, TIMESTAMP)",
      );
    } finally {
      state.remove();
    }
  });
});
