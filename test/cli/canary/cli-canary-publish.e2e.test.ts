import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryCliPerSuite } from '../../support/canary-cli.js';
import { root, startCli } from '../../support/config-reloader-cli.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';

const missing = skipWithoutEtcd('the publish --canary tests against etcd');
const BASE = { symbol: 'ANY', risk: { stopLoss: 0.02 } };
const ABORTED = {
  by: 'bot-2',
  at: '2026-01-01T00:00:00Z',
  error: { code: 'CONFIG_VALIDATION', message: 'risk: too high' },
};

describe('config-reloader publish --canary', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const suite = canaryCliPerSuite(BASE);

    it('creates the canary from the base it diffed against, and leaves the key alone', async () => {
      const revision = await suite.keyRevision();
      const result = await (
        await suite.publishCanary({ ...BASE, symbol: 'BTC' }, 'symbol=BTC,10%')
      ).result;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `the candidate against "${suite.key}" at revision ${revision}:`,
      );
      expect(result.stdout).toContain('~ symbol: "ANY" -> "BTC"');
      const record = (await suite.canary())!;
      expect(record).toMatchObject({
        id: expect.stringMatching(/^canary-[0-9a-f]{12}$/),
        candidate: JSON.stringify({ ...BASE, symbol: 'BTC' }),
        baseRevision: revision,
        match: { labels: { symbol: 'BTC' }, percent: 10 },
        abortOnReject: true,
      });
      expect(result.stdout).toContain(`created canary ${record.id} -> "${suite.canaryKey()}"`);
      expect(await suite.keyRevision()).toBe(revision);
    });

    it('refuses a second canary while one is in progress (exit 8), changing nothing', async () => {
      const other = await suite.putCanary({ id: 'c-running' });
      const result = await (await suite.publishCanary({ ...BASE, symbol: 'BTC' }, '10%')).result;
      expect(result.code).toBe(8);
      expect(result.stderr).toContain(`a canary is in progress on "${suite.key}" (c-running)`);
      expect(await suite.canary()).toEqual(other);
    });

    it('replaces a canary a member aborted', async () => {
      await suite.putCanary({ id: 'c-failed', aborted: ABORTED });
      const result = await (await suite.publishCanary({ ...BASE, symbol: 'BTC' }, '10%')).result;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        'replacing the aborted canary c-failed (aborted by bot-2: CONFIG_VALIDATION: risk: too high)',
      );
      const record = (await suite.canary())!;
      expect(record.id).not.toBe('c-failed');
      expect(record.aborted).toBeUndefined();
    });

    it('refuses a plain publish while a canary is in progress (exit 8), and allows it once aborted', async () => {
      await suite.putCanary({ id: 'c-running' });
      const revision = await suite.keyRevision();
      const refused = await suite.publish({ ...BASE, symbol: 'ETH' });
      expect(refused.code).toBe(8);
      expect(refused.stderr).toContain(`a canary is in progress on "${suite.key}" (c-running)`);
      expect(await suite.keyRevision()).toBe(revision);

      // A trial and a dry run write nothing: both still work.
      const dryRun = await suite.publish({ ...BASE, symbol: 'ETH' }, '--dry-run');
      expect(dryRun.code).toBe(0);

      await suite.putCanary({ id: 'c-running', aborted: ABORTED });
      const allowed = await suite.publish({ ...BASE, symbol: 'ETH' });
      expect(allowed.code).toBe(0);
      expect(await suite.keyRevision()).not.toBe(revision);

      const abort = await suite.canaryCommand('abort');
      expect(abort.code).toBe(8); // aborted counts as absent
      await suite.client.delete().key(suite.canaryKey());
      const afterAbort = await suite.publish({ ...BASE, symbol: 'SOL' });
      expect(afterAbort.code).toBe(0);
    });

    it('refuses a plain publish atomically when a canary starts between its read and its write', async () => {
      const revision = await suite.keyRevision();
      const record = JSON.stringify({
        id: 'c-racer',
        candidate: '{}',
        baseRevision: revision,
        match: {},
        abortOnReject: true,
        createdAt: new Date().toISOString(),
      });
      const file = await suite.file({ ...BASE, symbol: 'ETH' });
      const race = join(root, 'test', 'fixtures', 'race-next-transaction.cjs');
      const result = await startCli(['publish', file, ...suite.etcdFlags()], {
        preload: [race],
        env: { RACE_ETCD: suite.hosts.join(','), RACE_KEY: suite.canaryKey(), RACE_VALUE: record },
      }).result;
      expect(result.code).toBe(8);
      expect(result.stderr).toContain('a canary was started on');
      expect(await suite.keyRevision()).toBe(revision);
    });

    it('with --dry-run only shows the diff; --bake and --promote need --canary --wait', async () => {
      const dryRun = await (
        await suite.publishCanary({ ...BASE, symbol: 'BTC' }, '10%', '--dry-run')
      ).result;
      expect(dryRun.code).toBe(0);
      expect(dryRun.stdout).toContain('~ symbol: "ANY" -> "BTC"');
      expect(dryRun.stdout).toContain(`dry run: no canary created on "${suite.key}"`);
      expect(await suite.canary()).toBeUndefined();
      const usage = await (await suite.publishCanary(BASE, '10%', '--promote')).result;
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('--promote follow a canary');
      expect(await suite.canary()).toBeUndefined();
    });

    it('never prints a secret value of the candidate, even where a DTO message quotes it', async () => {
      const leaky = `${join(root, 'test', 'fixtures', 'leaky-dto.mjs')}#LeakyBot`;
      await suite.client
        .put(suite.key)
        .value(JSON.stringify({ exchange: { apiKey: 'sk_OLDKEY', apiSecret: 'sk_OLDSECRET' } }));
      const refused = await (
        await suite.publishCanary(
          { exchange: { apiKey: 'LIVEKEY_0a1b', apiSecret: 'LIVESECRET_2c' } },
          '10%',
          '--dto',
          leaky,
        )
      ).result;
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('exchange.apiKey');
      const created = await (
        await suite.publishCanary(
          { exchange: { apiKey: 'sk_NEWKEY', apiSecret: 'sk_NEWSECRET' } },
          '10%',
          '--dto',
          leaky,
        )
      ).result;
      expect(created.code).toBe(0);
      expect(created.stdout).toContain('~ exchange.apiKey: "[REDACTED]" -> "[REDACTED]"');
      for (const result of [refused, created]) {
        expect(result.stdout + result.stderr).not.toMatch(
          /LIVEKEY|LIVESECRET|OLDKEY|NEWKEY|OLDSECRET|NEWSECRET/,
        );
      }
    });
  });
});
