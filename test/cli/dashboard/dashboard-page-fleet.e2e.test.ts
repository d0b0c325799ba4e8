import { describe, expect, it } from 'vitest';
import {
  dashboardPagePerSuite,
  pageTestsMissing,
  rowOf,
  screenshot,
  WAIT,
} from '../../support/dashboard-page.js';

const missing = pageTestsMissing('the dashboard page tests (fleet)');

const MARKUP = '<img src=x onerror=window.__pwned=1>';

// The page in a real headless Chromium, against the built CLI and a real etcd member: what an
// operator sees of the fleet, that it follows it live, and that a record's text is never run.
describe('config-reloader dashboard in a browser: the fleet', () => {
  it('has an etcd and a browser to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const harness = dashboardPagePerSuite({ risk: { stopLoss: 0.02 } });
    const { suite } = harness;

    it('shows one row per live instance, under the strict CSP', async () => {
      const published = await suite.keyRevision();
      await suite.member('bot-1', { symbol: 'BTC' });
      await suite.member('bot-2', { symbol: 'ETH' });
      const response = await harness.open();
      const { page } = harness;
      expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(await rowOf(page, 'bot-1')).toMatchObject({
        instance: 'bot-1',
        labels: 'symbol=BTC',
        revision: published,
        variant: 'base',
        state: 'applied',
        error: '',
      });
      expect((await rowOf(page, 'bot-2')).labels).toBe('symbol=ETH');
      expect(await page.locator('#fleet tbody tr').count()).toBe(2);
      expect(await page.locator('#published').textContent()).toBe(published);
      expect(await page.locator('#banner').isHidden()).toBe(true);
    });

    it('names who is behind or staged, counts each revision, and shows labels and host as text', async () => {
      const older = await suite.keyRevision();
      await suite.member('bot-1');
      const marked = await suite.member('bot-2', { note: MARKUP });
      await marked.report({ state: 'applied', revision: older, host: MARKUP });
      await suite.client.put(suite.key).value('{"risk":{"stopLoss":0.03}}');
      const published = await suite.keyRevision();
      const staged = await suite.member('bot-3');
      await staged.report({ state: 'staged', revision: published });
      await harness.open();
      const { page } = harness;
      await page.locator('#banner-list li[data-why="staged"]').waitFor(WAIT);
      expect(await page.locator('#banner-list li').allTextContents()).toEqual([
        `bot-1 (behind): on revision ${older}, behind the published ${published}`,
        `bot-2 (behind): on revision ${older}, behind the published ${published}`,
        `bot-3 (staged): holds revision ${published} staged, not applied yet`,
      ]);
      // Newest revision first, though more instances run the older one.
      expect(await page.locator('#revisions tbody td').allTextContents()).toEqual([
        published,
        '1',
        older,
        '2',
      ]);
      const row = await rowOf(page, 'bot-2');
      expect(row).toMatchObject({
        host: MARKUP,
        labels: `note=${JSON.stringify(MARKUP)}`,
        version: '1',
      });
      expect(row.age).toMatch(/^\d+s$/);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    });

    it('shows a rejection live, its message as text that never runs', async () => {
      const published = await suite.keyRevision();
      await suite.member('bot-1');
      const bot2 = await suite.member('bot-2');
      await harness.open();
      const { page } = harness;
      expect((await rowOf(page, 'bot-2')).state).toBe('applied');
      // Rows are kept by instance and updated in place, not rebuilt on every snapshot.
      const mark = (id: string) =>
        page.locator(`#fleet tr[data-instance="${id}"]`).evaluate((tr) => {
          (tr as unknown as { kept?: boolean }).kept = true;
        });
      const kept = (id: string) =>
        page
          .locator(`#fleet tr[data-instance="${id}"]`)
          .evaluate((tr) => (tr as unknown as { kept?: boolean }).kept === true);
      await mark('bot-1');
      await mark('bot-2');
      await bot2.report({
        state: 'rejected',
        revision: published,
        error: { code: 'CONFIG_VALIDATION', message: `risk.stopLoss: ${MARKUP}` },
      });
      await page.locator('#fleet tr[data-instance="bot-2"][data-state="rejected"]').waitFor(WAIT);
      expect((await rowOf(page, 'bot-2')).error).toBe(
        `CONFIG_VALIDATION: risk.stopLoss: ${MARKUP}`,
      );
      expect(await page.locator('#banner-list li[data-instance="bot-2"]').textContent()).toContain(
        MARKUP,
      );
      expect(await kept('bot-1')).toBe(true);
      expect(await kept('bot-2')).toBe(true);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('#counts li[data-state="rejected"]').textContent()).toBe(
        'rejected: 1',
      );
      await screenshot(page, 'fleet');
    });

    it('paints the fleet from the page itself, before its stream connects', async () => {
      const published = await suite.keyRevision();
      await suite.member('bot-1');
      const bot2 = await suite.member('bot-2');
      await bot2.report({
        state: 'rejected',
        revision: published,
        error: { code: 'CONFIG_VALIDATION', message: `</script>${MARKUP}` },
      });
      await harness.openWithoutStream();
      const { page } = harness;
      await page.locator('#fleet tr[data-instance="bot-2"]').waitFor(WAIT);
      expect((await rowOf(page, 'bot-2')).error).toBe(`CONFIG_VALIDATION: </script>${MARKUP}`);
      expect(await page.locator('#fleet tbody tr').count()).toBe(2);
      expect(await page.locator('#counts li[data-state="rejected"]').textContent()).toBe(
        'rejected: 1',
      );
      await page.locator('#connection[data-state="disconnected"]').waitFor(WAIT);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('img').count()).toBe(0);
    });

    it('puts app versions side by side while the fleet runs two builds', async () => {
      const published = await suite.keyRevision();
      await suite.member('bot-1', {}, '2.4.0');
      await suite.member('bot-2', {}, '2.4.0');
      const bot3 = await suite.member('bot-3', {}, '2.5.0');
      await bot3.report({
        state: 'rejected',
        revision: published,
        error: { code: 'CONFIG_VALIDATION', message: 'risk.maxExposure: must be a number' },
      });
      await harness.open();
      const { page } = harness;
      await page.locator('#app-versions').waitFor(WAIT);
      const cells = (version: string) =>
        page.locator(`#app-versions tr[data-app-version="${version}"] td`).allTextContents();
      expect(await cells('2.4.0')).toEqual(['2.4.0', '2', '2', '0', '0', '0', '0']);
      expect(await cells('2.5.0')).toEqual(['2.5.0', '1', '0', '1', '0', '0', '0']);
      expect((await rowOf(page, 'bot-3')).app).toBe('2.5.0');
      await screenshot(page, 'app-versions');
    });

    it('names an instance whose record vanished as disconnected', async () => {
      await suite.member('bot-1');
      const bot2 = await suite.member('bot-2');
      await harness.open();
      const { page } = harness;
      await bot2.vanish();
      await page.locator('#banner-list li[data-why="disconnected"]').waitFor(WAIT);
      expect(await page.locator('#banner-list li').textContent()).toMatch(
        /^bot-2 \(disconnected\)/,
      );
      expect(await page.locator('#fleet tbody tr').count()).toBe(1);
    });

    it('says disconnected when the dashboard goes away', async () => {
      await suite.member('bot-1');
      await harness.open();
      expect((await harness.stopDashboard()).code).toBe(0);
      await harness.page.locator('#connection[data-state="disconnected"]').waitFor(WAIT);
    });
  });
});
