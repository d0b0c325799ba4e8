import { EventEmitter } from 'node:events';
import type { ITxnRequest } from 'etcd3';
import type { InstanceStatus } from '../../lib/sources/etcd/fleet/instance-status.js';

/**
 * Just enough of an etcd3 client for the writer and its lease, with every record transaction
 * held until the test settles it, and a lease the test can make etcd forget.
 */
export class ScriptedEtcd {
  readonly transactions: {
    record: InstanceStatus;
    lease: string;
    settle: (outcome: Error | undefined) => void;
  }[] = [];
  leaseAlive = true;
  /** A keepalive was answered with "no such lease" (after the writer's lease heard it). */
  toldLeaseGone = false;
  private leases = 0;

  /** etcd's transaction, as the batch sends it: one record per transaction here. */
  readonly kv = {
    txn: ({ success }: ITxnRequest) =>
      new Promise((resolve, reject) => {
        const put = success![0]!.request_put!;
        this.transactions.push({
          record: JSON.parse(put.value!.toString()) as InstanceStatus,
          lease: String(put.lease),
          settle: (error) =>
            error
              ? reject(error)
              : resolve({ succeeded: true, header: { revision: '7' }, responses: [] }),
        });
      }),
  };

  readonly leaseClient = {
    leaseGrant: async () => ({ ID: String(++this.leases) }),
    leaseRevoke: async () => ({}),
    leaseKeepAlive: async () => {
      const stream = Object.assign(new EventEmitter(), {
        write: ({ ID }: { ID: string }) =>
          setImmediate(() => {
            stream.emit('data', { ID, TTL: this.leaseAlive ? '1' : '0' });
            if (!this.leaseAlive) this.toldLeaseGone = true;
          }),
        end: () => undefined,
        cancel: () => undefined,
      });
      return stream;
    },
  };
}
