import 'reflect-metadata';
import { Etcd3 } from 'etcd3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
  type EtcdSourceOptions,
} from '../../../lib/sources/etcd/index.js';
import { ConfigDir } from '../../support/config-dir.js';
import { etcdMemberAndCli, startCli } from '../../support/config-reloader-cli.js';
import { type EtcdCluster, skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { SimulatedInstance } from '../../support/simulated-instance.js';
import { BASE, Bot, BotV2 } from '../../support/trial-bots.js';
import { waitFor } from '../../support/wait-for.js';

const missing = skipWithoutEtcd('the publish --dry-run --wait tests against etcd');

type Boot = Partial<EtcdSourceOptions> & {
  dto?: typeof Bot | typeof BotV2;
  beforeApply?: (next: Readonly<Bot>) => void;
};

// The instances are the module itself (in this process) on etcd sources; the CLI is the built one.
describe('config-reloader publish --dry-run --wait (a trial)', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;
    let dir: ConfigDir;
    let harnesses: ReloaderHarness<Bot>[] = [];
    let simulated: SimulatedInstance[] = [];
    let n = 0;
    let key: string;

    beforeAll(async () => {
      cluster = await etcdMemberAndCli();
      client = new Etcd3({ hosts: cluster.hosts });
      dir = await ConfigDir.create(BASE);
    }, 60_000);

    beforeEach(async () => {
      key = `/bots/trial-${n++}`;
      await client.put(key).value(JSON.stringify(BASE));
    });

    afterEach(async () => {
      for (const harness of harnesses) await harness.close();
      await Promise.all(simulated.map((instance) => instance.stop()));
      harnesses = [];
      simulated = [];
    });

    afterAll(async () => {
      client?.close();
      await cluster?.stop();
      await dir?.dispose();
    });

    async function boot(instanceId: string, { dto = Bot, beforeApply, ...options }: Boot = {}) {
      const harness = await bootReloader<Bot>({
        configSource: etcdSource({
          hosts: cluster.hosts,
          key,
          instanceId,
          dialTimeoutMs: 1000,
          statusDelayMs: 0,
          ...options,
        }),
        dto,
        debounceMs: 0,
        beforeApply,
      });
      harnesses.push(harness);
      await waitFor(async () => recordOf(instanceId), { description: `${instanceId}'s record` });
      return harness;
    }

    const recordOf = async (instanceId: string) => {
      const text = await client.get(instanceStatusKey(key, instanceId)).string();
      return text === null ? undefined : parseInstanceStatus(text);
    };

    /** Writes the candidate and starts the CLI on it. */
    async function tryConfig(candidate: unknown, ...flags: string[]) {
      const file = join(dir.dir, `candidate-${n}.json`);
      await writeFile(file, JSON.stringify(candidate));
      const etcd = ['--etcd', cluster.hosts.join(','), '--key', key];
      return startCli(['publish', file, ...etcd, '--dry-run', '--wait', ...flags]);
    }

    const trials = async () => (await client.getAll().prefix(`${key}/trials/`).keys()).length;
    const keyRevision = async () => (await client.get(key).exec()).kvs[0]!.mod_revision;

    /** What a reload would have changed on an instance. */
    const applied = (harness: ReloaderHarness<Bot>) => ({
      version: harness.service.version,
      config: JSON.stringify(harness.service.config),
      history: harness.service.getHistory().length,
      reloaded: harness.reloaded.length,
      failed: harness.failed.length,
    });

    it('shows where two app versions disagree, applies nothing, and removes the trial (exit 5)', async () => {
      const fleet = [await boot('bot-v1'), await boot('bot-v2', { dto: BotV2 })];
      const before = fleet.map(applied);
      const revision = await keyRevision();
      const result = await (
        await tryConfig({ symbol: 'BTC', risk: { stopLoss: 0.03 } }, '--timeout', '15s')
      ).result;
      expect(result.code).toBe(5);
      expect(result.stdout).toContain(
        'waiting up to 15s for 2 matching live instance(s) to answer',
      );
      const rows = result.stdout.split('\n').filter((line) => /^ {2}\S/.test(line));
      expect(rows.filter((row) => row.includes('bot-v1'))).toEqual([
        expect.stringMatching(/^ {2}accepted {2}bot-v1 on \S+$/),
      ]);
      expect(rows.filter((row) => row.includes('bot-v2'))).toEqual([
        expect.stringMatching(
          /^ {2}rejected {2}bot-v2 on \S+: CONFIG_VALIDATION: .*maxPositionUsd/,
        ),
      ]);
      expect(result.stderr).toContain(
        'not accepted: rejected by 1 of 2 matching live instance(s); nothing was applied',
      );
      expect(await keyRevision()).toBe(revision);
      expect(fleet.map(applied)).toEqual(before);
      expect(await trials()).toBe(0);
      // The answers go with the trial.
      await waitFor(
        async () => !(await recordOf('bot-v1'))?.trial && !(await recordOf('bot-v2'))?.trial,
        {
          description: 'the answers to leave the records',
        },
      );
    });

    it('exits 0 when every live instance accepts it', async () => {
      await boot('bot-1');
      await boot('bot-2', { dto: BotV2 });
      const result = await (await tryConfig({ ...BASE, symbol: 'BTC' })).result;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        'accepted by all 2 matching live instance(s); nothing was applied',
      );
      expect(result.stdout).toMatch(
        /accepted {2}bot-1 on [^]*accepted {2}bot-2 on |accepted {2}bot-2 on [^]*accepted {2}bot-1 on /,
      );
      expect(await trials()).toBe(0);
    });

    it("counts a veto by the app's beforeApply as a rejection, with its reason", async () => {
      await boot('bot-1', {
        beforeApply: (next) => {
          if (next.symbol !== 'ANY') throw new Error('3 open positions on ANY');
        },
      });
      const result = await (await tryConfig({ ...BASE, symbol: 'BTC' })).result;
      expect(result.code).toBe(5);
      expect(result.stdout).toMatch(
        /rejected {2}bot-1 on \S+: CONFIG_REJECTED: .*3 open positions on ANY/,
      );
    });

    it('names an instance that never answers when the timeout ends (exit 6)', async () => {
      await boot('bot-1');
      // An instance of a version without trials: its record lives, it never answers.
      simulated.push(await SimulatedInstance.start(cluster.hosts, key, 'bot-old'));
      const result = await (await tryConfig({ ...BASE, symbol: 'BTC' }, '--timeout', '2s')).result;
      expect(result.code).toBe(6);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(2000);
      expect(result.stdout).toMatch(/accepted {2}bot-1 on /);
      expect(result.stdout).toMatch(/no answer bot-old on \S+: none within 2s/);
      expect(result.stderr).toContain('no answer from 1 of 2 matching live instance(s)');
      expect(await trials()).toBe(0);
    });

    it('asks only the instances --canary selects', async () => {
      await boot('bot-btc', { labels: { symbol: 'BTC' } });
      // It would refuse anything new, if it were asked.
      await boot('bot-eth', {
        labels: { symbol: 'ETH' },
        beforeApply: () => {
          throw new Error('asked');
        },
      });
      const result = await (
        await tryConfig({ ...BASE, symbol: 'XBT' }, '--canary', 'symbol=BTC')
      ).result;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('matching symbol=BTC');
      expect(result.stdout).toMatch(/accepted {2}bot-btc on \S+ \(symbol=BTC\)/);
      expect(result.stdout).toContain('accepted by all 1 matching live instance(s)');
      expect(result.stdout + result.stderr).not.toContain('bot-eth');
    });

    it("merges each instance's overlays into the candidate it judges", async () => {
      const btc = { match: { labels: { symbol: 'BTC' } }, patch: { symbol: 'BTC' } };
      await client.put(`${key}/overlays/btc`).value(JSON.stringify(btc));
      await boot('bot-btc', { labels: { symbol: 'BTC' } });
      await boot('bot-eth', { labels: { symbol: 'ETH' } });
      // Valid only with a symbol, which only the BTC overlay gives.
      const result = await (await tryConfig({ risk: BASE.risk })).result;
      expect(result.code).toBe(5);
      expect(result.stdout).toMatch(/accepted {2}bot-btc on /);
      expect(result.stdout).toMatch(
        /rejected {2}bot-eth on \S+ \(symbol=ETH\): CONFIG_VALIDATION: .*symbol/,
      );
    });

    it('never shows a secret value of the candidate, even where a DTO message quotes it', async () => {
      await boot('bot-1');
      const result = await (await tryConfig({ ...BASE, apiKey: 'LIVEKEY_77' })).result;
      expect(result.code).toBe(5);
      expect(result.stdout).toMatch(
        /rejected {2}bot-1 on \S+: CONFIG_VALIDATION: .*apiKey: failed Matches/,
      );
      expect(result.stdout + result.stderr).not.toContain('LIVEKEY');
    });

    it('refuses to start while another trial is in progress on the key (exit 8)', async () => {
      await boot('bot-1');
      const other = JSON.stringify({ id: 't-other', candidate: JSON.stringify(BASE) });
      await client.put(`${key}/trials/t-other`).value(other);
      const result = await (await tryConfig({ ...BASE, symbol: 'BTC' })).result;
      expect(result.code).toBe(8);
      expect(result.stderr).toContain(`another trial is in progress on "${key}" (t-other)`);
      expect(await client.getAll().prefix(`${key}/trials/`).keys()).toEqual([
        `${key}/trials/t-other`,
      ]);
    });

    it('says so when no live instance matches, and exits 0', async () => {
      await boot('bot-1', { labels: { symbol: 'ETH' } });
      const result = await (await tryConfig(BASE, '--canary', 'symbol=BTC')).result;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`no live instance under "${key}/instances/" matches`);
    });

    it('removes the trial when interrupted with Ctrl+C', async () => {
      simulated.push(await SimulatedInstance.start(cluster.hosts, key, 'bot-old'));
      const run = await tryConfig({ ...BASE, symbol: 'BTC' }, '--timeout', '1m');
      await waitFor(() => run.stdout().includes('waiting up to 1m'), {
        timeoutMs: 15_000,
        description: 'the trial to start',
      });
      expect(await trials()).toBe(1);
      run.child.kill('SIGINT');
      const result = await run.result;
      expect(result.code).toBe(130);
      expect(result.stderr).toContain('interrupted: the trial is removed');
      expect(await trials()).toBe(0);
    });

    it('takes --canary with --dry-run alone as a diff only: no trial, no canary', async () => {
      const file = join(dir.dir, 'plain.json');
      await writeFile(file, JSON.stringify({ ...BASE, symbol: 'BTC' }));
      const etcd = ['--etcd', cluster.hosts.join(','), '--key', key];
      const dryRun = await startCli([
        'publish',
        file,
        ...etcd,
        '--dry-run',
        '--canary',
        'symbol=BTC',
      ]).result;
      expect(dryRun.code).toBe(0);
      expect(dryRun.stdout).toContain(`dry run: no canary created on "${key}"`);
      expect(dryRun.stdout).not.toContain('trying');
      expect(await client.get(`${key}/canary`).string()).toBeNull();
      expect(JSON.parse((await client.get(key).string())!)).toEqual(BASE);
    });
  });
});
