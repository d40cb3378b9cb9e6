import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { deployedLocalMode, type Deployed, type DeployedOptions } from './deployed';

/** Debian's chromium (Playwright's own browser download needs the internet); CHROMIUM_PATH overrides it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Fails the suite at once, saying how to install it, when the browser a test drives is missing. */
export function requireChromium(what: string): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: ${what} needs it. Install it with apt-get install -y chromium (or set CHROMIUM_PATH).`,
    );
  }
}

/** Headless Chromium driven by playwright-core, as every browser test of local mode launches it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** Where the browser tests write their screenshots (docs/ shows some of them). */
export const OUTPUT_DIR = resolve(__dirname, '..', '..', 'test-output');

export interface DemoPageOptions extends DeployedOptions {
  /** Local mode's API key, which the tests type into the page. */
  readonly apiKey: string;
  readonly viewport: { readonly width: number; readonly height: number };
  /** Says which test needs the browser when it is missing. */
  readonly what: string;
}

export interface DemoPage extends Deployed {
  readonly apiKey: string;
  readonly browser: Browser;
  readonly page: Page;
  /** Where local mode serves the demo page: the API's URL without its stage. */
  readonly root: string;
  /** The item ids of the list the page shows, in its order. */
  readonly itemIds: () => Promise<string[]>;
  /** Waits until the page is no longer busy (its aria-busy). */
  readonly notBusy: (timeoutMs?: number) => Promise<void>;
  /** Opens the page, types the key (and a user id if given) and presses Connect. */
  readonly connect: (userId?: string) => Promise<void>;
}

/**
 * The demo page's browser tests' fixture: local mode started (and deployed, unless `deploy` is false) once for
 * the enclosing block, as deployedLocalMode does, and one headless Chromium page at `viewport` that the block's
 * tests share in order. It fails at once, saying how to install it, when Chromium is missing.
 */
export function demoPageInBrowser(options: DemoPageOptions): () => DemoPage {
  const { apiKey, viewport, what, ...deployment } = options;
  beforeAll(() => requireChromium(what));
  const deployed = deployedLocalMode({ ...deployment, start: { ...deployment.start, apiKey } });
  let browser: Browser | undefined;
  let fixture: DemoPage | undefined;

  beforeAll(async () => {
    const local = deployed();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport });
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const root = local.local.url.replace(/\/prod$/, '');
    fixture = {
      ...local,
      apiKey,
      browser,
      page,
      root,
      itemIds: () =>
        page.$$eval('#recommendations li', (rows) =>
          rows.map((row) => row.getAttribute('data-item-id') ?? ''),
        ),
      notBusy: async (timeoutMs = 60_000) => {
        await page.waitForFunction(() => document.body.getAttribute('aria-busy') !== 'true', undefined, {
          timeout: timeoutMs,
        });
      },
      connect: async (userId) => {
        await page.goto(`${root}/`);
        await page.fill('#api-key', apiKey);
        if (userId !== undefined) await page.fill('#user-id', userId);
        await page.click('#connect button[type="submit"]');
      },
    };
  });

  afterAll(async () => {
    await browser?.close();
  });

  return () => {
    if (!fixture) throw new Error(`the demo page (${options.name}) did not open`);
    return fixture;
  };
}
