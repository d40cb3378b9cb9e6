/**
 * The demo page's "new item" flow in headless Chromium against local mode: a title and a genre, "Add the item"
 * (POST /items, PutItems through the real handler and SDK client), the page says it was added and looks for it
 * in users' recommendations; once the campaign's automatic update has run (the emulator's every-two-hours
 * update, run now through its admin route as the passing of time), exploration reaches a user and the page names
 * that user, whose top 25 then holds the new item.
 */
import { demoPageInBrowser } from './browser';

jest.setTimeout(240_000);

const API_KEY = 'demo-page-new-item-key';
/** Generous: the page asks 10 users every 3 s; a loaded machine can take seconds per request. */
const WAIT = { timeout: 150_000 };

describe("the demo page's new item flow, in headless Chromium", () => {
  const demo = demoPageInBrowser({
    what: "the demo page's new item test",
    name: 'new-item',
    apiKey: API_KEY,
    viewport: { width: 1280, height: 900 },
    // The documented default explorationWeight (0.3), said out loud.
    campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } },
    eventTracker: true,
  });

  it('adds an item with a title and a genre, then names the first user it reaches, whose top 25 holds it', async () => {
    const { page, local, api, connect } = demo();
    await connect('429');
    await page.waitForFunction(
      () => document.querySelectorAll('#recommendations li').length > 0,
      undefined,
      WAIT,
    );
    expect(
      await page.$$eval('#new-item-genre option', (options) => options.map((o) => o.getAttribute('value'))),
    ).toEqual(expect.arrayContaining(['Comedy', 'Drama']));

    await page.fill('#new-item-title', 'The Late Arrival');
    await page.selectOption('#new-item-genre', 'Comedy');
    await page.click('#new-item button[type="submit"]');
    await page.waitForFunction(
      () => document.getElementById('new-item-result')?.textContent?.includes('Added "The Late Arrival"'),
      undefined,
      WAIT,
    );
    const added = (await page.textContent('#new-item-result')) ?? '';
    const itemId = /\((new-[a-z0-9-]+), Comedy\)/.exec(added)?.[1];
    expect(itemId).toBeDefined();

    // Not before the campaign's automatic update: the page keeps looking and says why.
    await page.waitForFunction(
      () => document.getElementById('new-item-result')?.textContent?.includes('automatic update'),
      undefined,
      WAIT,
    );
    // Two hours on the service's clock: the emulator's automatic update, now.
    const update = await fetch(`${local.personalize.endpoint}/_emulator/automatic-updates`, {
      method: 'POST',
      headers: { 'x-emulator-admin': '1' },
    });
    expect(update.status).toBe(200);

    await page.waitForFunction(
      () => document.getElementById('new-item-result')?.textContent?.includes('reached user'),
      undefined,
      WAIT,
    );
    const reached = (await page.textContent('#new-item-result')) ?? '';
    expect(reached).toMatch(
      /^"The Late Arrival" reached user (\S+): number \d+ of their top 25, \d+ s after it was added\./,
    );
    const userId = /reached user (\S+):/.exec(reached)?.[1] ?? '';

    // The API agrees: that user's top 25 holds the item.
    const answer = await api(
      'GET',
      `/getRecommendations?campaignArn=${encodeURIComponent(await page.inputValue('#campaign-arn'))}&userId=${encodeURIComponent(userId)}&numResults=25`,
    );
    expect((answer.body as { itemList: { itemId: string }[] }).itemList.map((item) => item.itemId)).toContain(
      itemId,
    );
  });
});
