import 'reflect-metadata';
import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { casPut } from '../../../lib/sources/etcd/cas-put.js';
import { readConfigKey } from '../../../lib/sources/etcd/config-key.reader.js';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
} from '../../../lib/sources/etcd/index.js';
import { EtcdCluster, skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { trackHandles } from '../../support/handle-tracker.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

type Bot = { revision: number };

const KEY = '/bots/outage/config';
const doc = (revision: number) => JSON.stringify({ revision });
/** Failover takes a progress check (watchCheckMs) plus its reply timeout plus a reconnect. */
const FAILOVER_MS = 15_000;
/** A progress check after 500 ms of silence, 1 s for its reply, a reconnect: well under 8 s. */
const FROZEN_NOTICED_MS = 6500;

const missing = skipWithoutEtcd('the etcd outage tests');

describe.skipIf(missing !== undefined)('the etcd source through outages', () => {
  let cluster: EtcdCluster | undefined;
  let harness: ReloaderHarness<Bot> | undefined;
  const clients: Etcd3[] = [];

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    for (const client of clients.splice(0)) client.close();
    await cluster?.stop();
    cluster = undefined;
  });

  /** A client of the given members only: a writer must not wait on a member that is down. */
  function clientOf(hosts: string[]): Etcd3 {
    const client = new Etcd3({ hosts });
    clients.push(client);
    return client;
  }

  /**
   * Writes doc(revision) through these members so that it lands once. When the leader is gone,
   * etcd3 retries a put that timed out, and the first attempt can still be committed after a
   * later put (the follower forwarded it to the old leader, which hands it on once it is back):
   * a plain put could leave the key on an older document. Compare-and-swap on the key's
   * mod_revision makes a late attempt fail instead (`casPut`, as `publish` writes).
   */
  async function publish(hosts: string[], revision: number): Promise<void> {
    const client = clientOf(hosts);
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await readConfigKey(client, KEY);
      if ((await casPut(client, KEY, doc(revision), current?.modRevision)).written) return;
    }
    throw new Error(`could not publish ${doc(revision)}`);
  }

  async function boot(hosts: string[]): Promise<ReloaderHarness<Bot>> {
    harness = await bootReloader<Bot>({
      configSource: etcdSource({
        hosts,
        key: KEY,
        dialTimeoutMs: 1000,
        watchCheckMs: 500,
        reportStatus: false,
      }),
      debounceMs: 0,
    });
    return harness;
  }

  it('keeps the config while etcd is down, says so in health, and applies the next put after', async () => {
    cluster = await EtcdCluster.start(1);
    await clientOf(cluster.hosts).put(KEY).value(doc(1));
    const { service } = await boot(cluster.hosts);
    const member = cluster.members[0]!;

    await member.kill();
    await waitFor(() => service.getHealth().status === 'degraded', {
      timeoutMs: FAILOVER_MS,
      description: 'health to show the outage',
    });
    expect(service.getHealth()).toMatchObject({
      lastErrorCode: 'CONFIG_UNAVAILABLE',
      isWatching: true,
    });
    expect(service.getHealth().lastError).toContain(KEY);
    expect(service.config).toEqual({ revision: 1 });
    await expect(service.reloadConfig()).rejects.toMatchObject({ code: 'CONFIG_UNAVAILABLE' });
    expect(service.config).toEqual({ revision: 1 });

    member.start();
    await member.ready();
    await waitFor(() => service.getHealth().status === 'up', {
      timeoutMs: FAILOVER_MS,
      description: 'health to recover',
    });
    expect(service.getHealth().unavailableSince).toBeNull();
    await clientOf(cluster.hosts).put(KEY).value(doc(2));
    await waitFor(() => service.config.revision === 2, { description: 'the put after the outage' });
  });

  it('follows the key in a three-member cluster while each member in turn dies', async () => {
    cluster = await EtcdCluster.start(3);
    const members = cluster.members;
    await clientOf(cluster.hosts).put(KEY).value(doc(1));
    const { service, reloaded } = await boot(cluster.hosts);
    // One of the rounds kills the member the watch is on.
    for (const [index, member] of members.entries()) {
      await member.kill();
      const others = members.filter((other) => other !== member).map((other) => other.clientUrl);
      await publish(others, index + 2);
      await waitFor(() => service.config.revision === index + 2, {
        timeoutMs: FAILOVER_MS,
        description: `the put while ${member.name} is down`,
      });
      member.start();
      await member.ready();
    }
    expect(reloaded.map((event) => event.newConfig.revision)).toEqual([2, 3, 4]);
  }, 90_000);

  it('notices a frozen member and moves the watch to another one', async () => {
    cluster = await EtcdCluster.start(3);
    const members = cluster.members;
    await clientOf(cluster.hosts).put(KEY).value(doc(1));
    const { service, reloaded } = await boot(cluster.hosts);
    // SIGSTOP keeps the member's sockets open but silent: only a liveness check can tell.
    for (const [index, member] of members.entries()) {
      member.freeze();
      const others = members.filter((other) => other !== member).map((other) => other.clientUrl);
      await publish(others, index + 2);
      await waitFor(() => service.config.revision === index + 2, {
        // gRPC keepalive alone would notice after about 8 s; the progress check much sooner.
        timeoutMs: FROZEN_NOTICED_MS,
        description: `the put while ${member.name} is frozen`,
      });
      member.thaw();
    }
    expect(reloaded.map((event) => event.newConfig.revision)).toEqual([2, 3, 4]);
  }, 90_000);

  it('tells a frozen member from a quiet one: health degrades before gRPC keepalive could', async () => {
    cluster = await EtcdCluster.start(1);
    await clientOf(cluster.hosts).put(KEY).value(doc(1));
    harness = await bootReloader<Bot>({
      configSource: etcdSource({
        hosts: cluster.hosts,
        key: KEY,
        dialTimeoutMs: 400,
        watchCheckMs: 200,
        reportStatus: false,
      }),
      debounceMs: 0,
    });
    const { service } = harness;
    // Quiet but alive: several progress checks pass without a false alarm.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(service.getHealth().status).toBe('up');

    cluster.members[0]!.freeze();
    const frozenAt = Date.now();
    await waitFor(() => service.getHealth().status === 'degraded', {
      timeoutMs: 5000,
      description: 'health to show the frozen member',
    });
    // Keepalive needs its 2 s ack timeout at the very least; the check needs 200 + 400 ms.
    expect(Date.now() - frozenAt).toBeLessThan(1900);
    cluster.members[0]!.thaw();
    await waitFor(() => service.getHealth().status === 'up', {
      timeoutMs: FAILOVER_MS,
      description: 'health to recover after the thaw',
    });
  });

  it('applies whatever changed while it was not watching once, at the latest revision', async () => {
    cluster = await EtcdCluster.start(1);
    const writer = clientOf(cluster.hosts);
    await writer.put(KEY).value(doc(1));
    const { service, reloaded } = await boot(cluster.hosts);
    await service.stopWatching();
    for (const revision of [2, 3, 4]) await writer.put(KEY).value(doc(revision));
    await service.startWatching(); // resumes after the revision it last saw
    await waitFor(() => service.config.revision === 4, { description: 'the latest change' });
    await writer.put(KEY).value(doc(5));
    await waitFor(() => service.config.revision === 5, { description: 'the next put' });
    expect(reloaded.map((event) => event.newConfig.revision)).toEqual([4, 5]);
  });

  it('gives up a start against a frozen member within the dial deadline', async () => {
    cluster = await EtcdCluster.start(1);
    await clientOf(cluster.hosts).put(KEY).value(doc(1));
    cluster.members[0]!.freeze(); // accepts connections, answers nothing
    const started = Date.now();
    await expect(boot(cluster.hosts)).rejects.toMatchObject({ code: 'CONFIG_UNAVAILABLE' });
    // dialTimeoutMs is 1000: etcd3 alone would wait forever.
    expect(Date.now() - started).toBeLessThan(5000);
    cluster.members[0]!.thaw();
  });

  it('keeps its status record through an outage longer than the lease', async () => {
    cluster = await EtcdCluster.start(1);
    const member = cluster.members[0]!;
    await clientOf(cluster.hosts).put(KEY).value(doc(1));
    harness = await bootReloader<Bot>({
      configSource: etcdSource({
        hosts: cluster.hosts,
        key: KEY,
        instanceId: 'survivor',
        dialTimeoutMs: 1000,
        watchCheckMs: 500,
        statusTtlSeconds: 1,
      }),
      debounceMs: 0,
    });
    const statusKey = instanceStatusKey(KEY, 'survivor');
    const leaseOfRecord = async () => {
      const response = await clientOf(cluster!.hosts).kv.range({ key: Buffer.from(statusKey) });
      return response.kvs[0]?.lease;
    };
    const firstLease = await waitFor(leaseOfRecord, { description: 'the status record' });
    await member.kill();
    // The outage must outlast twice the lease TTL, after which the lease counts as lost.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    member.start();
    await member.ready();
    // No change was made: the record comes back by itself, under a new lease.
    await waitFor(async () => ((await leaseOfRecord()) ?? firstLease) !== firstLease, {
      timeoutMs: FAILOVER_MS,
      description: 'the record to come back under a new lease',
    });
    const writer = clientOf(cluster.hosts);
    await writer.put(KEY).value(doc(2));
    await waitFor(
      async () => {
        const text = await writer.get(statusKey).string();
        return text !== null && parseInstanceStatus(text)?.version === 2;
      },
      { description: 'the record to follow the next change' },
    );
  }, 40_000);

  it('leaves no timer behind after close, also when closed during an outage', async () => {
    cluster = await EtcdCluster.start(1);
    await clientOf(cluster.hosts).put(KEY).value(doc(1));
    // grpc-js's unref'd subchannel backoff timers end by themselves; ours must all be gone.
    const handles = trackHandles({ excuseUnrefFrom: ['@grpc/grpc-js'] });
    try {
      const { close } = await bootReloader<Bot>({
        configSource: etcdSource({ hosts: cluster.hosts, key: KEY, dialTimeoutMs: 500 }),
      });
      await cluster.members[0]!.kill(); // the watch now retries, the lease keepalive fails
      await new Promise((resolve) => setTimeout(resolve, 300));
      const closing = Date.now();
      await close();
      expect(Date.now() - closing).toBeLessThan(3000);
      expect(await handles.alive()).toEqual([]);
    } finally {
      handles.stop();
    }
  });

  it('reads the key again when the revision to resume from was compacted away', async () => {
    cluster = await EtcdCluster.start(1);
    const writer = clientOf(cluster.hosts);
    await writer.put(KEY).value(doc(1));
    const { service, failed } = await boot(cluster.hosts);

    await service.stopWatching();
    await writer.put(KEY).value(doc(2));
    const latest = await writer.put(KEY).value(doc(3));
    await writer.maintenance.status(); // the member is there
    await writer.kv.compact({ revision: latest.header.revision, physical: true });
    await service.startWatching();
    await waitFor(() => service.config.revision === 3, { description: 'the key read again' });

    await writer.put(KEY).value(doc(4));
    await waitFor(() => service.config.revision === 4, { description: 'the put after compaction' });
    expect(failed).toEqual([]);
    expect(service.getHealth().status).toBe('up');
  });
});
