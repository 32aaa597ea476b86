import { chromium, type Browser } from 'playwright-core';

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
