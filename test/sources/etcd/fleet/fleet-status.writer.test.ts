import { Etcd3, EtcdLeaseInvalidError } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../../../lib/sources/etcd/etcd-client.js';
import { FleetStatusWriter } from '../../../../lib/sources/etcd/fleet/fleet-status.writer.js';
import {
  instanceStatusKey,
  instanceStatusOf,
  parseInstanceStatus,
  type InstanceStatus,
} from '../../../../lib/sources/etcd/fleet/instance-status.js';
import { EtcdCluster, skipWithoutEtcd, type EtcdMember } from '../../../support/etcd-cluster.js';
import { ScriptedEtcd } from '../../../support/scripted-status-etcd.js';
import { waitFor } from '../../../support/wait-for.js';

const KEY = '/bots/writer/config';
const STATUS_KEY = instanceStatusKey(KEY, 'bot-1');

const record = (version: number): InstanceStatus => ({
  instanceId: 'bot-1',
  hostname: 'host',
  pid: 1,
  name: 'default',
  labels: {},
  version,
  revision: String(version),
  hash: '',
  variant: { overlays: [] },
  state: 'applied',
  updatedAt: new Date().toISOString(),
});

const writerOn = (client: Etcd3, ttlSeconds: number) =>
  new FleetStatusWriter({
    client,
    key: KEY,
    instanceId: 'bot-1',
    ttlSeconds,
    deadlineMs: 3000,
    delayMs: 0,
    onError: () => undefined,
    onRecovered: () => undefined,
  });

const missing = skipWithoutEtcd('the fleet status writer tests');

describe.skipIf(missing !== undefined)('the fleet status record, against a real etcd', () => {
  let cluster: EtcdCluster;
  let reader: Etcd3 | undefined;
  let writer: FleetStatusWriter | undefined;
  let writerClient: Etcd3 | undefined;

  beforeEach(async () => {
    cluster = await EtcdCluster.start(3);
  }, 60_000);

  afterEach(async () => {
    for (const member of cluster.members) member.thaw();
    await writer?.close();
    writerClient?.close();
    reader?.close();
    await cluster.stop();
    writer = writerClient = reader = undefined;
  });

  async function theLeader(): Promise<{ leader: EtcdMember; others: EtcdMember[] }> {
    for (const member of cluster.members) {
      const client = new Etcd3({ hosts: member.clientUrl });
      try {
        const status = await client.maintenance.status();
        if (status.leader === status.header.member_id) {
          return { leader: member, others: cluster.members.filter((other) => other !== member) };
        }
      } finally {
        client.close();
      }
    }
    throw new Error('no member says it is the leader');
  }

  const raftIndexes = () =>
    Promise.all(
      cluster.members.map(async (member) => {
        const client = new Etcd3({ hosts: member.clientUrl });
        try {
          return (await client.maintenance.status()).raftIndex;
        } finally {
          client.close();
        }
      }),
    );

  /** Every member is at the same raft index, on two looks 300 ms apart: nothing is on its way. */
  const settled = async () => {
    const first = await raftIndexes();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return new Set([...first, ...(await raftIndexes())]).size === 1;
  };

  const versionInEtcd = async () => {
    const text = await reader!.get(STATUS_KEY).string();
    return text === null ? undefined : parseInstanceStatus(text)?.version;
  };

  it('never lets a write held by a frozen member replace a newer record when it resumes', async () => {
    const { leader, others } = await theLeader();
    const hosts = others.map((member) => member.clientUrl);
    reader = new Etcd3({ hosts });
    writerClient = createEtcdClient({ hosts, dialTimeoutMs: 400 });
    writer = writerOn(writerClient, 30);
    writer.write(record(1));
    await waitFor(async () => (await versionInEtcd()) === 1, { description: 'record 1' });

    // The members forward each write to the frozen leader, where it waits in a socket; the
    // write times out and is sent again until a new leader takes it. When the old leader
    // resumes, it hands what it held on to the new one: late, after the newer records.
    leader.freeze();
    for (const version of [2, 3, 4, 5]) {
      writer.write(record(version));
      await waitFor(async () => (await versionInEtcd()) === version, {
        timeoutMs: 15_000,
        description: `record ${version} while the leader is frozen`,
      });
    }
    leader.thaw();
    await waitFor(settled, { timeoutMs: 15_000, description: 'the cluster to settle' });
    // With plain puts, the record was back at version 2 here, in every run.
    expect(await versionInEtcd()).toBe(5);
  }, 60_000);
});

describe('the fleet status record when its lease is lost', () => {
  it('writes the newest record under the new lease, not the one written before it', async () => {
    const etcd = new ScriptedEtcd();
    const writer = writerOn(etcd as unknown as Etcd3, 1);
    try {
      writer.write(record(1));
      const first = await waitFor(() => etcd.transactions[0], { description: 'write 1' });
      first.settle(undefined);

      writer.write(record(2));
      const second = await waitFor(() => etcd.transactions[1], { description: 'write 2' });
      // While record 2 is in flight, etcd forgets the lease (an outage longer than its TTL);
      // the next keepalive, a third of the TTL later, says so.
      etcd.leaseAlive = false;
      await waitFor(() => etcd.toldLeaseGone, { description: 'the keepalive to find it gone' });
      second.settle(new EtcdLeaseInvalidError(second.lease));

      const retried = await waitFor(() => etcd.transactions[2], {
        timeoutMs: 5000,
        description: 'the record written again under a new lease',
      });
      expect(retried.lease).not.toBe(first.lease);
      expect(retried.record.version).toBe(2);
    } finally {
      await writer.close();
    }
  });
});

describe('what the fleet status record holds', () => {
  it("the instance's labels and the variant of the document, as written to etcd", async () => {
    const etcd = new ScriptedEtcd();
    const writer = writerOn(etcd as unknown as Etcd3, 10);
    try {
      const identity = { instanceId: 'bot-1', labels: { symbol: 'BTC', region: 'eu' } };
      const outcome = {
        name: 'default',
        state: 'rejected' as const,
        version: 3,
        revision: '42',
        hash: 'abc',
        error: { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.5' },
        variant: { canary: 'c-7', overlays: ['btc', 'eu'] },
      };
      writer.write(instanceStatusOf(identity, outcome));
      const written = await waitFor(() => etcd.transactions[0], { description: 'the write' });
      written.settle(undefined);
      // What went over the wire (ScriptedEtcd parses the JSON put), as a reader takes it back.
      expect(parseInstanceStatus(JSON.stringify(written.record))).toMatchObject({
        instanceId: 'bot-1',
        labels: { symbol: 'BTC', region: 'eu' },
        variant: { canary: 'c-7', overlays: ['btc', 'eu'] },
        revision: '42',
        state: 'rejected',
      });
      expect(written.record).toMatchObject({ labels: identity.labels, variant: outcome.variant });
    } finally {
      await writer.close();
    }
  });
});
