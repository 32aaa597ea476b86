import { chromium, type Browser, type Page } from 'playwright-core';
import { waitUntil } from './wait-until.js';

/** The system's Chromium (scripts/setup.sh installs it): playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium in a container: no sandbox (no user namespaces here), no GPU, and
 * nothing that phones home, so a test's only traffic is the dashboard's.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Audio elements must load in a headless browser with no sound card.
  '--autoplay-policy=no-user-gesture-required',
];

/** Starts the headless Chromium every browser test uses; close it in afterAll. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Until `expression` (JavaScript, as text: the tests have no DOM types) is true in the page. Each
 * look is evaluated over CDP: the dashboard's CSP forbids eval, and page.waitForFunction polls a
 * string with eval, which the CSP refuses as soon as the first look is false.
 */
export async function untilInPage(page: Page, expression: string, timeoutMs = 20_000): Promise<void> {
  await waitUntil(expression, async () => (await page.evaluate(expression)) === true, { timeoutMs, intervalMs: 50 });
}
