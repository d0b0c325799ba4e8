import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, or the one CHROMIUM_PATH names: never a browser downloaded for the tests. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined when they can. Said loudly, naming
 * `suite`, so that a run without a browser is never mistaken for one that tested the page (under
 * CI the suite's first test then fails the run).
 */
export function skipWithoutChromium(suite: string): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const missing =
    `no browser at ${chromiumPath} (Debian: apt-get install -y --no-install-recommends ` +
    'chromium, or set CHROMIUM_PATH); .ci/run installs it';
  console.warn(`\n*** SKIPPING ${suite}: ${missing} ***\n`);
  return missing;
}

/** A headless Chromium of its own process; the caller closes it in afterAll. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath });
}
