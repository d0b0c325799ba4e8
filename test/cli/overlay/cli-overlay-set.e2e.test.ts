import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOverlayRecord } from '../../../lib/sources/etcd/fleet/overlay-record.js';
import { root, startCli } from '../../support/config-reloader-cli.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { overlayCliPerSuite } from '../../support/overlay-cli.js';
import { syntaxOnlyNote } from '../../support/sample-config.js';

const missing = skipWithoutEtcd('the overlay set tests against etcd');

const SECRET = 'sk_live_51HxQ9zSECRET';
const base = { symbol: 'ANY', risk: { stopLoss: 0.02 }, exchange: { apiKey: 'sk_live_base' } };
const schema = {
  type: 'object',
  required: ['symbol', 'risk'],
  properties: {
    symbol: { type: 'string' },
    risk: {
      type: 'object',
      properties: { stopLoss: { type: 'number', minimum: 0, maximum: 0.1 } },
    },
    exchange: {
      type: 'object',
      properties: { apiKey: { type: 'string', pattern: '^sk_live_[a-z]+$' } },
    },
  },
};

describe('config-reloader overlay set', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const etcd = overlayCliPerSuite(base);
    const { file, recordKey, stored, overlayKeys, set } = etcd;
    const withSchema = async () => ['--schema', await file('schema.json', schema)];

    it('writes a record every instance reads, as pretty JSON, and says what is new and where', async () => {
      const patch = await file('btc.json', { symbol: 'BTC', risk: { stopLoss: 0.01 } });
      const result = await set('btc', 'symbol=BTC', patch, ...(await withSchema()));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const kv = (await stored('btc'))!;
      const text = kv.value.toString();
      const record = {
        match: { labels: { symbol: 'BTC' } },
        patch: JSON.parse(await readFile(patch, 'utf8')),
      };
      expect(text).toBe(`${JSON.stringify(record, null, 2)}\n`);
      expect(readOverlayRecord(text, `etcd:${recordKey('btc')}`)).toEqual(record);
      expect(result.stdout).toContain(
        `"${recordKey('btc')}" does not exist yet: setting creates it`,
      );
      expect(result.stdout).toContain('new overlay "btc", for the instances that match symbol=BTC');
      expect(result.stdout).toContain('+ patch.symbol: "BTC"');
      expect(result.stdout).toContain(
        `set overlay "btc" -> "${recordKey('btc')}" at revision ${kv.mod_revision}`,
      );
    });

    it('writes the two arms of an A/B test as two overlays with one seed', async () => {
      const tight = await file('tight.json', { risk: { stopLoss: 0.01 } });
      const loose = await file('loose.json', { risk: { stopLoss: 0.05 } });
      expect((await set('exp-7-a', '0%..50%,seed=exp-7', tight)).code).toBe(0);
      expect((await set('exp-7-b', '50%..100%,seed=exp-7', loose)).code).toBe(0);
      const match = async (name: string) =>
        readOverlayRecord((await stored(name))!.value.toString(), name).match;
      expect(await match('exp-7-a')).toEqual({ percent: [0, 50], seed: 'exp-7' });
      expect(await match('exp-7-b')).toEqual({ percent: [50, 100], seed: 'exp-7' });
    });

    it('shows the diff against the record in etcd; the same record again writes nothing', async () => {
      const first = await file('first.json', { risk: { stopLoss: 0.01 }, symbol: 'BTC' });
      const second = await file('second.json', { symbol: 'BTC', risk: { stopLoss: 0.03 } });
      expect((await set('btc', 'symbol=BTC', first)).code).toBe(0);
      const read = (await stored('btc'))!.mod_revision;

      const changed = await set('btc', 'symbol=BTC,region=eu', second);
      expect(changed.code).toBe(0);
      expect(changed.stdout).toContain(`"${recordKey('btc')}" is at revision ${read}`);
      expect(changed.stdout).toContain('~ match: "symbol=BTC" -> "region=eu,symbol=BTC"');
      expect(changed.stdout).toContain('~ patch.risk.stopLoss: 0.01 -> 0.03');
      expect(changed.stdout).not.toContain('patch.symbol');
      const written = (await stored('btc'))!.mod_revision;
      expect(BigInt(written)).toBeGreaterThan(BigInt(read));

      const again = await set('btc', 'region=eu,symbol=BTC', second);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('no changes');
      expect(again.stdout).toContain(
        `"${recordKey('btc')}" already holds this match and patch at revision ${written}: nothing written`,
      );
      expect((await stored('btc'))!.mod_revision).toBe(written);
    });

    it('refuses a bad selector or name as a usage error (exit 2), writing nothing', async () => {
      const patch = await file('ok.json', { symbol: 'BTC' });
      for (const [name, match, says] of [
        ['btc', 'lables', '"lables" is not a term'],
        ['btc', '150%', 'a share of the fleet from 0% to 100%'],
        ['btc', '__proto__=x', 'are no label names'],
        ['eu/btc', 'symbol=BTC', 'holds a "/"'],
        ['', 'symbol=BTC', 'an empty overlay name'],
        ['btc\u001b[2J', 'symbol=BTC', 'holds the character \\u001b'],
      ]) {
        const result = await set(name!, match!, patch);
        expect(result.code, `${name} ${match}`).toBe(2);
        expect(result.stderr).toContain(says);
      }
      expect(await overlayKeys()).toEqual([]);
    });

    it('refuses a patch file that is not a JSON object, not JSON, poisoned or missing (exit 3)', async () => {
      const missingFile = etcd.pathOf('missing.json');
      const cases: [string, string][] = [
        [
          await file('array.json', '[{"symbol": "BTC"}]'),
          'array.json:1:1: the root must be a JSON object',
        ],
        [await file('number.json', '3'), 'the root must be a JSON object, found number'],
        [await file('comma.json', '{\n  "symbol": "BTC",\n}'), 'comma.json:2:18: invalid JSON'],
        [await file('proto.json', '{"risk": {"__proto__": {"x": 1}}}'), '"__proto__" key'],
        [await file('twice.json', '{"symbol": "A", "symbol": "B"}'), 'duplicate key symbol'],
        [missingFile, missingFile],
      ];
      for (const [patch, says] of cases) {
        const result = await set('btc', 'symbol=BTC', patch, ...(await withSchema()));
        expect(result.code, patch).toBe(3);
        expect(result.stderr).toContain(`refused ${patch}; overlay "btc" is unchanged`);
        expect(result.stderr).toContain(says);
      }
      expect(await overlayKeys()).toEqual([]);
    });

    it('with --schema, refuses a patch that makes the config invalid (exit 1), naming the path, writing nothing', async () => {
      const good = await file('good.json', { risk: { stopLoss: 0.01 } });
      expect((await set('risk', '10%', good, ...(await withSchema()))).code).toBe(0);
      const before = (await stored('risk'))!;

      const wide = await file('wide.json', { risk: { stopLoss: 0.5 } });
      const result = await set('risk', '10%', wide, ...(await withSchema()));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `refused overlay "risk": "${etcd.key}" with this patch merged over it is not a valid config; nothing written`,
      );
      expect(result.stderr).toContain(`etcd:${etcd.key} + risk: risk.stopLoss: must be <= 0.1`);
      expect((await stored('risk'))!.mod_revision).toBe(before.mod_revision);
      expect((await stored('risk'))!.value.toString()).toBe(before.value.toString());

      // The path of a secret is named, its value never.
      const leaky = await file('leaky.json', { exchange: { apiKey: `${SECRET}_X` } });
      const secret = await set('leaky', '10%', leaky, ...(await withSchema()));
      expect(secret.code).toBe(1);
      expect(secret.stderr).toContain('exchange.apiKey');
      expect(`${secret.stdout}${secret.stderr}`).not.toContain(SECRET);
      expect(await stored('leaky')).toBeUndefined();

      // Without --schema the same patch is checked for JSON syntax only, and says so.
      const unchecked = await set('risk', '10%', wide);
      expect(unchecked.code).toBe(0);
      expect(unchecked.stderr).toContain(syntaxOnlyNote);
    });

    it('notes when there is no config to merge the patch over, and writes it', async () => {
      await etcd.client.delete().key(etcd.key);
      const patch = await file('early.json', { symbol: 'BTC' });
      const result = await set('early', 'symbol=BTC', patch, ...(await withSchema()));
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        `note: "${etcd.key}" does not exist: the patch is not checked over a base`,
      );
      expect(await stored('early')).toBeDefined();
    });

    it('never prints a secret value of a patch, new or replaced; credentials in URLs masked', async () => {
      const patch = (apiKey: string, pin: number) => ({
        exchange: { apiKey, feed: 'wss://bot:hunter2pass@feed.example/ws' },
        apiTokens: { tok_live_abcdef: 'trade' },
        pin,
      });
      const first = await file('s1.json', patch(`${SECRET}A`, 482913));
      const second = await file('s2.json', patch(`${SECRET}B`, 771234));
      const results = [await set('keys', '100%', first), await set('keys', '100%', second, '-n')];
      for (const result of results) {
        expect(result.code).toBe(0);
        const printed = `${result.stdout}${result.stderr}`;
        for (const secret of [SECRET, 'hunter2pass', 'tok_live_abcdef', '482913', '771234']) {
          expect(printed).not.toContain(secret);
        }
      }
      expect(results[1]!.stdout).toContain('~ patch.exchange.apiKey: "[REDACTED]" -> "[REDACTED]"');
      expect(results[1]!.stdout).toContain(`dry run: "${recordKey('keys')}" not changed`);
    });

    it('replaces a record instances cannot read, saying so with its error escaped', async () => {
      await etcd.client
        .put(recordKey('btc'))
        .value('{"match": {}, "patch": {"x\u001b[2J": 1}, "lables": 1}');
      const patch = await file('fix.json', { symbol: 'BTC' });
      const result = await set('btc', 'symbol=BTC', patch);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`the current record of "${recordKey('btc')}" is unreadable`);
      // oxlint-disable-next-line no-control-regex -- a raw escape would reach the terminal
      expect(result.stderr).not.toMatch(/\u001b/);
      expect(result.stdout).toContain('new overlay "btc"');
      const text = (await stored('btc'))!.value.toString();
      expect(readOverlayRecord(text, 'btc').patch).toEqual({ symbol: 'BTC' });
    });

    it('loses a race to a change between its read and its write: exit 4, nothing overwritten', async () => {
      const patch = await file('race.json', { symbol: 'BTC' });
      expect((await set('btc', 'symbol=BTC', patch)).code).toBe(0);
      const read = (await stored('btc'))!.mod_revision;
      const theirs = JSON.stringify({ match: {}, patch: { symbol: 'XBT' } });
      const mine = await file('mine.json', { symbol: 'ETH' });
      const result = await startCli(
        ['overlay', 'set', 'btc', '--match', 'symbol=BTC', mine, ...etcd.etcdFlags()],
        {
          preload: [join(root, 'test', 'fixtures', 'race-next-transaction.cjs')],
          env: {
            RACE_ETCD: etcd.hosts.join(','),
            RACE_KEY: recordKey('btc'),
            RACE_VALUE: theirs,
          },
        },
      ).result;
      const now = (await stored('btc'))!;
      expect(now.value.toString()).toBe(theirs);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        `conflict: "${recordKey('btc')}" changed while setting the overlay (read at revision ${read}, ` +
          `now at revision ${now.mod_revision}); nothing was written. Set it again`,
      );
    });
  });
});
