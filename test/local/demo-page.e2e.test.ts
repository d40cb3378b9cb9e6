/**
 * The demo page in a real browser (Debian's chromium, driven by playwright-core) against local mode on free
 * ports: a wrong key shows the 403 message; with the right key the page finds the ACTIVE campaign and tracker
 * through GET /status, shows a user's recommendations with catalogue metadata, and a click through /data
 * (Kinesis, the consumer, Personalize) changes the list within seconds, with the lag shown.
 */
import { join } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { demoPageInBrowser, OUTPUT_DIR } from './browser';

jest.setTimeout(360_000);

const API_KEY = 'demo-page-e2e-key';

describe('the demo page, in headless Chromium', () => {
  // A campaign and a tracker, through the API, as the README walkthrough makes them.
  const demo = demoPageInBrowser({
    what: "the demo page's browser test",
    name: 'demo',
    apiKey: API_KEY,
    viewport: { width: 900, height: 1400 },
    eventTracker: true,
  });

  it('serves the page at the root with a config that holds no key', async () => {
    const { local, root } = demo();
    const config = await (await fetch(`${root}/demo-config.json`)).text();
    expect(JSON.parse(config)).toEqual({
      ApiUrl: `${local.url}/`,
      DatasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
      // Local mode's "provision now" (the page on AWS has none).
      ProvisionPath: '/local/provision',
    });
    expect(config).not.toContain(API_KEY);
    const html = await (await fetch(`${root}/`)).text();
    expect(html).not.toContain(API_KEY);
  });

  it('says the key was refused (403) and what to do when the key is wrong', async () => {
    const { page, root } = demo();
    await page.goto(`${root}/`);
    await page.fill('#api-key', 'not-the-key');
    await page.click('#connect button[type="submit"]');
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await error.textContent()).toMatch(/refused the key \(403 Forbidden\)\. Enter the API key again/);
  });

  it('connects, shows a user, and a click through /data changes the list within seconds, with the lag', async () => {
    const { page, itemIds, connect, notBusy } = demo();
    // The recommendationIds the lists came with, and the batches the clicks sent.
    const listIds: string[] = [];
    const sent: Array<{ Data: { recommendationId?: string } }> = [];
    page.on('response', (response) => {
      if (response.url().includes('/prod/getRecommendations'))
        void response
          .json()
          .then(
            (body: { recommendationId?: string }) =>
              body.recommendationId && listIds.push(body.recommendationId),
          )
          .catch(() => undefined);
    });
    page.on('request', (request) => {
      if (request.url().endsWith('/prod/data')) sent.push(request.postDataJSON() as (typeof sent)[number]);
    });
    await connect('429');
    // The campaign and the tracking id come from GET /status: nothing was prefilled.
    await page.waitForSelector('#recommendations li', { timeout: 15_000 });
    expect(await page.inputValue('#campaign-arn')).toMatch(/:campaign\/demo$/);
    expect(await page.inputValue('#tracking-id')).not.toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('demo-page.api-key'))).toBe(API_KEY);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    const before = await itemIds();
    expect(before).toHaveLength(10);
    // Catalogue metadata (data/items.csv) beside each item.
    const firstMeta = await page.textContent('#recommendations li:first-child .meta');
    expect(firstMeta).toMatch(/\d{4}$/);

    // Click the last item: one event usually moves the list; up to three, as the walkthrough's batch of three.
    const clicked = before[9]!;
    const shownWith = [...listIds];
    for (let click = 0; click < 3; click += 1) {
      await page.click(`#recommendations li[data-item-id="${clicked}"] button.click`);
      await notBusy(30_000);
      if ((await page.textContent('#change'))?.startsWith('Changed')) break;
    }
    // The click cites the list it came from: Personalize derives the impressions from its recommendationId.
    expect(shownWith).toContain(sent[0]?.Data.recommendationId);
    const change = await page.textContent('#change');
    expect(change).toMatch(/^Changed \d+\.\d s after the click: /);
    const lagMs = Number(await page.getAttribute('#change', 'data-lag-ms'));
    expect(lagMs).toBeGreaterThan(0);
    const after = await itemIds();
    expect(after).not.toEqual(before);
    // Changed rows are marked.
    expect(await page.locator('#recommendations .badge').count()).toBeGreaterThan(0);
    // The event log lists the sends.
    expect(await page.textContent('#log')).toContain(`user 429 clicked item ${clicked} via /data`);
    expect(await page.textContent('#log li:first-child')).toMatch(/list changed after \d+\.\d s$/);

    await page.screenshot({ path: join(OUTPUT_DIR, 'demo-page.png'), fullPage: true });
  });

  it('fits a 320 px wide window without horizontal scrolling', async () => {
    const { page } = demo();
    await page.setViewportSize({ width: 320, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(OUTPUT_DIR, 'demo-page-320.png'), fullPage: true });
  });
});
