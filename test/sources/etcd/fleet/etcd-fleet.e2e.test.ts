import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instancesPrefix, parseInstanceStatus } from '../../../../lib/sources/etcd/index.js';
import { buildOnce } from '../../../support/build-once.js';
import { EtcdCluster, skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { startCli } from '../../../support/config-reloader-cli.js';
import { FleetInstance } from '../../../support/fleet-instance.js';
import { waitFor } from '../../../support/wait-for.js';

const KEY = '/fleet/trend/config';

const missing = skipWithoutEtcd('the etcd fleet tests');

describe.skipIf(missing !== undefined)('a fleet of instances on one etcd key', () => {
  let cluster: EtcdCluster | undefined;
  let writer: Etcd3 | undefined;
  const instances: FleetInstance[] = [];
  const directories: string[] = [];

  beforeAll(async () => {
    await buildOnce('library'); // the instances run the built library
  }, 120_000);

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.kill();
    for (const dir of directories.splice(0)) await rm(dir, { recursive: true, force: true });
    writer?.close();
    await cluster?.stop();
    cluster = writer = undefined;
  });

  async function fleetOf(count: number, veto?: string): Promise<FleetInstance[]> {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    await writer.put(KEY).value(JSON.stringify({ revision: 1 }));
    for (let index = 0; index < count; index++) {
      instances.push(await FleetInstance.start(cluster.hosts, KEY, `bot-${index}`, { veto }));
    }
    return instances;
  }

  async function configDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-publish-'));
    directories.push(dir);
    return dir;
  }

  async function configFile(config: object): Promise<string> {
    const file = join(await configDir(), 'next.json');
    await writeFile(file, JSON.stringify(config));
    return file;
  }

  async function statuses() {
    const records = await writer!.getAll().prefix(instancesPrefix(KEY)).strings();
    return Object.values(records).map((text) => parseInstanceStatus(text)!);
  }

  it('applies a put in both processes, and rejects an invalid one in both', async () => {
    const [first, second] = await fleetOf(2);
    await writer!.put(KEY).value(JSON.stringify({ revision: 2 }));
    for (const instance of [first!, second!]) {
      await instance.next((line) => line.event === 'reloaded', `${instance.instanceId} to apply`);
    }
    const invalid = await writer!.put(KEY).value(JSON.stringify({ revision: 0 }));
    for (const instance of [first!, second!]) {
      await instance.next((line) => line.event === 'failed', `${instance.instanceId} to reject`);
    }
    await waitFor(
      async () => {
        const fleet = await statuses();
        return fleet.length === 2 && fleet.every((status) => status.state === 'rejected');
      },
      { description: 'both records to show the rejection' },
    );
    for (const status of await statuses()) {
      expect(status).toMatchObject({
        version: 2,
        revision: invalid.header.revision,
        error: { code: 'CONFIG_VALIDATION' },
      });
    }
    // Neither changed its config: each applied exactly one change.
    for (const instance of [first!, second!]) {
      expect(instance.lines.filter((line) => line.event === 'reloaded')).toHaveLength(1);
    }
  }, 60_000);

  it('exits promptly after app.close(), even while etcd is down, and its record goes', async () => {
    const [instance] = await fleetOf(1);
    await waitFor(async () => (await statuses()).length === 1, { description: 'the record' });
    expect(await instance!.terminate()).toBeLessThan(5000);
    await instance!.next((line) => line.event === 'closed', 'the close');
    expect(await statuses()).toEqual([]); // revoked on close, not left to the TTL

    const again = await FleetInstance.start(cluster!.hosts, KEY, 'bot-again');
    instances.push(again);
    await cluster!.members[0]!.kill(); // the watch now retries, the lease keepalive fails
    await again.next((line) => line.event === 'ready', 'started');
    expect(await again.terminate()).toBeLessThan(8000);
  }, 60_000);

  it('publish --wait succeeds once both real instances applied the revision', async () => {
    await fleetOf(2);
    const file = await configFile({ revision: 2 });
    const published = await startCli([
      'publish',
      file,
      '--etcd',
      cluster!.hosts.join(','),
      '--key',
      KEY,
      '--wait',
      '--timeout',
      '20s',
    ]).result;
    expect(published.stderr).toBe('note: no --schema or --dto given: checked JSON syntax only\n');
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/applied +bot-0/);
    expect(published.stdout).toMatch(/applied +bot-1/);
    for (const instance of instances) {
      await instance.next((line) => line.event === 'reloaded', `${instance.instanceId} to apply`);
    }
  }, 60_000);

  const publish = (file: string, ...flags: string[]) =>
    startCli(['publish', file, '--etcd', cluster!.hosts.join(','), '--key', KEY, ...flags]);

  it('publish --wait waits on a veto, names it with its reason, and exits 6 if it never clears', async () => {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    await writer.put(KEY).value(JSON.stringify({ revision: 1 }));
    instances.push(await FleetInstance.start(cluster.hosts, KEY, 'bot-accepts'));
    instances.push(await FleetInstance.start(cluster.hosts, KEY, 'bot-vetoes', { veto: 'halt' }));
    const file = await configFile({ revision: 2, halt: true });
    const published = await publish(file, '--wait', '--timeout', '3s').result;
    // A veto depends on the world and is judged again: not final (5), still not applied (6).
    expect(published.code).toBe(6);
    expect(published.stdout).toMatch(/vetoed +bot-vetoes.*CONFIG_REJECTED.*halt is not allowed/);
    expect(published.stderr).toMatch(
      /vetoed +bot-vetoes.*CONFIG_REJECTED.*halt is not allowed here/,
    );
    expect(published.stdout).toMatch(/applied +bot-accepts/);
    // The vetoing instance kept its config; the other one runs the new revision.
    expect(instances[1]!.lines.some((line) => line.event === 'reloaded')).toBe(false);
    await instances[0]!.next((line) => line.event === 'reloaded', 'bot-accepts to apply');
    const vetoed = (await statuses()).find((status) => status.instanceId === 'bot-vetoes');
    expect(vetoed).toMatchObject({ state: 'vetoed', error: { code: 'CONFIG_REJECTED' } });
  }, 60_000);

  it('publish --wait succeeds once a vetoing instance applies the change by itself', async () => {
    const openOrder = join(await configDir(), 'open-order');
    await writeFile(openOrder, '');
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    await writer.put(KEY).value(JSON.stringify({ revision: 1 }));
    instances.push(await FleetInstance.start(cluster.hosts, KEY, 'bot-accepts'));
    instances.push(
      await FleetInstance.start(cluster.hosts, KEY, 'bot-holds', {
        veto: 'halt',
        vetoWhile: openOrder,
      }),
    );
    const cli = publish(
      await configFile({ revision: 2, halt: true }),
      '--wait',
      '--timeout',
      '20s',
    );
    await waitFor(() => /vetoed +bot-holds/.test(cli.stdout()), {
      timeoutMs: 15_000,
      description: 'publish --wait to show the veto',
    });
    await rm(openOrder); // the order closed: the next look at the change lets it through
    const published = await cli.result;
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/applied +bot-holds/);
    expect(published.stdout).toContain('rolled out: all 2 live instance(s) applied');
    await instances[1]!.next((line) => line.event === 'reloaded', 'bot-holds to apply');
  }, 60_000);

  it('publish --wait exits 0 when the good config is republished after a rejected one', async () => {
    const [first, second] = await fleetOf(2);
    const bad = await publish(await configFile({ revision: 0 }), '--wait', '--timeout', '20s')
      .result;
    expect(bad.code).toBe(5);
    expect((await statuses()).map((status) => status.state)).toEqual(['rejected', 'rejected']);

    // The config in force again: nothing to apply, but every instance says it runs it.
    const good = await publish(await configFile({ revision: 1 }), '--wait', '--timeout', '20s')
      .result;
    expect(good.stderr).toBe('note: no --schema or --dto given: checked JSON syntax only\n');
    expect(good.code).toBe(0);
    const revision = /published .* at revision (\d+)/.exec(good.stdout)![1]!;
    for (const status of await statuses()) {
      expect(status).toMatchObject({ state: 'applied', revision, version: 1 });
    }
    for (const instance of [first!, second!]) {
      expect(instance.lines.some((line) => line.event === 'reloaded')).toBe(false);
    }
  }, 60_000);

  it('drops the record of an instance killed with SIGKILL within the lease TTL', async () => {
    const [survivor, victim] = await fleetOf(2);
    await waitFor(async () => (await statuses()).length === 2, { description: 'both records' });
    await victim!.kill();
    await waitFor(async () => (await statuses()).length === 1, {
      timeoutMs: 10_000, // the bot's lease TTL is 2 s; etcd checks expiry about once a second
      description: "the killed instance's record to expire",
    });
    expect((await statuses())[0]!.instanceId).toBe(survivor!.instanceId);
  }, 60_000);
});
