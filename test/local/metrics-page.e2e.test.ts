/**
 * Local mode's metrics, end to end: the functions' EMF lines land in `<state>/metrics/emf.log` (not on the
 * terminal), the emulator counts Personalize's PutEventsRequests, and the metrics page, in headless Chromium
 * (Debian's chromium, driven by playwright-core), shows events received, delivered and Personalize's count,
 * and the recommendation latency p50/p99, updating live as events and requests arrive.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PROVISIONING_OUTPUTS } from '../../lib/contract/stack-outputs';
import { startLocalMode, type LocalMode } from '../../local/start';
import { callApi, temporaryDirectory, waitFor } from './helpers';
import { launchChromium, requireChromium } from './browser';

jest.setTimeout(180_000);

const API_KEY = 'metrics-page-e2e-key';

describe('the metrics page, in headless Chromium', () => {
  let local: LocalMode;
  let state: ReturnType<typeof temporaryDirectory>;
  let browser: Browser;
  let page: Page;
  const terminal: string[] = [];
  let restoreStdout: () => void;

  const figure = async (id: string) => (await page.textContent(`#${id}`)) ?? '';
  const untilFigure = (id: string, accept: (text: string) => boolean) =>
    waitFor(
      `#${id} to update`,
      async () => {
        const text = await figure(id);
        return accept(text) ? text : undefined;
      },
      60_000,
      200,
    );

  beforeAll(async () => {
    requireChromium("the metrics page's browser test");
    // What reaches the terminal, with the handlers' JSON log lines kept off the test output.
    const write = process.stdout.write.bind(process.stdout);
    const spy = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string') terminal.push(chunk);
        if (typeof chunk === 'string' && chunk.startsWith('{"timestamp"')) return true;
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      });
    restoreStdout = () => spy.mockRestore();
    state = temporaryDirectory('metrics-page-e2e');
    local = await startLocalMode({
      port: 0,
      stateDir: state.path,
      apiKey: API_KEY,
      personalizeTransitionMs: 20,
      provision: true,
      log: () => undefined,
    });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await local?.close();
    state?.remove();
    restoreStdout?.();
  });

  it('starts empty, then shows events delivered, Personalize’s count and the latency as they happen', async () => {
    const root = local.url.replace(/\/prod$/, '');
    await page.goto(`${root}/metrics?refreshMs=300`);
    await untilFigure('updated', (text) => text.startsWith('updated'));
    expect(await figure('events-delivered')).toBe('0');
    expect(await figure('latency-p50')).toBe('–');

    // Three clicks through /data (Kinesis, the consumer, Personalize), and two recommendation requests.
    const trackingId = local.outputs[PROVISIONING_OUTPUTS.trackingId];
    const campaignArn = local.outputs[PROVISIONING_OUTPUTS.campaignArn] ?? '';
    const data = await callApi(local.url, API_KEY, 'POST', '/data', {
      'stream-name': 'ignored',
      PartitionKey: '429',
      Data: { userId: '429', itemId: '1210', eventType: 'click', trackingId, interactions: 3 },
    });
    expect(data.status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      const query = `?campaignArn=${encodeURIComponent(campaignArn)}&userId=429&numResults=5`;
      expect((await callApi(local.url, API_KEY, 'GET', `/getRecommendations${query}`)).status).toBe(200);
    }

    await untilFigure('events-delivered', (text) => Number(text) >= 3);
    await untilFigure('personalize-events', (text) => Number(text) >= 3);
    await untilFigure('latency-p50', (text) => /^\d+ ms$/.test(text));
    expect(await figure('latency-p99')).toMatch(/^\d+ ms$/);
    expect(await figure('events-set-aside')).toBe('0');
    expect(await page.textContent('#event-types')).toContain('click');
    expect(await figure('latency-note')).toMatch(/2 requests/);
  });

  it('keeps the EMF lines in the state directory, off the terminal', () => {
    const lines = readFileSync(join(state.path, 'metrics', 'emf.log'), 'utf8')
      .trim()
      .split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.some((line) => 'EventsDelivered' in line)).toBe(true);
    expect(parsed.some((line) => 'GetRecommendationsLatency' in line)).toBe(true);
    expect(terminal.filter((chunk) => chunk.startsWith('{"_aws"'))).toEqual([]);
  });

  it('serves the summary as JSON and the page only for GET and HEAD', async () => {
    const root = local.url.replace(/\/prod$/, '');
    const summary = (await (await fetch(`${root}/metrics.json`)).json()) as {
      minutes: Array<{ eventsDelivered: number }>;
    };
    expect(summary.minutes.reduce((sum, minute) => sum + minute.eventsDelivered, 0)).toBeGreaterThanOrEqual(
      3,
    );
    expect((await fetch(`${root}/metrics`, { method: 'HEAD' })).status).toBe(200);
    // Anything else is the API's: without a key, API Gateway's 403.
    expect((await fetch(`${root}/metrics`, { method: 'POST' })).status).not.toBe(200);
  });
});
