import { spawn, type ChildProcess } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { etcdSource } from '../../lib/sources/etcd/index.js';
import { instanceStatusKey } from '../../lib/sources/etcd/fleet/instance-status.js';
import { etcdMemberAndCli, configReloader, root } from '../support/config-reloader-cli.js';
import { type EtcdCluster, skipWithoutEtcd } from '../support/etcd-cluster.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { SimulatedInstance, type Decision } from '../support/simulated-instance.js';
import { nextValue, waitFor } from '../support/wait-for.js';

const missing = skipWithoutEtcd('the status tests against etcd');

interface StatusDocument {
  key: string;
  publishedRevision: string | null;
  instances: {
    instanceId: string;
    revision: string;
    state: string;
    standing: string;
    ageMs: number;
    labels: Record<string, string>;
    variant: { canary?: string; overlays: string[] };
  }[];
}

// SimulatedInstance and the leased-instance-record child stand in for running instances of
// the module: they keep leased fleet status records as the etcd source does.
describe('config-reloader status', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;
    let instances: SimulatedInstance[] = [];
    let child: ChildProcess | undefined;
    let app: ReloaderHarness<object> | undefined;
    let n = 0;
    let key: string;
    const status = (...flags: string[]) =>
      configReloader('status', '--etcd', cluster.hosts.join(','), '--key', key, ...flags);

    beforeAll(async () => {
      cluster = await etcdMemberAndCli();
      client = new Etcd3({ hosts: cluster.hosts });
    }, 60_000);

    beforeEach(() => {
      key = `/bots/status-${n++}`;
    });

    afterEach(async () => {
      child?.kill('SIGKILL');
      child = undefined;
      await app?.close();
      app = undefined;
      await Promise.all(instances.map((instance) => instance.stop()));
      instances = [];
    });

    afterAll(async () => {
      client?.close();
      await cluster?.stop();
    });

    /** bot-1 applies every change, bot-2 rejects it, bot-3 started later and missed one. */
    const mixedFleet = async () => {
      await client.put(key).value('{"risk":{"stopLoss":0.02}}');
      const veto: Decision = {
        state: 'rejected',
        error: { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.5' },
      };
      instances.push(await SimulatedInstance.start(cluster.hosts, key, 'bot-1'));
      instances.push(await SimulatedInstance.start(cluster.hosts, key, 'bot-2', () => veto));
      instances.push(
        await SimulatedInstance.start(cluster.hosts, key, 'bot-3', () => ({ state: 'silent' })),
      );
      await client.put(key).value('{"risk":{"stopLoss":0.9}}');
      await waitFor(
        () => instances.slice(0, 2).every((instance) => instance.reports.length === 2),
        {
          description: 'bot-1 and bot-2 to decide',
        },
      );
      return (await client.get(key).exec()).kvs[0]!.mod_revision;
    };

    it('shows the published revision on top and one row per live instance, behind ones marked', async () => {
      const published = await mixedFleet();
      const result = await status();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(5); // bot-2 rejected it: final, as publish --wait would say
      const [top, header, ...rows] = result.stdout.trimEnd().split('\n');
      expect(top).toBe(`"${key}" published at revision ${published} (etcd ${cluster.hosts[0]})`);
      expect(header).toMatch(
        /^ {2}INSTANCE +HOST +NAME +VERSION +REVISION +STATE +AGE +LABELS +VARIANT +ERROR$/,
      );
      expect(rows[0]).toMatch(
        new RegExp(`^  bot-1 +\\S+ +default +2 +${published} +applied +\\d+s +- +base$`),
      );
      expect(rows[1]).toMatch(
        new RegExp(
          `^  bot-2 +\\S+ +default +1 +${published} +rejected +\\d+s +- +base +CONFIG_VALIDATION: risk.stopLoss: must be <= 0.5$`,
        ),
      );
      expect(rows[2]).toMatch(/^! bot-3 +\S+ +default +1 +\d+ +applied +\d+s +- +base$/);
      expect(rows[3]).toContain(`1 instance(s) behind revision ${published}`);
    });

    it('prints one machine-readable document with --json', async () => {
      const published = await mixedFleet();
      const result = await status('--json');
      expect(result.code).toBe(5);
      const document = JSON.parse(result.stdout) as StatusDocument;
      expect(document).toMatchObject({ key, publishedRevision: published });
      expect(
        document.instances.map(({ instanceId, state, standing }) => [instanceId, state, standing]),
      ).toEqual([
        ['bot-1', 'applied', 'applied'],
        ['bot-2', 'rejected', 'rejected'],
        ['bot-3', 'applied', 'behind'],
      ]);
      expect(document.instances[1]).toMatchObject({
        revision: published,
        error: { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.5' },
      });
      for (const instance of document.instances) {
        expect(instance.ageMs).toBeGreaterThanOrEqual(0);
        expect(instance).toMatchObject({ labels: {}, variant: { overlays: [] } });
      }
    });

    it("shows each instance's labels and the variant it runs, in the table and with --json", async () => {
      await client.put(key).value('{"revision":1}');
      // A real instance of the module, and one on a canary with overlays (what the etcd source
      // reports once it assembles them).
      app = await bootReloader({
        configSource: etcdSource({
          hosts: cluster.hosts,
          key,
          instanceId: 'bot-1',
          labels: { symbol: 'BTC', region: 'eu' },
        }),
        debounceMs: 0,
      });
      await waitFor(async () => await client.get(instanceStatusKey(key, 'bot-1')).string(), {
        description: "bot-1's status record",
      });
      instances.push(
        await SimulatedInstance.start(cluster.hosts, key, 'bot-2', undefined, 10, {
          labels: { symbol: 'ETH' },
          variant: { canary: 'c-7', overlays: ['eth', 'us'] },
        }),
      );

      const table = await status();
      expect(table.code).toBe(0);
      const [, header, ...rows] = table.stdout.trimEnd().split('\n');
      expect(header).toMatch(/ +AGE +LABELS +VARIANT +ERROR$/);
      expect(rows[0]).toMatch(/^ {2}bot-1 .* applied +\d+s +region=eu,symbol=BTC +base$/);
      expect(rows[1]).toMatch(/^ {2}bot-2 .* applied +\d+s +symbol=ETH +canary:c-7 \+eth \+us$/);

      const document = JSON.parse((await status('--json')).stdout) as StatusDocument;
      expect(
        document.instances.map(({ instanceId, labels, variant }) => [instanceId, labels, variant]),
      ).toEqual([
        ['bot-1', { symbol: 'BTC', region: 'eu' }, { overlays: [] }],
        ['bot-2', { symbol: 'ETH' }, { canary: 'c-7', overlays: ['eth', 'us'] }],
      ]);
    });

    it('shows each app version once the fleet runs more than one, as during a deploy', async () => {
      await client.put(key).value('{"risk":{"stopLoss":0.02}}');
      const start = (id: string, appVersion?: string) =>
        SimulatedInstance.start(cluster.hosts, key, id, undefined, 10, { appVersion });
      instances.push(await start('bot-1', '1.4.0'), await start('bot-2', '1.4.0'));
      const one = await status();
      expect(one.stdout).not.toMatch(/\bAPP\b/);
      expect(one.stdout).not.toContain('app versions');

      // A version is untrusted text like the rest of the record: on one line, in one cell.
      instances.push(
        await start('bot-3', '1.5.0'),
        await start('bot-4'),
        await start('bot-5', '9.9\r\n  bot-z  host'),
      );
      const table = await status();
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines[1]).toMatch(/^ {2}INSTANCE +HOST +NAME +APP +VERSION +REVISION +STATE /);
      expect(lines[2]).toMatch(/^ {2}bot-1 +\S+ +default +1\.4\.0 +\d+ /);
      expect(lines[4]).toMatch(/^ {2}bot-3 +\S+ +default +1\.5\.0 +\d+ /);
      expect(lines[5]).toMatch(/^ {2}bot-4 +\S+ +default +- +\d+ /);
      expect(lines[6]).toMatch(/^ {2}bot-5 +\S+ +default +9\.9 \/ bot-z {2}host +\d+ /);
      expect(lines).toHaveLength(8);
      expect(lines[7]).toBe(
        '4 app versions run side by side: 1.4.0 on 2, 1.5.0 on 1, 9.9 / bot-z  host on 1, not said on 1',
      );
    });

    it('exits as publish --wait would now: 0 all applied, 6 one behind or vetoed, 5 one rejected', async () => {
      await client.put(key).value('{"risk":{"stopLoss":0.02}}');
      let vetoing = false;
      const vetoes = (): Decision =>
        vetoing
          ? { state: 'vetoed', error: { code: 'CONFIG_REJECTED', message: '1 open order' } }
          : { state: 'applied' };
      instances.push(await SimulatedInstance.start(cluster.hosts, key, 'bot-1'));
      instances.push(await SimulatedInstance.start(cluster.hosts, key, 'bot-2', vetoes));
      expect((await status()).code).toBe(0);

      vetoing = true;
      const put = await client.put(key).value('{"risk":{"stopLoss":0.03}}');
      await waitFor(() => instances.every((instance) => instance.reports.length === 2), {
        description: 'both to decide',
      });
      const vetoed = await status();
      expect(vetoed.code).toBe(6);
      expect(vetoed.stdout).toMatch(
        new RegExp(
          `^! bot-2 .* ${put.header.revision} +vetoed .*CONFIG_REJECTED: 1 open order$`,
          'm',
        ),
      );
      expect(vetoed.stdout).toContain(`1 instance(s) vetoed revision ${put.header.revision}`);

      // Judged again, applied: the fleet is whole again.
      await instances[1]!.release(put.header.revision, '{"risk":{"stopLoss":0.03}}');
      expect((await status()).code).toBe(0);
    });

    it('shows forged records as text on one line each, and does not trip over wrong types', async () => {
      const put = await client.put(key).value('{}');
      const forged = {
        instanceId: 'bot-x',
        hostname: { not: 'a string' },
        pid: 1,
        name: 'default\u001b[2J',
        labels: { 'sym\u001b[2J': 'BTC\nFAKE  row', x: 5 },
        version: 1,
        revision: put.header.revision,
        hash: '',
        variant: { canary: 'c\u001b]0;title\u0007', overlays: ['btc\r\n  bot-y  host', 7] },
        state: 'rejected',
        error: {
          code: 'CONFIG_VALIDATION',
          message: 'bad\r\n  bot-y  host  default  9  9  applied',
        },
        updatedAt: 'not a date',
      };
      // A label that would set the prototype of whatever copied it by assignment.
      const text = JSON.stringify(forged).replace('"labels":{', '"labels":{"__proto__":{"x":1},');
      await client.put(instanceStatusKey(key, 'bot-x')).value(text);
      try {
        const result = await status();
        expect(result.code).toBe(5);
        const rows = result.stdout.trimEnd().split('\n').slice(2);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatch(/^ {2}bot-x +\? +default\\u001b\[2J .* bad \/ bot-y/);
        // Labels and variant as one token each, quoted where a space would start a new column.
        expect(rows[0]).toContain(
          'sym\\u001b[2J="BTC / FAKE  row",x=?  canary:c\\u001b]0;title\\u0007 ' +
            '+"btc / bot-y  host" +?',
        );
        // oxlint-disable-next-line no-control-regex -- no control character but the line ends
        expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);

        const document = JSON.parse((await status('--json')).stdout) as StatusDocument;
        expect(document.instances[0]).toMatchObject({
          labels: { 'sym\u001b[2J': 'BTC\nFAKE  row', x: '?' },
          variant: { canary: 'c\u001b]0;title\u0007', overlays: ['btc\r\n  bot-y  host', '?'] },
        });
        expect(Object.keys(document.instances[0]!.labels)).not.toContain('__proto__');
      } finally {
        await client.delete().key(instanceStatusKey(key, 'bot-x'));
      }
    });

    it('says when nothing is published and no instance reports, and exits 3', async () => {
      const result = await status();
      expect(result.code).toBe(3);
      expect(result.stdout).toContain(`nothing published on "${key}" yet`);
      expect(result.stdout).toContain(`no live instance reports under "${key}/instances/"`);
      expect(JSON.parse((await status('--json')).stdout)).toEqual({
        key,
        publishedRevision: null,
        revision: expect.any(String),
        instances: [],
      });
    });

    it('drops the row of an instance killed with SIGKILL within its lease TTL', async () => {
      const ttlSeconds = 2;
      await client.put(key).value('{}');
      child = spawn(process.execPath, [
        join(root, 'test', 'fixtures', 'leased-instance-record.cjs'),
        cluster.hosts.join(','),
        key,
        'doomed-bot',
        String(ttlSeconds),
      ]);
      await nextValue<void>(
        (ready) => {
          const onData = (chunk: Buffer) => chunk.toString().includes('ready') && ready();
          child!.stdout!.on('data', onData);
          return () => child!.stdout!.off('data', onData);
        },
        { timeoutMs: 10_000, description: 'the instance to write its record' },
      );
      expect((await status()).stdout).toMatch(/^ {2}doomed-bot /m);

      const record = instanceStatusKey(key, 'doomed-bot');
      const watcher = await client.watch().key(record).create();
      try {
        const gone = nextValue<number>(
          (callback) => {
            const onDelete = () => callback(Date.now());
            watcher.on('delete', onDelete);
            return () => watcher.off('delete', onDelete);
          },
          { timeoutMs: ttlSeconds * 1000 + 3000, description: 'the lease to expire' },
        );
        const killedAt = Date.now();
        child.kill('SIGKILL'); // no shutdown hook runs: only the lease can remove the record
        // etcd checks leases every 500 ms: allow that on top of the TTL.
        expect((await gone) - killedAt).toBeLessThanOrEqual(ttlSeconds * 1000 + 1000);
      } finally {
        await watcher.cancel();
      }
      const after = await status();
      expect(after.stdout).not.toContain('doomed-bot');
      expect(after.stdout).toContain('no live instance reports');
    });
  });
});
