import type { Etcd3, IKeyValue } from 'etcd3';
import { toConfigKeyValue, type ConfigKeyValue } from '../config-key.reader.js';
import { canaryKey, readCanaryRecord, type CanaryRecord } from './canary-record.js';

/** `K/canary` as etcd holds it, read as instances read it. */
export interface StoredCanary {
  text: string;
  modRevision: string;
  /** The record; undefined when instances could not read it (`problem` says why). */
  record?: CanaryRecord;
  problem?: unknown;
}

/** The config key and its canary as one read found them, at store revision `revision`. */
export interface BaseAndCanary {
  base: ConfigKeyValue | undefined;
  canary: StoredCanary | undefined;
  revision: string;
}

/**
 * Whether the canary is in progress: it exists and no one marked it aborted. An unreadable
 * record counts as in progress: nobody can tell it was aborted, and instances stop on it.
 */
export function canaryInProgress(canary: StoredCanary | undefined): boolean {
  return canary !== undefined && canary.record?.aborted === undefined;
}

export function storedCanary(kv: IKeyValue, key: string): StoredCanary {
  const text = kv.value.toString('utf8');
  const stored = { text, modRevision: kv.mod_revision };
  try {
    return { ...stored, record: readCanaryRecord(text, `etcd:${canaryKey(key)}`) };
  } catch (problem) {
    return { ...stored, problem };
  }
}

/** Reads `K` and `K/canary` in one transaction (one store revision). */
export async function readBaseAndCanary(client: Etcd3, key: string): Promise<BaseAndCanary> {
  const response = await client.kv.txn({
    success: [
      { request_range: { key: Buffer.from(key) } },
      { request_range: { key: Buffer.from(canaryKey(key)) } },
    ],
  });
  return baseAndCanaryOf(response.responses, key, response.header.revision);
}

type Parts = readonly { response_range?: { kvs: IKeyValue[] } | null }[];

function baseAndCanaryOf(parts: Parts, key: string, revision: string): BaseAndCanary {
  const [base, canary] = parts.map((part) => part.response_range?.kvs[0]);
  return {
    base: base ? toConfigKeyValue(base) : undefined,
    canary: canary ? storedCanary(canary, key) : undefined,
    revision,
  };
}

/** A change to the canary: the revision it made, or both keys as they are now. */
export type CanaryWrite =
  { written: true; revision: string } | ({ written: false } & BaseAndCanary);

type Compare = { key: string; target: 'Create' | 'Mod'; value: string };

/**
 * One transaction: when every compare holds (`Create` 0: the key does not exist; `Mod`: its
 * mod_revision is exactly this), runs `ops`; otherwise reads `K` and `K/canary` again, so the
 * caller can say what moved.
 */
async function guarded(
  client: Etcd3,
  key: string,
  compares: readonly Compare[],
  ops: { put?: { key: string; value: string }; deleteKey?: string }[],
): Promise<CanaryWrite> {
  const response = await client.kv.txn({
    compare: compares.map(({ key: at, target, value }) => ({
      key: Buffer.from(at),
      target,
      result: 'Equal',
      ...(target === 'Create' ? { create_revision: value } : { mod_revision: value }),
    })),
    success: ops.map((op) =>
      op.put
        ? { request_put: { key: Buffer.from(op.put.key), value: Buffer.from(op.put.value) } }
        : { request_delete_range: { key: Buffer.from(op.deleteKey!) } },
    ),
    failure: [
      { request_range: { key: Buffer.from(key) } },
      { request_range: { key: Buffer.from(canaryKey(key)) } },
    ],
  });
  if (response.succeeded) return { written: true, revision: response.header.revision };
  return { written: false, ...baseAndCanaryOf(response.responses, key, response.header.revision) };
}

/** `K/canary` as it must still be: absent (undefined) or at this mod_revision. */
const canaryAsRead = (key: string, read: StoredCanary | undefined): Compare =>
  read === undefined
    ? { key: canaryKey(key), target: 'Create', value: '0' }
    : { key: canaryKey(key), target: 'Mod', value: read.modRevision };

/**
 * Creates the canary `text` made from `K` at `baseRevision`: only while `K` is still there and
 * the canary key is still as read (absent, or the aborted record it replaces).
 */
export function createCanary(
  client: Etcd3,
  key: string,
  text: string,
  baseRevision: string,
  replacing: StoredCanary | undefined,
): Promise<CanaryWrite> {
  return guarded(
    client,
    key,
    [{ key, target: 'Mod', value: baseRevision }, canaryAsRead(key, replacing)],
    [{ put: { key: canaryKey(key), value: text } }],
  );
}

/** Rewrites the canary record (`canary set`, an abort marked) if it is still as read. */
export function replaceCanary(
  client: Etcd3,
  key: string,
  text: string,
  read: StoredCanary,
): Promise<CanaryWrite> {
  return guarded(
    client,
    key,
    [canaryAsRead(key, read)],
    [{ put: { key: canaryKey(key), value: text } }],
  );
}

/** Deletes the canary record if it is still as read. */
export function deleteCanary(client: Etcd3, key: string, read: StoredCanary): Promise<CanaryWrite> {
  return guarded(client, key, [canaryAsRead(key, read)], [{ deleteKey: canaryKey(key) }]);
}

/**
 * Promotes the canary in one transaction: writes its candidate to `K` and deletes `K/canary`,
 * only while `K` is still at the canary's base revision and the canary is still as read.
 */
export function promoteCanary(
  client: Etcd3,
  key: string,
  read: StoredCanary & { record: CanaryRecord },
): Promise<CanaryWrite> {
  return guarded(
    client,
    key,
    [{ key, target: 'Mod', value: read.record.baseRevision }, canaryAsRead(key, read)],
    [{ put: { key, value: read.record.candidate } }, { deleteKey: canaryKey(key) }],
  );
}
