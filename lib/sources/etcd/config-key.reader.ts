import type { Etcd3 } from 'etcd3';

/** The config key as etcd holds it: the whole JSON document and the revision of its last change. */
export interface ConfigKeyValue {
  text: string;
  /** The key's `mod_revision`, a decimal string: what a compare-and-swap write compares against. */
  modRevision: string;
}

/** Reads the config key; undefined when it does not exist (yet). */
export async function readConfigKey(
  client: Etcd3,
  key: string,
): Promise<ConfigKeyValue | undefined> {
  const response = await client.get(key).exec();
  const kv = response.kvs[0];
  return kv ? { text: kv.value.toString(), modRevision: kv.mod_revision } : undefined;
}
