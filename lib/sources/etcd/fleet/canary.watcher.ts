import { Range, type Etcd3 } from 'etcd3';
import { boundedCall } from '../bounded-call.js';
import type { EtcdConnectionOptions } from '../etcd-client.js';
import { KeyWatch } from '../key-watch.js';
import { WatchMembers } from '../watch-members.js';
import { canaryKey } from './canary-record.js';
import { storedCanary, type StoredCanary } from './canary.store.js';
import { instancesPrefix, parseInstanceStatus, type InstanceStatus } from './instance-status.js';

/** The canary and the live instances' records, as the watch last saw them. */
export interface CanaryScene {
  canary: StoredCanary | undefined;
  /** One record per live instance, by instance id. */
  live: ReadonlyMap<string, InstanceStatus>;
}

export interface CanaryFollowOptions {
  /** The bound of each read, and how often the keys are read while the watch is not connected. */
  deadlineMs: number;
  connection?: EtcdConnectionOptions;
  /** Every change: the scene now, and the instances whose records vanished with it. */
  onChange(scene: CanaryScene, vanished: readonly string[]): void;
  /** etcd stopped answering (a read while disconnected got no answer). */
  onError(error: unknown): void;
}

/**
 * Follows `K/canary` and the fleet's status records on one watch, from one read of both: an
 * instance that rejects the canary, one whose record vanishes (its lease expired) and a member
 * that marks the canary aborted are all seen, none missed between the read and the watch.
 * Resolves once the first scene was handed over; `close()` ends it.
 */
export async function followCanary(
  client: Etcd3,
  key: string,
  options: CanaryFollowOptions,
): Promise<{ close(): Promise<void> }> {
  const prefix = instancesPrefix(key);
  const live = new Map<string, InstanceStatus>();
  let canary: StoredCanary | undefined;
  let connected = false;
  let reading = false;
  let closed = false;
  const changed = (vanished: string[] = []) => {
    if (!closed) options.onChange({ canary, live }, vanished);
  };
  /** Reads both again; resolves with the revision read at. */
  const refresh = async (): Promise<string> => {
    reading = true;
    try {
      const scene = await boundedCall(() => readScene(client, key), {
        key,
        what: 'reading the canary and the fleet status',
        deadlineMs: options.deadlineMs,
      });
      const vanished = [...live.keys()].filter((id) => !scene.live.has(id));
      live.clear();
      for (const [id, instance] of scene.live) live.set(id, instance);
      canary = scene.canary;
      changed(vanished);
      return scene.revision;
    } finally {
      reading = false;
    }
  };
  const next = (revision: string) => String(BigInt(revision) + 1n);
  const first = await refresh();
  const watch = new KeyWatch(
    {
      members: new WatchMembers(client, options.connection),
      ranges: [{ key: canaryKey(key) }, { key: prefix, prefix: true }],
      fromRevision: next(first),
      connected: false,
      checkMs: options.deadlineMs,
      replyTimeoutMs: options.deadlineMs,
    },
    {
      put: (kv) => {
        const at = kv.key.toString('utf8');
        if (at === canaryKey(key)) canary = storedCanary(kv, key);
        else {
          const status = parseInstanceStatus(kv.value.toString('utf8'));
          if (status) live.set(status.instanceId, status);
        }
        changed();
      },
      deleted: (kv) => {
        const at = kv.key.toString('utf8');
        if (at === canaryKey(key)) {
          canary = undefined;
          return changed();
        }
        const id = at.slice(prefix.length);
        changed(live.delete(id) ? [id] : []);
      },
      // Events were compacted away: what the keys say now is all that counts.
      resync: async () => next(await refresh()),
      connectivity: (now) => (connected = now),
      error: () => undefined, // the periodic read below reports an etcd that does not answer
    },
  );
  const timer = setInterval(() => {
    if (!connected && !reading && !closed) refresh().catch(options.onError);
  }, options.deadlineMs);
  return {
    close: async () => {
      closed = true;
      clearInterval(timer);
      await watch.close();
    },
  };
}

/** The canary and every status record, in one transaction (one store revision). */
async function readScene(client: Etcd3, key: string): Promise<CanaryScene & { revision: string }> {
  const records = Range.prefix(instancesPrefix(key));
  const response = await client.kv.txn({
    success: [
      { request_range: { key: Buffer.from(canaryKey(key)) } },
      { request_range: { key: records.start, range_end: records.end } },
    ],
  });
  const [canary, instances] = response.responses.map((part) => part.response_range?.kvs ?? []);
  const live = new Map<string, InstanceStatus>();
  for (const kv of instances ?? []) {
    const status = parseInstanceStatus(kv.value.toString('utf8'));
    if (status) live.set(status.instanceId, status);
  }
  return {
    canary: canary?.[0] ? storedCanary(canary[0], key) : undefined,
    live,
    revision: response.header.revision,
  };
}
