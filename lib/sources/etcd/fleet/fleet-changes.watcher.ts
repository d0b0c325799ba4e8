import type { Etcd3, IKeyValue } from 'etcd3';
import type { EtcdConnectionOptions } from '../etcd-client.js';
import { KeyWatch } from '../key-watch.js';
import { WatchMembers } from '../watch-members.js';
import { canaryKey } from '../../fleet/canary-record.js';
import { instancesPrefix, parseInstanceStatus, type InstanceStatus } from './instance-status.js';
import { trialsPrefix } from './trial-record.js';

/**
 * What changed: one status record, read as `status` does (undefined: deleted, or no record;
 * `revision`: the store revision of the change), or anything else (the key, its canary, a
 * trial, a compaction): read it all again.
 */
export type FleetChange =
  | { kind: 'record'; key: string; status: InstanceStatus | undefined; revision: string }
  | { kind: 'other' };

export interface FleetChangesOptions {
  /** The store revision the caller's last read was at: every later change is reported. */
  afterRevision: string;
  /** How long etcd may take to create the watch or answer a progress request. */
  deadlineMs: number;
  connection?: EtcdConnectionOptions;
  onChange(change: FleetChange): void;
  /** The watch stream to etcd was lost (false) or is established again (true). */
  onConnectivity(connected: boolean): void;
}

/**
 * Follows everything a view of the fleet is made of on one watch stream: `K`, `K/canary`,
 * `K/trials/` and `K/instances/`. A status record's change comes with the record, so that a viewer
 * of a large fleet can apply it to its copy; any other change means "read again" (one
 * transaction). A compacted revision is one more such change: the next read says what holds now.
 */
export function watchFleetChanges(
  client: Etcd3,
  key: string,
  options: FleetChangesOptions,
): { close(): Promise<void> } {
  const records = instancesPrefix(key);
  const changeOf = (kv: IKeyValue, text: string | undefined): FleetChange => {
    const changed = kv.key.toString();
    if (!changed.startsWith(records)) return { kind: 'other' };
    const status = text === undefined ? undefined : parseInstanceStatus(text);
    return { kind: 'record', key: changed, status, revision: kv.mod_revision };
  };
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
      put: (kv) => options.onChange(changeOf(kv, kv.value.toString())),
      deleted: (kv) => options.onChange(changeOf(kv, undefined)),
      resync: async () => {
        const { header } = await client.kv.range({ key: Buffer.from(key), count_only: true });
        options.onChange({ kind: 'other' });
        return String(BigInt(header.revision) + 1n);
      },
      connectivity: (connected) => options.onConnectivity(connected),
      // A lost stream is reported through connectivity, and the watch reconnects by itself.
      error: () => undefined,
    },
  );
  return { close: () => watch.close() };
}
