import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canaryCliPerSuite } from '../../support/canary-cli.js';
import { root } from '../../support/config-reloader-cli.js';
import { startDashboard, type RunningDashboard } from '../../support/dashboard-cli.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { launchChromium, skipWithoutChromium } from '../../support/headless-chromium.js';
import { waitFor } from '../../support/wait-for.js';

const missing =
  skipWithoutEtcd('the dashboard page tests') ?? skipWithoutChromium('the dashboard page tests');

// The functions given to page.evaluate and waitForFunction run in the page; this project is
// type-checked without the DOM's types, so the little of it they use is declared here.
interface PageElement {
  textContent: string | null;
  hidden: boolean;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
};
declare const CSS: { escape(text: string): string };
declare const window: { __pwned?: unknown };

/**
 * `DASHBOARD_SCREENSHOTS=1 CI=true npx vitest run dashboard-page` also saves the views the
 * tests reach as docs/images/dashboard-*.png, for docs/monitoring.md.
 */
const screenshot = async (page: Page, name: string) => {
  if (process.env.DASHBOARD_SCREENSHOTS !== '1') return;
  await page.screenshot({
    path: join(root, 'docs', 'images', `dashboard-${name}.png`),
    fullPage: true,
  });
};

const MARKUP = '<img src=x onerror=window.__pwned=1>';
const WAIT = { timeout: 10_000 };

/** The text of each cell of the fleet table's row for `id`, by column. */
const rowOf = (page: Page, id: string) =>
  page.evaluate((instance) => {
    const row = document.querySelector(`#fleet tr[data-instance="${CSS.escape(instance)}"]`);
    if (!row) return undefined;
    const cells = [...row.querySelectorAll('td')].map((cell) => [
      cell.dataset.field,
      cell.textContent,
    ]);
    return Object.fromEntries(cells) as Record<string, string>;
  }, id);

