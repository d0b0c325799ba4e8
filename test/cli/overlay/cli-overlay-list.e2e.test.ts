import 'reflect-metadata';
import { afterEach, describe, expect, it } from 'vitest';
import { etcdSource } from '../../../lib/sources/etcd/index.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { overlayCliPerSuite } from '../../support/overlay-cli.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

const missing = skipWithoutEtcd('the overlay list and rm tests against etcd');

type Bot = { symbol: string; risk: { stopLoss: number } };
const base: Bot = { symbol: 'ANY', risk: { stopLoss: 0.02 } };

/** Anything stdout or stderr must never carry raw: an escape, a line feed inside a row. */
// oxlint-disable-next-line no-control-regex -- the control characters are what it finds
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('config-reloader overlay list and rm', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const etcd = overlayCliPerSuite(base);
    const { recordKey, list } = etcd;
    const harnesses: ReloaderHarness<Bot>[] = [];

    afterEach(async () => {
      for (const harness of harnesses.splice(0)) await harness.close();
    });

    let files = 0;
    async function set(name: string, match: string, patch: unknown) {
      const result = await etcd.set(name, match, await etcd.file(`${name}-${files++}.json`, patch));
      expect(result.code, result.stderr).toBe(0);
    }
    const revisionOf = async (name: string) => (await etcd.stored(name))!.mod_revision;

    it('lists each overlay in merge order: name, selector, the paths it writes, its revision', async () => {
      await set('exp-7-b', '50%..100%,seed=exp-7', { risk: { stopLoss: 0.05 } });
      await set('btc', 'symbol=BTC,instance=bot-3', { symbol: 'BTC', risk: { stopLoss: 0.01 } });
      await set('exp-7-a', '0%..50%,seed=exp-7', { risk: { stopLoss: 0.01 } });
      const result = await list();
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const rows = result.stdout.split('\n').filter((line) => /^[ !] {1}\S/.test(line));
      expect(rows.map((row) => row.trim().split(/\s+/))).toEqual([
        ['NAME', 'MATCH', 'PATHS', 'REVISION', 'ERROR'],
        ['btc', 'symbol=BTC,instance=bot-3', 'symbol,risk.stopLoss', await revisionOf('btc')],
        ['exp-7-a', '0%..50%,seed=exp-7', 'risk.stopLoss', await revisionOf('exp-7-a')],
        ['exp-7-b', '50%..100%,seed=exp-7', 'risk.stopLoss', await revisionOf('exp-7-b')],
      ]);

      const json = JSON.parse((await list('--json')).stdout) as { overlays: unknown[] };
      expect(json).toEqual({
        key: etcd.key,
        overlays: [
          {
            name: 'btc',
            match: { labels: { symbol: 'BTC' }, instances: ['bot-3'] },
            paths: ['symbol', 'risk.stopLoss'],
            revision: await revisionOf('btc'),
          },
          {
            name: 'exp-7-a',
            match: { percent: [0, 50], seed: 'exp-7' },
            paths: ['risk.stopLoss'],
            revision: await revisionOf('exp-7-a'),
          },
          {
            name: 'exp-7-b',
            match: { percent: [50, 100], seed: 'exp-7' },
            paths: ['risk.stopLoss'],
            revision: await revisionOf('exp-7-b'),
          },
        ],
      });
    });

    it('lists records written by hand that instances refuse, each with its error on one line; exit 1', async () => {
      await set('good', '100%', { symbol: 'OK' });
      const broken = {
        'a-json': '{"match": {}, "patch": {"risk\u001b[2J\\nFAKE": 1},}',
        'b-field': '{"match": {"lables": {"symbol": "BTC"}}, "patch": {}}',
        'c-proto': '{"match": {}, "patch": {"__proto__": {"polluted": true}}}',
        'd-patch': '{"match": {}, "patch": ["x"]}',
        'e\u001b[31mred\nname': '{"match": {}, "patch": {}}',
      };
      for (const [name, text] of Object.entries(broken))
        await etcd.client.put(recordKey(name)).value(text);
      const result = await list();
      expect(result.code).toBe(1);
      expect(result.stdout).not.toMatch(RAW_CONTROL);
      const row = (name: string) => result.stdout.split('\n').find((line) => line.includes(name))!;
      expect(row('a-json')).toMatch(/^! a-json .* CONFIG_PARSE: line 1, column \d+: invalid JSON/);
      expect(row('b-field')).toMatch(
        /^! b-field .* CONFIG_VALIDATION: match.lables: unknown field/,
      );
      expect(row('c-proto')).toMatch(/^! c-proto .* CONFIG_PARSE: .*"__proto__"/);
      expect(row('d-patch')).toMatch(
        /^! d-patch .* CONFIG_VALIDATION: patch: must be a JSON object/,
      );
      expect(row('"e\\u001b[31mred / name"')).toMatch(/^ {2}"e\\u001b\[31mred \/ name" +100%/);
      expect(row('good')).toMatch(/^ {2}good +100% +symbol +\d+$/);
      expect(result.stdout).toContain('! 4 overlay record(s) unreadable');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();

      const json = JSON.parse((await list('--json')).stdout) as {
        overlays: { name: string; error?: { code: string } }[];
      };
      expect(json.overlays.map((overlay) => [overlay.name, overlay.error?.code])).toEqual([
        ['a-json', 'CONFIG_PARSE'],
        ['b-field', 'CONFIG_VALIDATION'],
        ['c-proto', 'CONFIG_PARSE'],
        ['d-patch', 'CONFIG_VALIDATION'],
        ['e\u001b[31mred\nname', undefined],
        ['good', undefined],
      ]);
    });

    it('never shows a value of a patch: paths only, nothing below a secret key', async () => {
      await etcd.client.put(recordKey('keys')).value(
        JSON.stringify({
          match: {},
          patch: {
            exchange: { apiKey: 'sk_live_51SECRET', feed: 'wss://bot:hunter2pass@feed/ws' },
            apiTokens: { tok_live_abcdef: { scope: 'trade' } },
            db: { password: 'correct-horse' },
          },
        }),
      );
      for (const result of [await list(), await list('--json')]) {
        expect(result.code).toBe(0);
        for (const secret of [
          'sk_live_51SECRET',
          'hunter2pass',
          'tok_live_abcdef',
          'correct-horse',
          'trade',
        ]) {
          expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
        }
      }
      const json = JSON.parse((await list('--json')).stdout) as { overlays: { paths: string[] }[] };
      expect(json.overlays[0]!.paths).toEqual([
        'exchange.apiKey',
        'exchange.feed',
        'apiTokens',
        'db.password',
      ]);
    });

    it('says when there are no overlays', async () => {
      const result = await list();
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`no overlays under "${etcd.key}/overlays/"`);
      expect(JSON.parse((await list('--json')).stdout)).toEqual({ key: etcd.key, overlays: [] });
    });

    it('rm deletes an overlay, one written by hand included; a missing one exits 3, naming it', async () => {
      await set('btc', 'symbol=BTC', { symbol: 'BTC' });
      await etcd.client.put(recordKey('eu/btc')).value('{"match": {}, "patch": {}}');
      const removed = await etcd.rm('btc');
      expect(removed).toMatchObject({ code: 0, stderr: '' });
      expect(removed.stdout).toMatch(
        new RegExp(`^removed overlay "btc" \\("${recordKey('btc')}"\\) at revision \\d+\\n$`),
      );
      expect((await etcd.rm('eu/btc')).code).toBe(0);
      expect(await etcd.overlayKeys()).toEqual([]);

      const again = await etcd.rm('btc');
      expect(again.code).toBe(3);
      expect(again.stderr).toContain(
        `no overlay "btc" under "${etcd.key}/overlays/": nothing removed`,
      );
      expect(again.stdout).toBe('');
    });

    it('what set writes, a running instance applies where it matches; rm takes it back', async () => {
      const harness = await bootReloader<Bot>({
        configSource: etcdSource({
          hosts: etcd.hosts,
          key: etcd.key,
          instanceId: 'bot-btc',
          labels: { symbol: 'BTC' },
          dialTimeoutMs: 1000,
          statusDelayMs: 0,
        }),
        debounceMs: 0,
      });
      harnesses.push(harness);
      await set('btc', 'symbol=BTC', { symbol: 'BTC', risk: { stopLoss: 0.01 } });
      await set('eth', 'symbol=ETH', { symbol: 'ETH' });
      await waitFor(() => harness.service.config.symbol === 'BTC', {
        description: 'the instance to apply the overlay set for it',
      });
      expect(harness.service.config).toEqual({ symbol: 'BTC', risk: { stopLoss: 0.01 } });
      expect(harness.service.getHealth().variant).toEqual({ overlays: ['btc'] });

      expect((await etcd.rm('btc')).code).toBe(0);
      await waitFor(() => harness.service.config.symbol === 'ANY', {
        description: 'the instance to drop the removed overlay',
      });
      expect(harness.service.config).toEqual(base);
    });
  });
});
