import type { Etcd3, IKeyValue } from 'etcd3';

/** The config key as etcd holds it: the whole JSON document and the revision of its last change. */
export interface ConfigKeyValue {
  text: string;
  /** The key's `mod_revision`, a decimal string: what a compare-and-swap write compares against. */
  modRevision: string;
}

/** One key-value from an etcd answer (a get, a transaction, a watch event) as a config key. */
export function toConfigKeyValue(kv: IKeyValue): ConfigKeyValue {
  return { text: kv.value.toString('utf8'), modRevision: kv.mod_revision };
}

/**
 * Reads the config key (undefined when it does not exist yet) and the store's revision at that
 * read: a watch that starts right after it misses nothing.
 */
export async function readConfigKeyAt(
  client: Etcd3,
  key: string,
): Promise<{ value: ConfigKeyValue | undefined; storeRevision: string }> {
  const response = await client.kv.range({ key: Buffer.from(key) });
  const kv = response.kvs[0];
  return { value: kv ? toConfigKeyValue(kv) : undefined, storeRevision: response.header.revision };
}

/** Reads the config key; undefined when it does not exist (yet). */
export async function readConfigKey(
  client: Etcd3,
  key: string,
): Promise<ConfigKeyValue | undefined> {
  return (await readConfigKeyAt(client, key)).value;
}

/** The config key as it was at an earlier store revision, read from etcd's history. */
export type PastConfigKey =
  | { state: 'found'; value: ConfigKeyValue }
  /** The key did not exist at that revision (not created yet, or deleted then). */
  | { state: 'absent' }
  /** etcd no longer keeps that revision: its history up to a later one was compacted away. */
  | { state: 'compacted' }
  /** The revision is after the store's current one. */
  | { state: 'future' };

/**
 * Reads the config key as it was at store `revision`. etcd answers a read before its last
 * compaction, or after its current revision, with an error (OUT_OF_RANGE) that only its text
 * tells apart: both are answers about the revision, not failures, and are returned as such.
 */
export async function readConfigKeyAtRevision(
  client: Etcd3,
  key: string,
  revision: string,
): Promise<PastConfigKey> {
  try {
    const response = await client.kv.range({ key: Buffer.from(key), revision });
    const kv = response.kvs[0];
    return kv ? { state: 'found', value: toConfigKeyValue(kv) } : { state: 'absent' };
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (message.includes('required revision has been compacted')) return { state: 'compacted' };
    if (message.includes('required revision is a future revision')) return { state: 'future' };
    throw error;
  }
}
