import type { Etcd3, IKeyValue } from 'etcd3';
import { sortedByInstanceId } from '../../fleet/instance-order.js';
import { instancesPrefix, parseInstanceStatus, type InstanceStatus } from './instance-status.js';

/** What `config-reloader status` shows: the published revision and every live instance's record. */
export interface FleetStatus {
  key: string;
  /** The config key's `mod_revision`; undefined when nothing was published on `key`. */
  publishedRevision: string | undefined;
  /** One record per live instance (its lease still holds), sorted by instance id. */
  instances: InstanceStatus[];
  /** The store revision the snapshot was read at: a watch from the next one misses nothing. */
  revision: string;
}

/**
 * Reads the config key and the fleet's status records in one transaction: one consistent
 * snapshot, and one round trip, so that one deadline bounds it and a dead member costs one
 * failed attempt, not one per read.
 */
export async function readFleetStatus(client: Etcd3, key: string): Promise<FleetStatus> {
  // Always true (a missing key has version 0): a transaction is etcd's only multi-key read.
  const response = await client
    .if(key, 'Version', '>', -1)
    .then(client.get(key), client.getAll().prefix(instancesPrefix(key)))
    .commit();
  const [published, records] = response.responses.map((each) => each.response_range?.kvs ?? []);
  const { instances } = statusRecordsOf(records ?? []);
  return {
    key,
    publishedRevision: published?.[0]?.mod_revision,
    instances,
    revision: response.header.revision,
  };
}

/** The status records among `kvs`, sorted by instance id, and by the etcd key of each. */
export function statusRecordsOf(kvs: readonly IKeyValue[]): {
  instances: InstanceStatus[];
  byKey: Map<string, InstanceStatus>;
} {
  const byKey = new Map<string, InstanceStatus>();
  for (const kv of kvs) {
    const status = parseInstanceStatus(kv.value.toString());
    if (status) byKey.set(kv.key.toString(), status);
  }
  return { instances: sortedByInstanceId(byKey.values()), byKey };
}
