import type { Etcd3, IKeyValue } from 'etcd3';
import { Range } from 'etcd3';
import { toConfigKeyValue, type ConfigKeyValue } from '../config-key.reader.js';
import { overlaysPrefix } from './overlay-record.js';

/** An overlay record as etcd holds it, not read yet: any etcd user may have written it. */
export interface StoredOverlay {
  /** The key's last segment(s) after `<key>/overlays/`: how instances name it. */
  name: string;
  text: string;
  modRevision: string;
}

/** Where the overlay `name` of the config key `key` lives. */
export function overlayKey(key: string, name: string): string {
  return `${overlaysPrefix(key)}${name}`;
}

/**
 * Every overlay of `key`, in the order instances merge them (name order, as strings compare).
 * Reads go through `kv.txn`, never a comparison transaction: a test hook on the compare-and-swap
 * then meets the write, not a read.
 */
export async function readOverlays(client: Etcd3, key: string): Promise<StoredOverlay[]> {
  const prefix = overlaysPrefix(key);
  const range = Range.prefix(prefix);
  const response = await client.kv.range({ key: range.start, range_end: range.end });
  return response.kvs
    .map((kv) => storedOverlay(kv, prefix))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The config key (the base the overlay is merged over) and the overlay `name`, as one read at
 * one store revision found them; either is undefined when it does not exist.
 */
export async function readBaseAndOverlay(
  client: Etcd3,
  key: string,
  name: string,
): Promise<{ base: ConfigKeyValue | undefined; overlay: StoredOverlay | undefined }> {
  const response = await client.kv.txn({
    success: [
      { request_range: { key: Buffer.from(key) } },
      { request_range: { key: Buffer.from(overlayKey(key, name)) } },
    ],
  });
  const [base, overlay] = response.responses.map((part) => part.response_range?.kvs[0]);
  return {
    base: base ? toConfigKeyValue(base) : undefined,
    overlay: overlay ? storedOverlay(overlay, overlaysPrefix(key)) : undefined,
  };
}

/** Deletes the overlay `name`: the record it held (undefined: there was none), and the revision. */
export async function deleteOverlay(
  client: Etcd3,
  key: string,
  name: string,
): Promise<{ deleted: StoredOverlay | undefined; revision: string }> {
  const response = await client.kv.deleteRange({
    key: Buffer.from(overlayKey(key, name)),
    prev_kv: true,
  });
  const previous = response.prev_kvs[0];
  return {
    deleted: previous ? storedOverlay(previous, overlaysPrefix(key)) : undefined,
    revision: response.header.revision,
  };
}

function storedOverlay(kv: IKeyValue, prefix: string): StoredOverlay {
  return {
    name: kv.key.toString('utf8').slice(prefix.length),
    text: kv.value.toString('utf8'),
    modRevision: kv.mod_revision,
  };
}
