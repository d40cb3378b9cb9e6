/**
 * The demo page on a phone (390 px) and a desktop (1280 px), in headless Chromium against local mode started
 * without a campaign: "Provision now" runs what `--provision` runs, Connect picks no user for the person,
 * item titles are shown, after a click the focus follows the clicked item (never a row that now holds another)
 * and the change summary stays in view, and on a wide screen the controls sit beside the list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVISIONING_OUTPUTS } from '../../lib/contract/stack-outputs';
import { demoPageInBrowser, OUTPUT_DIR } from './browser';

jest.setTimeout(180_000);

const API_KEY = 'demo-page-layout-key';

describe('the demo page at 390 and 1280 px', () => {
  // Started without a campaign: the page provisions one.
  const demo = demoPageInBrowser({
    what: "the demo page's browser test",
    name: 'demo-page-layout',
    apiKey: API_KEY,
    viewport: { width: 390, height: 844 },
    deploy: false,
  });
  const notBusy = () => demo().notBusy();
  const inViewport = (selector: string) =>
    demo().page.$eval(selector, (node) => {
      const box = node.getBoundingClientRect();
      return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
    });

  it('on a phone, with no campaign yet, offers "Provision now", which runs what --provision runs', async () => {
    const { page, root, local } = demo();
    await page.goto(`${root}/`);
    expect(await page.isVisible('#provision')).toBe(true);
    await page.fill('#api-key', API_KEY);
    await page.click('#connect button[type="submit"]');
    await notBusy();
    expect(await page.textContent('#error')).toContain('No ACTIVE campaign yet: press Provision now');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('provision');

    await page.click('#provision');
    await notBusy();
    expect(await page.textContent('#status')).toMatch(
      /^Provisioned: a campaign and an event tracker are ACTIVE/,
    );
    const outputs = (
      JSON.parse(readFileSync(local.outputsFile, 'utf8')) as Record<string, Record<string, string>>
    )[local.stackName];
    expect(await page.inputValue('#campaign-arn')).toBe(outputs?.[PROVISIONING_OUTPUTS.campaignArn]);
    expect(await page.inputValue('#tracking-id')).toBe(outputs?.[PROVISIONING_OUTPUTS.trackingId]);
    expect(await page.isVisible('#provision')).toBe(false);
    // No user was picked for the person: the page asks, with the focus on the user id.
    expect(await page.inputValue('#user-id')).toBe('');
    expect(await page.locator('#recommendations li').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('user-id');
    expect(await inViewport('#status')).toBe(true);
  });

  it('shows titles, keeps the change summary in view after a click, and moves the focus with the clicked item', async () => {
    const { page } = demo();
    await page.fill('#user-id', '429');
    await page.click('#user-form button[type="submit"]');
    await page.waitForSelector('#recommendations li');
    const titles = await page.$$eval('#recommendations .item-title', (nodes) =>
      nodes.map((node) => node.textContent),
    );
    expect(titles).toHaveLength(10);
    expect(titles.every((title) => title && !title.startsWith('Item '))).toBe(true);

    await page.check('input[name="channel"][value="putEvents"]');
    const clicked = (await page.getAttribute('#recommendations li:last-child', 'data-item-id'))!;
    for (let click = 0; click < 3; click += 1) {
      const button = page.locator(`#recommendations li[data-item-id="${clicked}"] button.click`);
      if ((await button.count()) === 0) break;
      await button.click();
      await notBusy();
      if ((await page.textContent('#change'))?.startsWith('Changed')) break;
    }
    expect(await page.textContent('#change')).toMatch(/^Changed \d+\.\d s after the click: /);
    // The summary is on screen, though the list runs below the fold.
    expect(await inViewport('#change')).toBe(true);
    // The focus is on the clicked item's own button wherever it moved, or on the summary if it left the list.
    const focused = await page.evaluate(() => {
      const active = document.activeElement;
      return active?.id === 'change'
        ? 'change'
        : (active?.closest('li')?.getAttribute('data-item-id') ?? 'none');
    });
    expect([clicked, 'change']).toContain(focused);
    await page.screenshot({ path: join(OUTPUT_DIR, 'demo-page-390.png') });
  });

  it('on a wide screen, puts the controls beside the list, the list above the fold', async () => {
    const { page } = demo();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const controls = (await page.locator('#controls').boundingBox())!;
    const list = (await page.locator('#recommendations').boundingBox())!;
    expect(list.x).toBeGreaterThanOrEqual(controls.x + controls.width);
    expect(list.y).toBeLessThan(800);
    expect(await inViewport('#change')).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(OUTPUT_DIR, 'demo-page-1280.png') });
  });
});
