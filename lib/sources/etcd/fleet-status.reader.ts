import type { Etcd3 } from 'etcd3';
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

/** Reads the config key and the fleet's status records as of one store revision. */
export async function readFleetStatus(client: Etcd3, key: string): Promise<FleetStatus> {
  const published = await client.get(key).exec();
  const revision = published.header.revision;
  // Pinned to the first read's revision, so the two reads are one consistent snapshot.
  const records = await client.getAll().prefix(instancesPrefix(key)).revision(revision).exec();
  const instances = records.kvs
    .map((kv) => parseInstanceStatus(kv.value.toString()))
    .filter((status): status is InstanceStatus => status !== undefined)
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  return { key, publishedRevision: published.kvs[0]?.mod_revision, instances, revision };
}
