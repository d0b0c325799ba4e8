import { describe, expect, it } from 'vitest';
import { canaryCliPerSuite } from '../../support/canary-cli.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { waitFor } from '../../support/wait-for.js';

const missing = skipWithoutEtcd('the canary command tests against etcd');
const BASE = { symbol: 'ANY', exchange: { apiKey: 'sk_BASEKEY' }, risk: { stopLoss: 0.02 } };
const CANDIDATE = { ...BASE, exchange: { apiKey: 'sk_CANDKEY' }, risk: { stopLoss: 0.03 } };

describe('config-reloader canary status | set | promote | abort', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const suite = canaryCliPerSuite(BASE);
    const start = () =>
      suite.putCanary({
        id: 'c-7',
        candidate: JSON.stringify(CANDIDATE),
        match: { labels: { symbol: 'BTC' } },
      });

    it('exits 8 for each command when no canary is in progress', async () => {
      for (const args of [['status'], ['set', '10%'], ['promote'], ['abort']]) {
        const result = await suite.canaryCommand(...args);
        expect(result.code, args.join(' ')).toBe(8);
        expect(result.stderr).toContain(`no canary in progress on "${suite.key}"`);
      }
    });

    it('status --json shows id, match, members and the redacted diff; no secret anywhere', async () => {
      await start();
      const btc = await suite.member('bot-btc', { symbol: 'BTC' });
      await suite.member('bot-eth', { symbol: 'ETH' });
      const modRevision = (await suite.client.get(suite.canaryKey()).exec()).kvs[0]!.mod_revision;
      const error = { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.025' };
      await btc.report({ state: 'rejected', revision: modRevision, canary: 'c-7', error });
      const json = await suite.canaryCommand('status', '--json');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        id: 'c-7',
        match: { labels: { symbol: 'BTC' } },
        members: [{ instanceId: 'bot-btc', state: 'rejected', error }],
        diff: [
          { path: 'exchange.apiKey', oldValue: '[REDACTED]', newValue: '[REDACTED]' },
          { path: 'risk.stopLoss', oldValue: 0.02, newValue: 0.03 },
        ],
      });
      const table = await suite.canaryCommand('status');
      expect(table.code).toBe(0);
      expect(table.stdout).toContain('canary c-7 of');
      expect(table.stdout).toMatch(/rejected bot-btc on \S+ \(symbol=BTC\): CONFIG_VALIDATION/);
      expect(table.stdout).toContain('~ risk.stopLoss: 0.02 -> 0.03');
      for (const result of [json, table]) {
        expect(result.stdout + result.stderr).not.toMatch(/BASEKEY|CANDKEY/);
      }
    });

    it('set widens the selector with compare-and-swap on the record', async () => {
      await start();
      const result = await suite.canaryCommand('set', 'symbol=BTC,50%');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('canary c-7 now matches 50%,symbol=BTC');
      expect((await suite.canary())!.match).toEqual({ labels: { symbol: 'BTC' }, percent: 50 });
    });

    it('promote refuses with 4 when the key moved past the base, changing nothing', async () => {
      const canary = await start();
      await suite.client.put(suite.key).value(JSON.stringify({ ...BASE, symbol: 'ETH' }));
      const moved = await suite.keyRevision();
      const result = await suite.canaryCommand('promote');
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        `moved past the canary's base revision ${canary.baseRevision}`,
      );
      expect(await suite.keyRevision()).toBe(moved);
      expect(await suite.canary()).toEqual(canary);
    });

    it('promote writes the candidate and removes the canary in one revision', async () => {
      await start();
      const result = await suite.canaryCommand('promote');
      expect(result.code).toBe(0);
      const kv = (await suite.client.get(suite.key).exec()).kvs[0]!;
      expect(kv.value.toString()).toBe(JSON.stringify(CANDIDATE));
      expect(await suite.canary()).toBeUndefined();
      // The delete is in the same transaction: its revision is the put's.
      const history = await suite.client
        .watch()
        .key(suite.canaryKey())
        .startRevision(kv.mod_revision)
        .create();
      try {
        const deleted = await new Promise<string>((resolve) =>
          history.on('delete', (event) => resolve(event.mod_revision)),
        );
        expect(deleted).toBe(kv.mod_revision);
      } finally {
        await history.cancel();
      }
      expect(result.stdout).toContain(
        `promoted canary c-7 -> "${suite.key}" at revision ${kv.mod_revision}`,
      );
    });

    it('abort deletes the canary; --wait waits for the fleet back on the base', async () => {
      await start();
      const bot = await suite.member('bot-1');
      const run = suite.canaryCommand('abort', '--wait', '--timeout', '10s');
      const revision = await waitFor(
        async () => {
          if (await suite.canary()) return undefined;
          return (await suite.client.get(suite.key).exec()).header.revision;
        },
        { timeoutMs: 10_000, description: 'the canary to go' },
      );
      await bot.report({ state: 'applied', revision });
      const result = await run;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('aborted canary c-7 at revision');
      expect(result.stdout).toContain('rolled out: all 1 live instance(s)');
    });
  });
});
