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
