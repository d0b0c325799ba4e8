import type { Etcd3 } from 'etcd3';
import type { EtcdConnectionOptions } from '../etcd-client.js';
import { KeyWatch } from '../key-watch.js';
import { WatchMembers } from '../watch-members.js';
import { canaryKey } from '../../fleet/canary-record.js';
import { instancesPrefix } from './instance-status.js';
import { trialsPrefix } from './trial-record.js';

export interface FleetChangesOptions {
  /** The store revision the caller's last read was at: every later change is reported. */
  afterRevision: string;
  /** How long etcd may take to create the watch or answer a progress request. */
  deadlineMs: number;
  connection?: EtcdConnectionOptions;
  /** Something changed: the key, its canary, a trial or a status record (read them again). */
  onChange(): void;
  /** The watch stream to etcd was lost (false) or is established again (true). */
  onConnectivity(connected: boolean): void;
}

/**
 * Follows everything a view of the fleet is made of on one watch stream: `K`, `K/canary`,
 * `K/trials/` and `K/instances/`. It says only that something changed, not what: a viewer reads
 * the whole fleet again (one transaction), so it never has to merge events into a copy of its own.
 * A compacted revision is one more change: the next read says what holds now.
 */
export function watchFleetChanges(
  client: Etcd3,
  key: string,
  options: FleetChangesOptions,
): { close(): Promise<void> } {
  const watch = new KeyWatch(
    {
      members: new WatchMembers(client, options.connection),
      ranges: [
        { key },
        { key: canaryKey(key) },
        { key: trialsPrefix(key), prefix: true },
        { key: instancesPrefix(key), prefix: true },
      ],
      fromRevision: String(BigInt(options.afterRevision) + 1n),
      connected: true,
      checkMs: options.deadlineMs,
      replyTimeoutMs: options.deadlineMs,
    },
    {
      put: () => options.onChange(),
      deleted: () => options.onChange(),
      resync: async () => {
        const { header } = await client.kv.range({ key: Buffer.from(key), count_only: true });
        options.onChange();
        return String(BigInt(header.revision) + 1n);
      },
      connectivity: (connected) => options.onConnectivity(connected),
      // A lost stream is reported through connectivity, and the watch reconnects by itself.
      error: () => undefined,
    },
  );
  return { close: () => watch.close() };
}
