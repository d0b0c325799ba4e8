import type { Etcd3, IKeyValue } from 'etcd3';
import { describeError } from '../../../config-reloader.errors.js';
import { canaryKey } from '../../fleet/canary-record.js';
import type { Selector } from '../../fleet/selector.js';
import { toConfigKeyValue, type ConfigKeyValue } from '../config-key.reader.js';
import { storedCanary, type StoredCanary } from './canary.store.js';
import { statusRecordsOf, type FleetStatus } from './fleet-status.reader.js';
import { instancesPrefix, type InstanceStatus } from './instance-status.js';
import { readTrialRecord, trialsPrefix } from './trial-record.js';

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
 * Everything a viewer of the fleet shows, as one read found it: the fleet's status (each record
 * also by the etcd key it is stored under: a watch's delete names only the key), the config key's
 * value, its canary and the trials in progress.
 */
export interface FleetView extends FleetStatus {
  byKey: Map<string, InstanceStatus>;
  base: ConfigKeyValue | undefined;
  canary: StoredCanary | undefined;
  trials: StoredTrial[];
}

/** Reads the fleet view in one transaction: one store revision, one round trip, one deadline. */
export async function readFleetView(client: Etcd3, key: string): Promise<FleetView> {
  // Always true (a missing key has version 0): a transaction is etcd's only multi-key read.
  const response = await client
    .if(key, 'Version', '>', -1)
    .then(
      client.get(key),
      client.getAll().prefix(instancesPrefix(key)),
      client.get(canaryKey(key)),
      client.getAll().prefix(trialsPrefix(key)),
    )
    .commit();
  const [base, records, canary, trials] = response.responses.map(
    (each) => each.response_range?.kvs ?? [],
  );
  return {
    key,
    publishedRevision: base?.[0]?.mod_revision,
    ...statusRecordsOf(records ?? []),
    revision: response.header.revision,
    base: base?.[0] && toConfigKeyValue(base[0]),
    canary: canary?.[0] && storedCanary(canary[0], key),
    trials: (trials ?? []).map((kv) => storedTrialOf(key, kv)),
  };
}

function storedTrialOf(key: string, kv: IKeyValue): StoredTrial {
  const fullKey = kv.key.toString();
  const id = fullKey.slice(trialsPrefix(key).length);
  try {
    const { match } = readTrialRecord(kv.value.toString(), `etcd:${fullKey}`, id);
    return { id, ...(match ? { match } : {}) };
  } catch (error) {
    return { id, unreadable: describeError(error) };
  }
}
