import { join } from 'node:path';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { canaryCliPerSuite } from './canary-cli.js';
import { root } from './config-reloader-cli.js';
import { startDashboard, type RunningDashboard } from './dashboard-cli.js';
import { skipWithoutEtcd } from './etcd-cluster.js';
import { launchChromium, skipWithoutChromium } from './headless-chromium.js';

/** Why the page tests cannot run here (no etcd, no browser), or undefined when they can. */
export const pageTestsMissing = (suite: string) =>
  skipWithoutEtcd(suite) ?? skipWithoutChromium(suite);

/** How long the page may take to show what a test waits for (Playwright polls until then). */
export const WAIT = { timeout: 10_000 };

/**
 * What the page tests share: the canary suite's etcd member, key and played members, one
 * headless Chromium per file, and per test a dashboard of the built CLI with a page open on it;
 * both are ended after each test (the dashboard by its PID, checked to exit 0).
 */
export function dashboardPagePerSuite(base: object) {
  const suite = canaryCliPerSuite(base);
  let browser: Browser;
  let page: Page | undefined;
  let dashboard: RunningDashboard | undefined;
  /** Uncaught errors of the page's own code: every test ends with none. */
  let pageErrors: string[] = [];
  const newPage = async () => {
    const opened = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    opened.on('pageerror', (error) => pageErrors.push(error.message));
    return opened;
  };

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    const errors = pageErrors;
    pageErrors = [];
    const ended = await dashboard?.stop();
    dashboard = undefined;
    if (ended) expect(ended.code, ended.stderr).toBe(0);
    expect(errors, 'errors thrown by the page').toEqual([]);
  });

  return {
    suite,
    get page() {
      return page!;
    },
    get dashboard() {
      return dashboard!;
    },
    /** Starts the dashboard with `flags`, opens its page and waits until it is connected. */
    open: async (...flags: string[]): Promise<Response> => {
      dashboard = await startDashboard(suite.etcdFlags(), ...flags);
      page = await newPage();
      const response = await page.goto(dashboard.url);
      await page.locator('#connection[data-state="connected"]').waitFor(WAIT);
      return response!;
    },
    /** Starts the dashboard and opens its page with its stream (`/events`) refused. */
    openWithoutStream: async (): Promise<void> => {
      dashboard = await startDashboard(suite.etcdFlags());
      page = await newPage();
      await page.route('**/events', (route) => route.abort());
      await page.goto(dashboard.url);
    },
    /** Stops the dashboard now (the page stays open). */
    stopDashboard: async () => {
      const ended = await dashboard!.stop();
      dashboard = undefined;
      return ended;
    },
  };
}

/** The text of each cell of the fleet table's row for `id`, by column. */
export async function rowOf(page: Page, id: string): Promise<Record<string, string>> {
  const cells = page.locator(`#fleet tr[data-instance="${id}"] td`);
  const pairs = await cells.evaluateAll(
    (tds: { dataset: { field?: string }; textContent: string | null }[]) =>
      tds.map((td) => [td.dataset.field ?? '', td.textContent ?? '']),
  );
  return Object.fromEntries(pairs) as Record<string, string>;
}

/**
 * `DASHBOARD_SCREENSHOTS=1 CI=true npx vitest run dashboard-page` also saves the views the
 * tests reach as docs/images/dashboard-<name>.png, for docs/monitoring.md.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.DASHBOARD_SCREENSHOTS !== '1') return;
  await page.screenshot({
    path: join(root, 'docs', 'images', `dashboard-${name}.png`),
    fullPage: true,
  });
}
