import { Etcd3 } from 'etcd3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  etcdMemberAndCli,
  configReloader,
  root,
  startCli,
} from '../support/config-reloader-cli.js';
import { type EtcdCluster, skipWithoutEtcd } from '../support/etcd-cluster.js';
import {
  sampleConfig,
  sampleSchema,
  syntaxOnlyNote as syntaxOnly,
  type TrendConfig,
} from '../support/sample-config.js';
import { SimulatedInstance } from '../support/simulated-instance.js';

const missing = skipWithoutEtcd('the rollback tests against etcd');

const fixture = (name: string) => join(root, 'test', 'fixtures', name);

describe('config-reloader rollback', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;
    let sample: TrendConfig;
    let instances: SimulatedInstance[] = [];
    let n = 0;
    let key: string;
    let etcdFlags: string[];

    beforeAll(async () => {
      cluster = await etcdMemberAndCli();
      client = new Etcd3({ hosts: cluster.hosts });
      sample = JSON.parse(await readFile(sampleConfig, 'utf8')) as TrendConfig;
    }, 60_000);

    afterAll(async () => {
      client?.close();
      await cluster?.stop();
    });

    beforeEach(() => {
      key = `/bots/rollback-${n++}`;
      etcdFlags = ['--etcd', cluster.hosts.join(','), '--key', key];
    });

    afterEach(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      instances = [];
    });

    const withStopLoss = (stopLoss: number, apiKey = sample.exchange.apiKey): string => {
      const copy = structuredClone(sample);
      copy.strategies[3]!.risk.stopLoss = stopLoss;
      copy.exchange.apiKey = apiKey;
      return JSON.stringify(copy, null, 2);
    };
    const stored = async () => (await client.get(key).exec()).kvs[0]!;
    /** Puts each text in turn; the key's mod_revision after each. */
    const history = async (...texts: string[]) => {
      const revisions: string[] = [];
      for (const text of texts) {
        await client.put(key).value(text);
        revisions.push((await stored()).mod_revision);
      }
      return revisions;
    };

    it('writes back the value before the current one, with the redacted diff, exit 0', async () => {
      const [first] = await history(withStopLoss(0.02), withStopLoss(0.03));
      const result = await configReloader('rollback', ...etcdFlags, '--schema', sampleSchema);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('~ strategies.3.risk.stopLoss: 0.03 -> 0.02');
      const now = await stored();
      expect(now.value.toString()).toBe(withStopLoss(0.02));
      expect(result.stdout).toContain(
        `rolled back "${key}" to its value at revision ${first} -> revision ${now.mod_revision}`,
      );
    });

    it('with --to, writes back the value the key held at that store revision', async () => {
      const [first] = await history(withStopLoss(0.02));
      // A store revision that is not one of the key's own: another key's change.
      await client.put(`${key}-neighbour`).value('{}');
      const between = (await client.get(`${key}-neighbour`).exec()).kvs[0]!.mod_revision;
      await history(withStopLoss(0.03), withStopLoss(0.04));
      const result = await configReloader('rollback', ...etcdFlags, '--to', between);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('~ strategies.3.risk.stopLoss: 0.04 -> 0.02');
      expect(result.stdout).toContain(`its value at revision ${between} (written at ${first})`);
      expect((await stored()).value.toString()).toBe(withStopLoss(0.02));
    });

    it('writes nothing when the earlier value equals the current one (exit 0)', async () => {
      // The same config written twice, formatted differently: the app would see no change.
      await history(withStopLoss(0.02), JSON.stringify(JSON.parse(withStopLoss(0.02))));
      const before = await stored();
      const result = await configReloader('rollback', ...etcdFlags, '--schema', sampleSchema);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('no changes');
      expect(result.stdout).toContain(`"${key}" already holds this config: nothing written`);
      expect((await stored()).mod_revision).toBe(before.mod_revision);
    });

    it('loses a race to a change between its read and its write: exit 4, nothing overwritten', async () => {
      const [, read] = await history(withStopLoss(0.02), withStopLoss(0.03));
      const theirs = withStopLoss(0.04);
      const result = await startCli(['rollback', ...etcdFlags], {
        preload: [fixture('race-next-transaction.cjs')],
        env: { RACE_ETCD: cluster.hosts.join(','), RACE_KEY: key, RACE_VALUE: theirs },
      }).result;
      const now = await stored();
      expect(now.value.toString()).toBe(theirs);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        `conflict: "${key}" changed while rolling back (read at revision ${read}, now at ` +
          `revision ${now.mod_revision}); nothing was written`,
      );
      expect(result.stdout).not.toContain('rolled back');
    });

    it('names the oldest revision still kept when the history was compacted (exit 3)', async () => {
      const [, , last] = await history(withStopLoss(0.02), withStopLoss(0.03), withStopLoss(0.04));
      await client.kv.compact({ revision: last!, physical: true });
      const result = await configReloader('rollback', ...etcdFlags);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        `etcd no longer keeps "${key}" as it was at revision ${BigInt(last!) - 1n}: its ` +
          `history was compacted, the oldest revision still kept is ${last}`,
      );
      expect((await stored()).mod_revision).toBe(last);
    });

    it('refuses an earlier value that fails --schema, with its JSON path; the key is unchanged (exit 1)', async () => {
      const [first, second] = await history(withStopLoss(5), withStopLoss(0.03));
      const result = await configReloader('rollback', ...etcdFlags, '--schema', sampleSchema);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `refused the value of "${key}" at revision ${first}; "${key}" is unchanged`,
      );
      expect(result.stderr).toContain(`etcd:${key}@${first}: strategies.3.risk.stopLoss:`);
      expect((await stored()).mod_revision).toBe(second);
    });

    it('with --wait, waits until every live instance applied the rolled-back revision', async () => {
      await history(withStopLoss(0.02), withStopLoss(0.03));
      instances = [await SimulatedInstance.start(cluster.hosts, key, 'bot-1')];
      const result = await configReloader('rollback', ...etcdFlags, '--wait', '--timeout', '15s');
      const now = await stored();
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `rolled out: all 1 live instance(s) applied revision ${now.mod_revision}`,
      );
      expect(instances[0]!.reports.at(-1)).toMatchObject({
        state: 'applied',
        revision: now.mod_revision,
      });
    });

    it('redacts secrets in the diff, default keys and --secret-key alike', async () => {
      const older = JSON.parse(withStopLoss(0.02, 'pk_live_OLD_0001')) as Record<string, unknown>;
      const newer = JSON.parse(withStopLoss(0.02, 'pk_live_NEW_0002')) as Record<string, unknown>;
      older.pin = '1234-OLD';
      newer.pin = '9876-NEW';
      await history(JSON.stringify(older), JSON.stringify(newer));
      const result = await configReloader('rollback', ...etcdFlags, '--secret-key', 'pin');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('~ exchange.apiKey: "[REDACTED]" -> "[REDACTED]"');
      expect(result.stdout).toContain('~ pin: "[REDACTED]" -> "[REDACTED]"');
      expect(result.stdout + result.stderr).not.toMatch(/pk_live_|1234-OLD|9876-NEW/);
      expect((await stored()).value.toString()).toBe(JSON.stringify(older));
    });

    it('says when there is nothing to roll back to: a missing key, a key with one value (exit 3)', async () => {
      const absent = await configReloader('rollback', ...etcdFlags);
      expect(absent.code).toBe(3);
      expect(absent.stderr).toContain(`"${key}" does not exist: nothing to roll back`);

      const [only] = await history(withStopLoss(0.02));
      const single = await configReloader('rollback', ...etcdFlags);
      expect(single.code).toBe(3);
      expect(single.stderr).toContain(
        `"${key}" did not exist at revision ${BigInt(only!) - 1n}: no earlier value to roll back to`,
      );
      expect((await stored()).mod_revision).toBe(only);
    });

    it('says that it checked JSON syntax only without --schema or --dto', async () => {
      await history(withStopLoss(0.02), withStopLoss(0.03));
      const result = await configReloader('rollback', ...etcdFlags, '--dry-run');
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(`${syntaxOnly}\n`);
    });

    it('refuses a --to that is not a revision as a usage error (exit 2)', async () => {
      for (const to of ['0', '-3', 'abc', '1.5']) {
        const result = await configReloader('rollback', ...etcdFlags, '--to', to);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain('an etcd revision, a whole number from 1, was expected');
      }
    });

    it('exits 7 when etcd does not answer', async () => {
      // A port nothing listens on: the connection is refused at once.
      const closed = ['--etcd', 'http://127.0.0.1:1', '--key', key, '--dial-timeout', '500ms'];
      const result = await configReloader('rollback', ...closed);
      expect(result.code).toBe(7);
      expect(result.stderr).toContain('cannot reach etcd at http://127.0.0.1:1');
    });
  });
});
