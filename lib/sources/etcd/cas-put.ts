import type { Etcd3 } from 'etcd3';
import { toConfigKeyValue, type ConfigKeyValue } from './config-key.reader.js';

export type CasPutResult =
  /**
   * Written; `revision` is the key's `mod_revision` with the text. `alreadyThere`: the key moved,
   * but holds exactly this text, which is what an earlier attempt of this same write leaves
   * (etcd3 retries a call whose answer was lost, and the retry loses to it).
   */
  | { written: true; revision: string; alreadyThere: boolean }
  /**
   * Nothing written: the key moved since the revision read (`current` is what it holds now), or,
   * with `guardMoved`, the guard key changed while the key did not.
   */
  | { written: false; current: ConfigKeyValue | undefined; guardMoved?: boolean };

/**
 * Another key that must still be as read for the write to happen: `modRevision` its
 * mod_revision, or undefined when it must not exist (a plain publish and `K/canary`).
 */
export interface CasGuard {
  key: string;
  modRevision: string | undefined;
}

/**
 * Writes `text` to `key` only if the key has not changed since `expectedModRevision`, or, with undefined,
 * only if the key does not exist: one etcd transaction, so a concurrent write is never lost.
 * The losing side gets the key's current value from the same transaction. With `guard`, the
 * same transaction also requires the guard key unchanged.
 */
export async function casPut(
  client: Etcd3,
  key: string,
  text: string,
  expectedModRevision: string | undefined,
  guard?: CasGuard,
): Promise<CasPutResult> {
  // "Not changed since": the key exists and its last change is at or before the revision given,
  // which is its mod_revision, or the later revision of a document assembled from it and overlays.
  let unchanged =
    expectedModRevision === undefined
      ? client.if(key, 'Create', '==', 0)
      : client
          .if(key, 'Mod', '<', String(BigInt(expectedModRevision) + 1n))
          .and(key, 'Create', '>', 0);
  if (guard) {
    unchanged =
      guard.modRevision === undefined
        ? unchanged.and(guard.key, 'Create', '==', 0)
        : unchanged.and(guard.key, 'Mod', '==', guard.modRevision);
  }
  const response = await unchanged.then(client.put(key).value(text)).else(client.get(key)).commit();
  // A transaction is one revision: the put's mod_revision is the revision after it.
  if (response.succeeded) {
    return { written: true, revision: response.header.revision, alreadyThere: false };
  }
  const kv = response.responses[0]?.response_range?.kvs[0];
  const current = kv ? toConfigKeyValue(kv) : undefined;
  if (current?.text === text) {
    return { written: true, revision: current.modRevision, alreadyThere: true };
  }
  // The key is as read: only the guard can have failed the compare.
  const keyAsRead =
    current?.modRevision === expectedModRevision ||
    (expectedModRevision !== undefined &&
      current !== undefined &&
      BigInt(current.modRevision) <= BigInt(expectedModRevision));
  return guard && keyAsRead
    ? { written: false, current, guardMoved: true }
    : { written: false, current };
}
