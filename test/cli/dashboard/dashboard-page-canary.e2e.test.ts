import { describe, expect, it } from 'vitest';
import {
  dashboardPagePerSuite,
  pageTestsMissing,
  screenshot,
  WAIT,
} from '../../support/dashboard-page.js';
import { waitFor } from '../../support/wait-for.js';
import { trialsPrefix } from '../../../lib/sources/etcd/fleet/trial-record.js';

const missing = pageTestsMissing('the dashboard page tests (canary, trials, history, actions)');

// The page in a real headless Chromium, against the built CLI and a real etcd member: the
// canary and trial boxes, the key's history, and the buttons with and without the token.
describe('config-reloader dashboard in a browser: canary, trials, history and actions', () => {
  it('has an etcd and a browser to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const harness = dashboardPagePerSuite({
      risk: { stopLoss: 0.02 },
      exchange: { apiKey: 'k-1' },
    });
    const { suite } = harness;

    it('shows the canary with its members and a redacted diff', async () => {
      await suite.member('bot-1');
      await suite.putCanary({
        id: 'c-7',
        candidate: JSON.stringify({ risk: { stopLoss: 0.03 }, exchange: { apiKey: 'k-2' } }),
      });
      await harness.open('--secret-key', 'stopLoss');
      const { page } = harness;
      await page.locator('#canary-id').filter({ hasText: /^c-7$/ }).waitFor(WAIT);
      expect(await page.locator('#canary-diff li').allTextContents()).toEqual([
        '~ risk.stopLoss: "[REDACTED]" -> "[REDACTED]"',
        '~ exchange.apiKey: "[REDACTED]" -> "[REDACTED]"',
      ]);
      expect(await page.locator('#canary-members tr[data-instance="bot-1"]').count()).toBe(1);
      await screenshot(page, 'canary');
    });

    it('shows a member that vanished during the canary as gone in its box', async () => {
      await suite.member('bot-1');
      const leaving = await suite.member('bot-2');
      await suite.putCanary({ id: 'c-10' });
      await harness.open();
      const { page } = harness;
      const members = page.locator('#canary-members tbody tr');
      await members.nth(1).waitFor(WAIT);
      expect(await members.evaluateAll((rows) => rows.map((tr) => tr.dataset.state))).toEqual([
        'behind',
        'behind',
      ]);
      await leaving.vanish();
      await page
        .locator('#canary-members tr[data-instance="bot-2"][data-state="gone"]')
        .waitFor(WAIT);
      await page
        .locator('#banner-list li[data-instance="bot-2"][data-why="disconnected"]')
        .waitFor(WAIT);
      expect(
        await page.locator('#canary-members tr[data-instance="bot-1"]').getAttribute('data-state'),
      ).toBe('behind');
    });

    it('lists every instance a trial asks before any answers, then each answer live', async () => {
      const revision = await suite.keyRevision();
      const first = await suite.member('bot-1');
      const second = await suite.member('bot-2');
      await harness.open();
      const { page } = harness;
      // Created while the page is open, as `publish --dry-run --wait` would.
      await suite.client
        .put(`${trialsPrefix(suite.key)}t-1`)
        .value(JSON.stringify({ id: 't-1', candidate: '{}' }));
      const trial = page.locator('#trial-list [data-trial="t-1"]');
      await trial.locator('li').nth(1).waitFor(WAIT);
      expect(await trial.locator('li').allTextContents()).toEqual([
        'bot-1: no answer yet',
        'bot-2: no answer yet',
      ]);
      expect(await trial.locator('.trial-summary').textContent()).toBe(
        'for 100%: 2 asked, 2 no answer yet',
      );
      await first.report({ state: 'applied', revision, trial: { id: 't-1', state: 'accepted' } });
      const markup = '<img src=x onerror="window.ran=1">';
      await second.report({
        state: 'applied',
        revision,
        trial: {
          id: 't-1',
          state: 'rejected',
          error: { code: 'CONFIG_VALIDATION', message: `risk.stopLoss ${markup}` },
        },
      });
      await trial.locator('li[data-instance="bot-2"][data-state="rejected"]').waitFor(WAIT);
      expect(await trial.locator('li').allTextContents()).toEqual([
        'bot-1: accepted',
        `bot-2: rejected (CONFIG_VALIDATION: risk.stopLoss ${markup})`,
      ]);
      expect(await trial.locator('.trial-summary').textContent()).toBe(
        'for 100%: 2 asked, 1 accepted, 1 rejected',
      );
      expect(await page.evaluate(() => (globalThis as { ran?: number }).ran)).toBeUndefined();
      await screenshot(page, 'trial');
    });

    it('aborts the canary from the page once confirmed, with the pasted token', async () => {
      await suite.member('bot-1');
      await suite.putCanary({ id: 'c-8' });
      await harness.open('--allow-actions');
      const { page } = harness;
      page.on('dialog', (dialog) => void dialog.accept());
      await page.locator('#token').fill(harness.dashboard.token);
      await page.locator('#abort').click();
      await page
        .locator('#action-result')
        .filter({ hasText: /^abort: done/ })
        .waitFor(WAIT);
      await waitFor(async () => (await suite.canary()) === undefined, {
        timeoutMs: 5000,
        description: 'the canary record to be deleted',
      });
      await page.locator('#canary').waitFor({ ...WAIT, state: 'hidden' });
    });

    it('sends nothing when the confirmation is dismissed', async () => {
      await suite.putCanary({ id: 'c-11' });
      await harness.open('--allow-actions');
      const { page } = harness;
      const actionRequests: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/actions/')) actionRequests.push(request.url());
      });
      const dismissed = new Promise<void>((resolve) =>
        page.once('dialog', (dialog) => void dialog.dismiss().then(resolve)),
      );
      await page.locator('#token').fill(harness.dashboard.token);
      await page.locator('#abort').click();
      await dismissed;
      // One more round trip through the page: the click's handler has run to its end by then.
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
      expect(actionRequests).toEqual([]);
      expect(await page.locator('#action-result').textContent()).toBe('');
      expect(await suite.canary()).toBeDefined();
    });

    it('shows markup in a config value as text in both diffs, never run', async () => {
      // No quotes: JSON.stringify in the diff line would escape them and break the handler.
      const markup = '<img src=x onerror=globalThis.__pwned=1>';
      const first = await suite.keyRevision();
      await suite.client
        .put(suite.key)
        .value(
          JSON.stringify({ risk: { stopLoss: 0.02, note: markup }, exchange: { apiKey: 'k-1' } }),
        );
      await suite.putCanary({
        id: 'c-12',
        candidate: JSON.stringify({
          risk: { stopLoss: 0.02, note: `${markup}!` },
          exchange: { apiKey: 'k-1' },
        }),
      });
      await harness.open();
      const { page } = harness;
      await page.locator('#canary-diff li').first().waitFor(WAIT);
      expect(await page.locator('#canary-diff li').allTextContents()).toEqual([
        `~ risk.note: ${JSON.stringify(markup)} -> ${JSON.stringify(`${markup}!`)}`,
      ]);
      await page.locator('#diff-from').selectOption(first);
      await page.locator('#show-diff').click();
      await page.locator('#history-diff li').first().waitFor(WAIT);
      expect(await page.locator('#history-diff li').allTextContents()).toEqual([
        `+ risk.note: ${JSON.stringify(markup)}`,
      ]);
      expect(await page.locator('img').count()).toBe(0);
      expect(
        await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
      ).toBeUndefined();
    });

    it('refuses an action from the page without the token', async () => {
      await suite.putCanary({ id: 'c-9' });
      await harness.open('--allow-actions');
      const { page } = harness;
      page.on('dialog', (dialog) => void dialog.accept());
      await page.locator('#abort').click();
      await page
        .locator('#action-result')
        .filter({ hasText: /^abort: refused/ })
        .waitFor(WAIT);
      expect(await suite.canary()).toBeDefined();
    });

    it("diffs two of the key's revisions, secrets redacted, and lists a new one live", async () => {
      const first = await suite.keyRevision();
      await suite.client
        .put(suite.key)
        .value(JSON.stringify({ risk: { stopLoss: 0.05 }, exchange: { apiKey: 'k-2' } }));
      const second = await suite.keyRevision();
      await harness.open();
      const { page } = harness;
      expect(await page.locator('#diff-from').inputValue()).toBe(first);
      expect(await page.locator('#diff-to').inputValue()).toBe(second);
      await page.locator('#show-diff').click();
      await page.locator('#history-diff li').first().waitFor(WAIT);
      expect(await page.locator('#history-diff li').allTextContents()).toEqual([
        '~ risk.stopLoss: 0.02 -> 0.05',
        '~ exchange.apiKey: "[REDACTED]" -> "[REDACTED]"',
      ]);
      await screenshot(page, 'history');
      await suite.client.put(suite.key).value('{"risk":{"stopLoss":0.06}}');
      const third = await suite.keyRevision();
      await page
        .locator(`#diff-to option[value="${third}"]`)
        .waitFor({ ...WAIT, state: 'attached' });
    });
  });
});
