import type { Etcd3 } from 'etcd3';
import { StatusBatch, type StatusBatchOptions } from './status-batch.js';

/** One writer's hold on the batch its process shares for one client and lease TTL. */
export interface SharedStatusBatch {
  readonly batch: StatusBatch;
  /**
   * This writer is done with it: resolves true when it was the last user, and the batch closed
   * and revoked its lease (every record under it is gone), false while others still use it.
   */
  release(): Promise<boolean>;
}

interface Entry {
  batch: StatusBatch;
  users: number;
}

/** Per client (shared per connection, see `acquireEtcdClient`), per lease TTL and deadline. */
const batches = new WeakMap<Etcd3, Map<string, Entry>>();

/**
 * The batch of the process's status records for `client`: one lease and one transaction per
 * round for every instance that writes through it, instead of one of each per instance.
 */
export function acquireStatusBatch(options: StatusBatchOptions): SharedStatusBatch {
  const { client, ttlSeconds, deadlineMs } = options;
  let byClient = batches.get(client);
  if (!byClient) {
    byClient = new Map();
    batches.set(client, byClient);
  }
  const id = `${ttlSeconds}/${deadlineMs}`;
  let entry = byClient.get(id);
  if (!entry) {
    entry = { batch: new StatusBatch(options), users: 0 };
    byClient.set(id, entry);
  }
  entry.users++;
  const held = entry;
  const clients = byClient;
  let released: Promise<boolean> | undefined;
  return {
    batch: held.batch,
    release: () => {
      released ??= (async () => {
        if (--held.users > 0) return false;
        if (clients.get(id) === held) clients.delete(id);
        await held.batch.close();
        return true;
      })();
      return released;
    },
  };
}
