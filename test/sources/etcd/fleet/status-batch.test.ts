import { EventEmitter } from 'node:events';
import { CompareTarget, type Etcd3, type ITxnRequest } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { FleetStatusWriter } from '../../../../lib/sources/etcd/fleet/fleet-status.writer.js';
import {
  instanceStatusKey,
  type InstanceStatus,
} from '../../../../lib/sources/etcd/fleet/instance-status.js';
import { acquireStatusBatch } from '../../../../lib/sources/etcd/fleet/shared-status-batch.js';
import { waitFor } from '../../../support/wait-for.js';

const KEY = '/bots/batch/config';

const record = (instanceId: string, version: number): InstanceStatus => ({
  instanceId,
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

type Compare = { key: string; column: 'Create' | 'Mod'; value: string | number };
type Op = { op: 'put'; key: string; value: string; lease: string } | { op: 'get'; key: string };

/**
 * Just enough of etcd for status records: keys with a `mod_revision`, transactions of compares,
 * puts and gets, which refuse a key put twice as etcd does; `beforeCommit` runs before each.
 */
class InMemoryEtcd {
  readonly keys = new Map<string, { value: string; modRevision: string }>();
  commits = 0;
  beforeCommit: (() => void) | undefined;
  private revision = 1;

  set(key: string, value: string): void {
    this.keys.set(key, { value, modRevision: String(++this.revision) });
  }

  /** etcd's transaction, as the batch sends it: compares, then puts or reads. */
  readonly kv = {
    txn: async ({ compare, success, failure }: ITxnRequest) => {
      const text = (bytes: Buffer | undefined) => bytes!.toString();
      return this.commit(
        compare!.map(({ key, target, create_revision, mod_revision }) =>
          target === CompareTarget.Create
            ? { key: text(key), column: 'Create' as const, value: create_revision! }
            : { key: text(key), column: 'Mod' as const, value: mod_revision! },
        ),
        success!.map(({ request_put }) => ({
          op: 'put' as const,
          key: text(request_put!.key),
          value: text(request_put!.value),
          lease: String(request_put!.lease),
        })),
        failure!.map(({ request_range }) => ({
          op: 'get' as const,
          key: text(request_range!.key),
        })),
      );
    },
  };

  delete() {
    return { key: (key: string) => ({ exec: async () => void this.keys.delete(key) }) };
  }

  leaseRevoked = false;
  readonly leaseClient = {
    leaseGrant: async () => ({ ID: '1' }),
    leaseRevoke: async () => {
      this.leaseRevoked = true;
      return {};
    },
    leaseKeepAlive: async () =>
      Object.assign(new EventEmitter(), { write: () => true, end: () => {}, cancel: () => {} }),
  };

  private commit(compares: Compare[], success: Op[], failure: Op[]) {
    this.commits++;
    this.beforeCommit?.();
    const puts = success.map((op) => op.key);
    if (new Set(puts).size !== puts.length) {
      throw new Error('etcdserver: duplicate key given in txn request');
    }
    const holds = ({ key, column, value }: Compare) =>
      column === 'Create' ? !this.keys.has(key) : this.keys.get(key)?.modRevision === String(value);
    if (compares.every(holds)) {
      this.revision++;
      for (const op of success) {
        if (op.op === 'put')
          this.keys.set(op.key, { value: op.value, modRevision: String(this.revision) });
      }
      return { succeeded: true, header: { revision: String(this.revision) }, responses: [] };
    }
    const responses = failure.map(({ key }) => {
      const kv = this.keys.get(key);
      return { response_range: { kvs: kv ? [{ mod_revision: kv.modRevision }] : [] } };
    });
    return { succeeded: false, header: { revision: String(this.revision) }, responses };
  }
}

function writersOn(etcd: InMemoryEtcd, instanceIds: string[]) {
  const errors: string[] = [];
  const writers = instanceIds.map(
    (instanceId) =>
      new FleetStatusWriter({
        client: etcd as unknown as Etcd3,
        key: KEY,
        instanceId,
        ttlSeconds: 10,
        deadlineMs: 1000,
        delayMs: 0,
        batch: acquireStatusBatch({
          client: etcd as unknown as Etcd3,
          ttlSeconds: 10,
          deadlineMs: 1000,
        }),
        onError: (error) => errors.push(`${instanceId}: ${String(error)}`),
        onRecovered: () => undefined,
      }),
  );
  const close = () => Promise.all(writers.map((writer) => writer.close()));
  return { writers, errors, close };
}

const versionOf = (etcd: InMemoryEtcd, instanceId: string) => {
  const kv = etcd.keys.get(instanceStatusKey(KEY, instanceId));
  return kv ? (JSON.parse(kv.value) as InstanceStatus).version : undefined;
};

describe('the status records of the instances of a process', () => {
  it('go to etcd in one transaction when they fall due together', async () => {
    const etcd = new InMemoryEtcd();
    const { writers, close } = writersOn(etcd, ['bot-a', 'bot-b', 'bot-c']);
    try {
      ['bot-a', 'bot-b', 'bot-c'].forEach((id, i) => writers[i]!.write(record(id, i + 1)));
      await waitFor(() => versionOf(etcd, 'bot-c') === 3, { description: 'the records' });
      expect([versionOf(etcd, 'bot-a'), versionOf(etcd, 'bot-b')]).toEqual([1, 2]);
      expect(etcd.commits).toBe(1);
    } finally {
      await close();
    }
  });

  it('are written by the others when one key keeps moving, and that one once it stops', async () => {
    const etcd = new InMemoryEtcd();
    const { writers, errors, close } = writersOn(etcd, ['bot-a', 'bot-b']);
    const [a, b] = writers;
    try {
      // Something else writes bot-a's key before every transaction.
      etcd.beforeCommit = () => etcd.set(instanceStatusKey(KEY, 'bot-a'), 'foreign');
      a!.write(record('bot-a', 1));
      b!.write(record('bot-b', 1));
      await waitFor(() => versionOf(etcd, 'bot-b') === 1, { description: "bot-b's record" });
      expect(errors).toEqual([expect.stringMatching(/^bot-a: .*kept changing under 3 writes/)]);

      etcd.beforeCommit = undefined;
      await waitFor(() => versionOf(etcd, 'bot-a') === 1, {
        description: "bot-a's record, on its writer's next attempt",
      });
    } finally {
      await close();
    }
  });

  it('never put one key twice in a transaction, and the newest record of it wins', async () => {
    const etcd = new InMemoryEtcd();
    // Two module instances given the same instanceId: one record key.
    const { writers, errors, close } = writersOn(etcd, ['bot-a', 'bot-a']);
    try {
      writers[0]!.write(record('bot-a', 1));
      writers[1]!.write(record('bot-a', 2));
      await waitFor(() => versionOf(etcd, 'bot-a') === 2, { description: 'the second record' });
      expect(errors).toEqual([]);
      expect(etcd.commits).toBeGreaterThanOrEqual(2);
    } finally {
      await close();
    }
  });

  it('leave one by one: a record goes with its instance, the lease with the last of them', async () => {
    const etcd = new InMemoryEtcd();
    const { writers } = writersOn(etcd, ['bot-a', 'bot-b']);
    const [a, b] = writers;
    a!.write(record('bot-a', 1));
    b!.write(record('bot-b', 1));
    await waitFor(() => versionOf(etcd, 'bot-b') === 1, { description: 'the records' });

    await a!.close();
    expect(versionOf(etcd, 'bot-a')).toBeUndefined();
    expect(versionOf(etcd, 'bot-b')).toBe(1);
    expect(etcd.leaseRevoked).toBe(false);
    await b!.close();
    expect(etcd.leaseRevoked).toBe(true);
  });
});