// The page in a real headless Chromium, against the built CLI and a real etcd member: what an
// operator sees, that it follows the fleet live, and that a record's text is never run.
describe('config-reloader dashboard in a browser', () => {
  it('has an etcd and a browser to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const suite = canaryCliPerSuite({ risk: { stopLoss: 0.02 }, exchange: { apiKey: 'k-1' } });
    let browser: Browser;
    let page: Page;
    let dashboard: RunningDashboard | undefined;

    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(async () => {
      await page?.close();
      const ended = await dashboard?.stop();
      dashboard = undefined;
      if (ended) expect(ended.code, ended.stderr).toBe(0);
    });

    const open = async (...flags: string[]) => {
      dashboard = await startDashboard(suite.etcdFlags(), ...flags);
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const response = await page.goto(dashboard.url);
      await page.waitForFunction(
        () => document.getElementById('connection')?.dataset.state === 'connected',
        undefined,
        WAIT,
      );
      return response!;
    };

    it('shows one row per live instance, under the strict CSP', async () => {
      const published = await suite.keyRevision();
      await suite.member('bot-1', { symbol: 'BTC' });
      await suite.member('bot-2', { symbol: 'ETH' });
      const response = await open();
      expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(await rowOf(page, 'bot-1')).toMatchObject({
        instance: 'bot-1',
        labels: 'symbol=BTC',
        revision: published,
        variant: 'base',
        state: 'applied',
        error: '',
      });
      expect((await rowOf(page, 'bot-2'))?.labels).toBe('symbol=ETH');
      expect(await page.locator('#fleet tbody tr').count()).toBe(2);
      expect(await page.locator('#published').textContent()).toBe(published);
      expect(await page.locator('#banner').isHidden()).toBe(true);
    });

    it('shows a rejection live, its message as text that never runs', async () => {
      const published = await suite.keyRevision();
      await suite.member('bot-1');
      const bot2 = await suite.member('bot-2');
      await open();
      expect((await rowOf(page, 'bot-2'))?.state).toBe('applied');
      await bot2.report({
        state: 'rejected',
        revision: published,
        error: { code: 'CONFIG_VALIDATION', message: `risk.stopLoss: ${MARKUP}` },
      });
      await page.waitForFunction(
        () =>
          document.querySelector('#fleet tr[data-instance="bot-2"]')?.getAttribute('data-state') ===
          'rejected',
        undefined,
        WAIT,
      );
      expect((await rowOf(page, 'bot-2'))?.error).toBe(
        `CONFIG_VALIDATION: risk.stopLoss: ${MARKUP}`,
      );
      expect(await page.locator('#banner-list li[data-instance="bot-2"]').textContent()).toContain(
        MARKUP,
      );
      expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('#counts li[data-state="rejected"]').textContent()).toBe(
        'rejected: 1',
      );
      await screenshot(page, 'fleet');
    });

    it('names an instance whose record vanished as disconnected', async () => {
      await suite.member('bot-1');
      const bot2 = await suite.member('bot-2');
      await open();
      await bot2.vanish();
      await page.waitForFunction(
        () => document.querySelector('#banner-list li[data-why="disconnected"]') !== null,
        undefined,
        WAIT,
      );
      expect(await page.locator('#banner-list li').textContent()).toMatch(
        /^bot-2 \(disconnected\)/,
      );
      expect(await page.locator('#fleet tbody tr').count()).toBe(1);
    });

    it('shows the canary with its members and a redacted diff', async () => {
      await suite.member('bot-1');
      await suite.putCanary({
        id: 'c-7',
        candidate: JSON.stringify({ risk: { stopLoss: 0.03 }, exchange: { apiKey: 'k-2' } }),
      });
      await open('--secret-key', 'stopLoss');
      await page.waitForFunction(
        () => document.getElementById('canary-id')?.textContent === 'c-7',
        undefined,
        WAIT,
      );
      const diff = await page.locator('#canary-diff li').allTextContents();
      expect(diff).toEqual([
        '~ risk.stopLoss: "[REDACTED]" -> "[REDACTED]"',
        '~ exchange.apiKey: "[REDACTED]" -> "[REDACTED]"',
      ]);
      expect(await page.locator('#canary-members tr[data-instance="bot-1"]').count()).toBe(1);
      await screenshot(page, 'canary');
    });

    it('aborts the canary from the page once confirmed, with the pasted token', async () => {
      await suite.member('bot-1');
      await suite.putCanary({ id: 'c-8' });
      await open('--allow-actions');
      page.on('dialog', (dialog) => void dialog.accept());
      await page.locator('#token').fill(dashboard!.token);
      await page.locator('#abort').click();
      await page.waitForFunction(
        () => document.getElementById('action-result')?.textContent?.startsWith('abort: done'),
        undefined,
        WAIT,
      );
      await waitFor(async () => (await suite.canary()) === undefined, {
        timeoutMs: 5000,
        description: 'the canary record to be deleted',
      });
      await page.waitForFunction(
        () => document.getElementById('canary')?.hidden === true,
        undefined,
        WAIT,
      );
    });

    it('refuses an action from the page without the token', async () => {
      await suite.putCanary({ id: 'c-9' });
      await open('--allow-actions');
      page.on('dialog', (dialog) => void dialog.accept());
      await page.locator('#abort').click();
      await page.waitForFunction(
        () => document.getElementById('action-result')?.textContent?.startsWith('abort: refused'),
        undefined,
        WAIT,
      );
      expect(await suite.canary()).toBeDefined();
    });

    it('says disconnected when the dashboard goes away', async () => {
      await suite.member('bot-1');
      await open();
      const ended = await dashboard!.stop();
      dashboard = undefined;
      expect(ended.code).toBe(0);
      await page.waitForFunction(
        () => document.getElementById('connection')?.dataset.state === 'disconnected',
        undefined,
        WAIT,
      );
    });

    it("diffs two of the key's revisions, secrets redacted, and lists a new one live", async () => {
      const first = await suite.keyRevision();
      await suite.client
        .put(suite.key)
        .value(JSON.stringify({ risk: { stopLoss: 0.05 }, exchange: { apiKey: 'k-2' } }));
      const second = await suite.keyRevision();
      await open();
      expect(await page.locator('#diff-from').inputValue()).toBe(first);
      expect(await page.locator('#diff-to').inputValue()).toBe(second);
      await page.locator('#show-diff').click();
      await page.waitForFunction(
        () => document.querySelector('#history-diff li') !== null,
        undefined,
        WAIT,
      );
      expect(await page.locator('#history-diff li').allTextContents()).toEqual([
        '~ risk.stopLoss: 0.02 -> 0.05',
        '~ exchange.apiKey: "[REDACTED]" -> "[REDACTED]"',
      ]);
      await screenshot(page, 'history');
      await suite.client.put(suite.key).value('{"risk":{"stopLoss":0.06}}');
      const third = await suite.keyRevision();
      await page.waitForFunction(
        (revision) => document.querySelector(`#diff-to option[value="${revision}"]`) !== null,
        third,
        WAIT,
      );
    });
  });
});
