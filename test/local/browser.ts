import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (Playwright's own browser download needs the internet); CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
