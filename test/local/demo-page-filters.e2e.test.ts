/**
 * The demo page's business rules in headless Chromium against local mode: the "hide what this user watched"
 * toggle asks with the stack's `unwatched` filter (found through GET /status) and the list leaves out what the
 * user watched; a Watch through /data makes the item vanish from that list within seconds, and the change
 * summary says it left because it was watched; the genre picker asks with the `genre` filter and its
 * filterValues, and turns the toggle off (one filter per request). At 390 and 1280 px.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { demoPageInBrowser, OUTPUT_DIR } from './browser';

jest.setTimeout(360_000);

const DATA = resolve(__dirname, '..', '..', 'data');
const API_KEY = 'demo-page-filters-key';
const USER = '429';
/** Generous: the page polls every 250 ms; a loaded machine can take seconds per request. */
const WAIT = { timeout: 60_000 };

/** The items the sample data says the user watched (fewer than the 100 per event type a filter reads). */
function watchedInSample(userId: string): Set<string> {
  const rows = readFileSync(join(DATA, 'interactions.csv'), 'utf8').trim().split('\n').slice(1);
  return new Set(
    rows
      .map((line) => line.split(','))
      .filter(([user, , eventType]) => user === userId && eventType === 'watch')
      .map(([, item]) => item ?? ''),
  );
}

describe("the demo page's filters, in headless Chromium", () => {
  const demo = demoPageInBrowser({
    what: "the demo page's filters test",
    name: 'filters',
    apiKey: API_KEY,
    viewport: { width: 390, height: 844 },
    eventTracker: true,
  });
  const itemIds = () => demo().itemIds();
  const notBusy = () => demo().notBusy(WAIT.timeout);
  /** Waits for the list headed with this filter's label, drawn and not busy. */
  const listFor = async (heading: string) => {
    await demo().page.waitForFunction(
      (text) =>
        document.getElementById('recs-user')?.textContent === text &&
        document.body.getAttribute('aria-busy') !== 'true' &&
        document.querySelectorAll('#recommendations li').length > 0,
      heading,
      WAIT,
    );
    return itemIds();
  };
  const noOverflow = () =>
    demo().page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  it('offers the toggle and a picker of the catalogue genres once connected', async () => {
    const { page, root } = demo();
    await page.goto(`${root}/`);
    expect(await page.isDisabled('#hide-watched')).toBe(true);
    await page.fill('#api-key', API_KEY);
    await page.fill('#user-id', USER);
    await page.click('#connect button[type="submit"]');
    await listFor(`for user ${USER}`);
    expect(await page.isEnabled('#hide-watched')).toBe(true);
    expect(await page.isEnabled('#genre')).toBe(true);
    const genres = await page.$$eval('#genre option', (options) => options.map((o) => o.textContent));
    expect(genres[0]).toBe('Any genre');
    expect(genres).toEqual(expect.arrayContaining(['Comedy', 'Drama', 'Thriller']));
    expect(await page.textContent('#filters-note')).toContain('One filter per request');
  });

  it('hides what the user watched, and a Watch through /data makes the item vanish, saying why', async () => {
    const { page } = demo();
    await page.check('#hide-watched');
    const before = await listFor(`for user ${USER} (hiding what they watched)`);
    expect(before).toHaveLength(10);
    const watched = watchedInSample(USER);
    expect(watched.size).toBeGreaterThan(0);
    expect(before.filter((itemId) => watched.has(itemId))).toEqual([]);

    // /data is the default channel: Kinesis, the consumer, then PutEvents.
    const item = before[2]!;
    await page.click(`#recommendations li[data-item-id="${item}"] button.watch`);
    await page.waitForFunction(
      () => document.getElementById('change')?.textContent?.includes('because it was watched'),
      undefined,
      WAIT,
    );
    await notBusy();
    const change = await page.textContent('#change');
    expect(change).toMatch(
      /^Changed \d+\.\d s after the watch: .*\d+ left.* left the list because it was watched/,
    );
    const after = await itemIds();
    expect(after).not.toContain(item);
    expect(after).toHaveLength(10);
    expect(await page.textContent('#left')).toContain('Left the list:');
    expect(await page.textContent('#log li:first-child')).toMatch(
      new RegExp(`user ${USER} watched item ${item} via /data: left the list after \\d+\\.\\d s$`),
    );
    // The summary stays in view on a phone, and nothing scrolls sideways.
    expect(
      await page.$eval('#change', (node) => {
        const box = node.getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
      }),
    ).toBe(true);
    expect(await noOverflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(OUTPUT_DIR, 'demo-page-filters-390.png') });
  });

  it('shows only the picked genre, turning hide-watched off', async () => {
    const { page } = demo();
    await page.selectOption('#genre', 'Comedy');
    await listFor(`for user ${USER} (only Comedy)`);
    expect(await page.isChecked('#hide-watched')).toBe(false);
    const metas = await page.$$eval('#recommendations .meta', (nodes) => nodes.map((n) => n.textContent));
    expect(metas).toHaveLength(10);
    expect(metas.filter((meta) => !meta?.includes('Comedy'))).toEqual([]);

    // Back to no filter: "Any genre".
    await page.selectOption('#genre', '');
    await listFor(`for user ${USER}`);
  });

  it('keeps the filter controls beside the list at 1280 px, with no horizontal scrolling', async () => {
    const { page } = demo();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.check('#hide-watched');
    await listFor(`for user ${USER} (hiding what they watched)`);
    const controls = (await page.locator('#controls').boundingBox())!;
    const toggle = (await page.locator('#hide-watched').boundingBox())!;
    const list = (await page.locator('#recommendations').boundingBox())!;
    expect(toggle.x + toggle.width).toBeLessThanOrEqual(controls.x + controls.width);
    expect(list.x).toBeGreaterThanOrEqual(controls.x + controls.width);
    expect(await noOverflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(OUTPUT_DIR, 'demo-page-filters-1280.png') });
  });
});
