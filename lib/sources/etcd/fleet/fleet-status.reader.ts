import type { Etcd3 } from 'etcd3';
import { sortedByInstanceId } from '../../fleet/instance-order.js';
import { describeError } from '../../../config-reloader.errors.js';
import type { Selector } from '../../fleet/selector.js';
import { instancesPrefix, parseInstanceStatus, type InstanceStatus } from './instance-status.js';
import { readTrialRecord, trialsPrefix } from './trial-record.js';

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

/** A trial under `K/trials/`, as every instance reads it: whom it asks, or why none can read it. */
export interface StoredTrial {
  /** The name of its key under `K/trials/`. */
  id: string;
  /** Absent: every instance (an unreadable record too: every instance answers that it is). */
  match?: Selector;
  /** Why its record is unreadable (never quoting the candidate). */
  unreadable?: string;
}

/**
 * The records also by the etcd key each is stored under (a watch's delete names only the key),
 * and the trials in progress, read with them.
 */
export interface KeyedFleetStatus extends FleetStatus {
  byKey: Map<string, InstanceStatus>;
  trials: StoredTrial[];
}

/** The published revision and every live instance's record, as one transaction found them. */
export async function readFleetStatus(client: Etcd3, key: string): Promise<FleetStatus> {
  const { byKey: _byKey, trials: _trials, ...fleet } = await readFleet(client, key, false);
  return fleet;
}

/** The same read, with each record's etcd key, and the trials in progress read with them. */
export async function readKeyedFleetStatus(client: Etcd3, key: string): Promise<KeyedFleetStatus> {
  return readFleet(client, key, true);
}

/**
 * Reads the config key, the fleet's status records (and the trials) in one transaction: one
 * consistent snapshot, and one round trip, so that one deadline bounds it and a dead member
 * costs one failed attempt, not one per read.
 */
async function readFleet(
  client: Etcd3,
  key: string,
  withTrials: boolean,
): Promise<KeyedFleetStatus> {
  const trialsRead = withTrials ? [client.getAll().prefix(trialsPrefix(key))] : [];
  // Always true (a missing key has version 0): a transaction is etcd's only multi-key read.
  const response = await client
    .if(key, 'Version', '>', -1)
    .then(client.get(key), client.getAll().prefix(instancesPrefix(key)), ...trialsRead)
    .commit();
  const [published, records, trials] = response.responses.map(
    (each) => each.response_range?.kvs ?? [],
  );
  const byKey = new Map<string, InstanceStatus>();
  for (const kv of records ?? []) {
    const status = parseInstanceStatus(kv.value.toString());
    if (status) byKey.set(kv.key.toString(), status);
  }
  return {
    key,
    publishedRevision: published?.[0]?.mod_revision,
    instances: sortedByInstanceId(byKey.values()),
    revision: response.header.revision,
    byKey,
    trials: (trials ?? []).map((kv) => storedTrialOf(key, kv.key.toString(), kv.value.toString())),
  };
}

function storedTrialOf(key: string, fullKey: string, text: string): StoredTrial {
  const id = fullKey.slice(trialsPrefix(key).length);
  try {
    const { match } = readTrialRecord(text, `etcd:${fullKey}`, id);
    return { id, ...(match ? { match } : {}) };
  } catch (error) {
    return { id, unreadable: describeError(error) };
  }
}
