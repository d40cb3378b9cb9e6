/**
 * The demo page's "new item" flow in headless Chromium against local mode: a title and a genre, "Add the item"
 * (POST /items, PutItems through the real handler and SDK client), the page says it was added and looks for it
 * in users' recommendations; once the campaign's automatic update has run (the emulator's every-two-hours
 * update, run now through its admin route as the passing of time), exploration reaches a user and the page names
 * that user, whose top 25 then holds the new item.
 */
import type { Browser, Page } from 'playwright-core';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, untilActive } from './helpers';
import { launchChromium, requireChromium } from './browser';

jest.setTimeout(240_000);

const API_KEY = 'demo-page-new-item-key';
/** Generous: the page asks 10 users every 3 s; a loaded machine can take seconds per request. */
const WAIT = { timeout: 150_000 };

describe("the demo page's new item flow, in headless Chromium", () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  let browser: Browser;
  let page: Page;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await callApi(local.url, API_KEY, method, path, body);
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response.body as Record<string, string>;
  };

  beforeAll(async () => {
    requireChromium("the demo page's new item test");
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('demo-page-new-item');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: API_KEY,
      personalizeTransitionMs: 20,
      log: () => undefined,
    });
    const { solutionVersionArn } = await api('POST', '/solutionVersion', {
      solutionArn: local.outputs[STACK_OUTPUTS.solutionArn],
      version: 'v1',
    });
    await untilActive('/describeSolutionVersion', () =>
      api('POST', '/describeSolutionVersion', { solutionVersionArn }),
    );
    // The documented default explorationWeight (0.3), said out loud.
    const { campaignArn } = await api('POST', '/campaign', {
      solutionVersionArn,
      name: 'new-item',
      campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } },
    });
    await untilActive('/describeCampaign', () => api('POST', '/describeCampaign', { campaignArn }));
    await api('POST', '/eventTracker', {
      name: 'new-item',
      datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('adds an item with a title and a genre, then names the first user it reaches, whose top 25 holds it', async () => {
    await page.goto(`${local.url.replace(/\/prod$/, '')}/`);
    await page.fill('#api-key', API_KEY);
    await page.fill('#user-id', '429');
    await page.click('#connect button[type="submit"]');
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
    const answer = await callApi(
      local.url,
      API_KEY,
      'GET',
      `/getRecommendations?campaignArn=${encodeURIComponent(await page.inputValue('#campaign-arn'))}&userId=${encodeURIComponent(userId)}&numResults=25`,
    );
    expect((answer.body as { itemList: { itemId: string }[] }).itemList.map((item) => item.itemId)).toContain(
      itemId,
    );
  });
});
