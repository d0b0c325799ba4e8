import { Etcd3 } from 'etcd3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigDir } from '../support/config-dir.js';
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

const missing = skipWithoutEtcd('the publish tests against etcd');

const fixture = (name: string) => join(root, 'test', 'fixtures', name);

describe('config-reloader publish', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;
    let dir: ConfigDir;
    let sample: TrendConfig;
    let n = 0;
    let key: string;
    let etcdFlags: string[];

    beforeAll(async () => {
      cluster = await etcdMemberAndCli();
      client = new Etcd3({ hosts: cluster.hosts });
      sample = JSON.parse(await readFile(sampleConfig, 'utf8')) as TrendConfig;
      dir = await ConfigDir.create(sample, 'candidate.json');
    }, 60_000);

    afterAll(async () => {
      client?.close();
      await cluster?.stop();
      await dir?.dispose();
    });

    beforeEach(() => {
      key = `/bots/publish-${n++}`;
      etcdFlags = ['--etcd', cluster.hosts.join(','), '--key', key];
    });

    const candidate = async (config: unknown, name = 'candidate.json') => {
      const file = join(dir.dir, name);
      await writeFile(file, JSON.stringify(config, null, 2));
      return file;
    };
    const changed = (stopLoss: number, apiKey = sample.exchange.apiKey): TrendConfig => {
      const copy = structuredClone(sample);
      copy.strategies[3]!.risk.stopLoss = stopLoss;
      copy.exchange.apiKey = apiKey;
      return copy;
    };
    const stored = async () => (await client.get(key).exec()).kvs[0];

    it('creates a missing key, then writes the file as is with the redacted diff, exit 0', async () => {
      const first = await configReloader(
        'publish',
        sampleConfig,
        ...etcdFlags,
        '--schema',
        sampleSchema,
      );
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`"${key}" does not exist yet`);
      expect((await stored())!.value.toString()).toBe(await readFile(sampleConfig, 'utf8'));

      const file = await candidate(changed(0.03, 'pk_live_NEW_0001'));
      const second = await configReloader('publish', file, ...etcdFlags, '--schema', sampleSchema);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('~ strategies.3.risk.stopLoss: 0.02 -> 0.03');
      expect(second.stdout).toContain('exchange.apiKey');
      expect(second.stdout + second.stderr).not.toMatch(/pk_paper_3f9c|pk_live_NEW/);
      const kv = (await stored())!;
      expect(kv.value.toString()).toBe(await readFile(file, 'utf8'));
      expect(second.stdout).toContain(`-> "${key}" at revision ${kv.mod_revision}`);
    });

    it('refuses an invalid config with its JSON path, writes nothing, exit 1', async () => {
      await client.put(key).value(JSON.stringify(sample));
      const before = (await stored())!;
      const file = await candidate(changed(5));
      const result = await configReloader('publish', file, ...etcdFlags, '--schema', sampleSchema);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`refused ${file}; "${key}" is unchanged`);
      expect(result.stderr).toContain(`${file}: strategies.3.risk.stopLoss:`);
      const after = (await stored())!;
      expect(after.mod_revision).toBe(before.mod_revision);
    });

    it('writes nothing when the key already holds the same config', async () => {
      await client.put(key).value(JSON.stringify(sample));
      const before = (await stored())!;
      // Same config, other formatting: the app would see no change either.
      const result = await configReloader('publish', await candidate(sample), ...etcdFlags);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('no changes');
      expect(result.stdout).toContain('already holds this config: nothing written');
      expect((await stored())!.mod_revision).toBe(before.mod_revision);
    });

    it('says once on stderr that it checked JSON syntax only without --schema or --dto', async () => {
      await client.put(key).value(JSON.stringify(sample));
      const file = await candidate(changed(0.03));
      const plain = await configReloader('publish', file, ...etcdFlags, '-n');
      expect(plain.code).toBe(0);
      expect(plain.stderr).toBe(`${syntaxOnly}\n`);
      expect(plain.stdout).toContain('~ strategies.3.risk.stopLoss');
      const checked = await configReloader(
        'publish',
        file,
        ...etcdFlags,
        '-n',
        '--schema',
        sampleSchema,
      );
      expect(checked.code).toBe(0);
      expect(checked.stderr).toBe('');
    });

    it('writes nothing on a dry run', async () => {
      await client.put(key).value(JSON.stringify(sample));
      const before = (await stored())!;
      const result = await configReloader(
        'publish',
        await candidate(changed(0.03)),
        ...etcdFlags,
        '-n',
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('~ strategies.3.risk.stopLoss: 0.02 -> 0.03');
      expect(result.stdout).toContain('dry run');
      expect((await stored())!.mod_revision).toBe(before.mod_revision);
    });

    it('loses a race to a change between its read and its write: exit 4, nothing overwritten', async () => {
      await client.put(key).value(JSON.stringify(sample));
      const read = (await stored())!.mod_revision;
      const theirs = JSON.stringify(changed(0.04));
      const result = await startCli(['publish', await candidate(changed(0.03)), ...etcdFlags], {
        preload: [fixture('race-next-transaction.cjs')],
        env: { RACE_ETCD: cluster.hosts.join(','), RACE_KEY: key, RACE_VALUE: theirs },
      }).result;
      const now = (await stored())!;
      expect(now.value.toString()).toBe(theirs);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        `conflict: "${key}" changed while publishing (read at revision ${read}, now at revision ${now.mod_revision}); nothing was written`,
      );
      expect(result.stdout).not.toContain('published');
    });

    it('is not a conflict when the key was set to this very config in between (a retried write)', async () => {
      await client.put(key).value(JSON.stringify(sample));
      const file = await candidate(changed(0.03));
      const result = await startCli(['publish', file, ...etcdFlags], {
        preload: [fixture('race-next-transaction.cjs')],
        env: {
          RACE_ETCD: cluster.hosts.join(','),
          RACE_KEY: key,
          RACE_VALUE: await readFile(file, 'utf8'),
        },
      }).result;
      const now = (await stored())!;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `"${key}" holds this very config at revision ${now.mod_revision}`,
      );
      expect(now.version).toBe('2'); // one put by the test's setup, one by the race, none by publish
    });

    it('says so when etcd3 is not installed (exit 3), and still validates without it', async () => {
      const file = await candidate(changed(0.03));
      const preload = [fixture('hide-etcd3.cjs')];
      const result = await startCli(['publish', file, ...etcdFlags], { preload }).result;
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('npm install etcd3');
      const invalid = await startCli(
        ['publish', await candidate(changed(5)), ...etcdFlags, '--schema', sampleSchema],
        { preload },
      ).result;
      expect(invalid.code).toBe(1);
    });

    it('refuses a bad --timeout or --dial-timeout as a usage error, exit 2', async () => {
      const file = await candidate(sample);
      for (const flag of ['--timeout', '--dial-timeout']) {
        const result = await configReloader('publish', file, ...etcdFlags, flag, '10h');
        expect(result.code).toBe(2);
        expect(result.stderr).toContain('like 30s, 500ms, 2m or 1500');
      }
    });
  });
});
