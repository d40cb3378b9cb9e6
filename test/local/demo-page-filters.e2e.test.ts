/**
 * The demo page's business rules in headless Chromium against local mode: the "hide what this user watched"
 * toggle asks with the stack's `unwatched` filter (found through GET /status) and the list leaves out what the
 * user watched; a Watch through /data makes the item vanish from that list within seconds, and the change
 * summary says it left because it was watched; the genre picker asks with the `genre` filter and its
 * filterValues, and turns the toggle off (one filter per request). At 390 and 1280 px.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, silenceHandlerLogs, temporaryDirectory, untilActive } from './helpers';
import { launchChromium, requireChromium } from './browser';

jest.setTimeout(360_000);

const OUTPUT_DIR = resolve(__dirname, '..', '..', 'test-output');
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
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let restoreStdout: () => void;
  let browser: Browser;
  let page: Page;
  let root: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await callApi(local.url, API_KEY, method, path, body);
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response.body as Record<string, string>;
  };
  const itemIds = () =>
    page.$$eval('#recommendations li', (rows) => rows.map((row) => row.getAttribute('data-item-id') ?? ''));
  const notBusy = () =>
    page.waitForFunction(() => document.body.getAttribute('aria-busy') !== 'true', undefined, WAIT);
  /** Waits for the list headed with this filter's label, drawn and not busy. */
  const listFor = async (heading: string) => {
    await page.waitForFunction(
      (text) =>
        document.getElementById('recs-user')?.textContent === text &&
        document.body.getAttribute('aria-busy') !== 'true' &&
        document.querySelectorAll('#recommendations li').length > 0,
      heading,
      WAIT,
    );
    return itemIds();
  };
  const noOverflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  beforeAll(async () => {
    requireChromium("the demo page's filters test");
    restoreStdout = silenceHandlerLogs();
    state = temporaryDirectory('demo-page-filters');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: API_KEY,
      personalizeTransitionMs: 20,
      log: () => undefined,
    });
    root = local.url.replace(/\/prod$/, '');
    const { solutionVersionArn } = await api('POST', '/solutionVersion', {
      solutionArn: local.outputs[STACK_OUTPUTS.solutionArn],
      version: 'v1',
    });
    await untilActive('/describeSolutionVersion', () =>
      api('POST', '/describeSolutionVersion', { solutionVersionArn }),
    );
    const { campaignArn } = await api('POST', '/campaign', { solutionVersionArn, name: 'filters' });
    await untilActive('/describeCampaign', () => api('POST', '/describeCampaign', { campaignArn }));
    await api('POST', '/eventTracker', {
      name: 'filters',
      datasetGroupArn: local.outputs[STACK_OUTPUTS.datasetGroupArn],
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    mkdirSync(OUTPUT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('offers the toggle and a picker of the catalogue genres once connected', async () => {
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
