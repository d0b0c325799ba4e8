import 'reflect-metadata';
import { Etcd3, type IKeyValue } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
} from '../../../../lib/sources/etcd/index.js';
import { EtcdCluster, skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { bootReloader, type ReloaderHarness } from '../../../support/reloader-app.js';
import { waitFor } from '../../../support/wait-for.js';

type Bot = { revision: number };

const KEY = '/bots/process/config';
const doc = (revision: number) => JSON.stringify({ revision });
const IDS = ['bot-a', 'bot-b', 'bot-c'];

const missing = skipWithoutEtcd('the tests of the status records of one process');

describe.skipIf(missing !== undefined)(
  'the status records of the instances of one process, against a real etcd',
  () => {
    let cluster: EtcdCluster;
    let writer: Etcd3;
    let harnesses: Map<string, ReloaderHarness<Bot>>;

    beforeEach(async () => {
      cluster = await EtcdCluster.start(1);
      writer = new Etcd3({ hosts: cluster.hosts });
      const initial = await writer.put(KEY).value(doc(1)).exec();
      harnesses = new Map();
      // Module instances in one process, each with an id of its own, connected alike. A long
      // statusDelayMs: decisions taken together fall due together.
      for (const instanceId of IDS) {
        const source = etcdSource({
          hosts: cluster.hosts,
          key: KEY,
          instanceId,
          dialTimeoutMs: 1000,
          watchCheckMs: 500,
          statusTtlSeconds: 3,
          statusDelayMs: 600,
        });
        harnesses.set(instanceId, await bootReloader<Bot>({ configSource: source, debounceMs: 0 }));
      }
      // Each test starts once the records of the start are written.
      await recordsAt(initial.header.revision, 'every record of the start');
    });

    afterEach(async () => {
      for (const harness of harnesses.values()) await harness.close();
      writer.close();
      await cluster.stop();
    });

    const recordOf = async (instanceId: string): Promise<IKeyValue | undefined> => {
      const key = Buffer.from(instanceStatusKey(KEY, instanceId));
      return (await writer.kv.range({ key })).kvs[0];
    };
    const revisionOf = (kv: IKeyValue | undefined) =>
      kv && parseInstanceStatus(kv.value.toString())?.revision;
    const records = () => Promise.all(IDS.map(recordOf));
    /** Every instance's record, once each says it applied `revision`. */
    const recordsAt = (revision: string, description: string) =>
      waitFor(
        async () => {
          const all = await records();
          return all.every((kv) => revisionOf(kv) === revision) ? all : undefined;
        },
        { timeoutMs: 10_000, description },
      );

    it('writes the records of decisions taken together in one transaction, under one lease', async () => {
      const put = await writer.put(KEY).value(doc(2)).exec();
      const written = await recordsAt(put.header.revision, 'every record at the put');
      // One transaction is one etcd revision; one lease carries them all.
      expect(new Set(written.map((kv) => kv!.mod_revision)).size).toBe(1);
      expect(new Set(written.map((kv) => kv!.lease)).size).toBe(1);
    });

    it('puts every record back under one new lease when that lease is revoked behind its back', async () => {
      const first = (await recordOf('bot-a'))!.lease;
      await writer.leaseClient.leaseRevoke({ ID: first });
      const back = await waitFor(
        async () => {
          const leases = (await records()).map((kv) => kv?.lease);
          return leases.every((lease) => lease && lease !== first) ? leases : undefined;
        },
        { timeoutMs: 10_000, description: 'the records under a new lease' },
      );
      expect(new Set(back).size).toBe(1);
    });

    it('removes the record of an instance that closes, and keeps the others and their lease', async () => {
      const put = await writer.put(KEY).value(doc(2)).exec();
      const before = await recordsAt(put.header.revision, 'every record at the put');
      await harnesses.get('bot-a')!.close();
      harnesses.delete('bot-a');
      expect(await recordOf('bot-a')).toBeUndefined();

      const next = await writer.put(KEY).value(doc(3)).exec();
      await waitFor(
        async () =>
          (await Promise.all(['bot-b', 'bot-c'].map(recordOf))).every(
            (kv) => revisionOf(kv) === next.header.revision && kv!.lease === before[1]!.lease,
          ),
        { timeoutMs: 10_000, description: 'the others to follow the next put, on their lease' },
      );
    });

    it('lets each instance notice an outage on the shared connection and come back by itself', async () => {
      const member = cluster.members[0]!;
      const health = () => [...harnesses.values()].map((h) => h.service.getHealth().status);
      await member.kill();
      await waitFor(() => health().every((status) => status === 'degraded'), {
        timeoutMs: 10_000,
        description: 'every instance to notice the outage',
      });
      member.start();
      await member.ready();
      await waitFor(() => health().every((status) => status === 'up'), {
        timeoutMs: 15_000,
        description: 'every instance to be back',
      });
      const put = await writer.put(KEY).value(doc(2)).exec();
      await waitFor(() => [...harnesses.values()].every((h) => h.service.config.revision === 2), {
        description: 'every instance to apply the next put',
      });
      await recordsAt(put.header.revision, 'every record at the put after the outage');
    }, 40_000);
  },
);
