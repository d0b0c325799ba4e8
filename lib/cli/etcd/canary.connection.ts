import type { Etcd3 } from 'etcd3';
import type { EtcdConnectionOptions } from '../../sources/etcd/etcd-client.js';
import type {
  BaseAndCanary,
  CanaryWrite,
  StoredCanary,
} from '../../sources/etcd/fleet/canary.store.js';
import type { CanaryFollowOptions } from '../../sources/etcd/fleet/canary.watcher.js';
import type { CanaryRecord } from '../../sources/etcd/fleet/canary-record.js';

/** One bounded etcd step of a command: its failure becomes the command's (exit 3 or 7). */
export type EtcdStep = <T>(what: string, work: () => Promise<T>, checkWith?: string) => Promise<T>;

/** `K/canary`: read, written and followed as one command needs it; every step bounded. */
export interface CanaryConnection {
  /** `K` and `K/canary` as one read found them. */
  read(): Promise<BaseAndCanary>;
  /** Creates the canary from `K` at `baseRevision`, replacing `replacing` (an aborted record). */
  create(
    text: string,
    baseRevision: string,
    replacing: StoredCanary | undefined,
  ): Promise<CanaryWrite>;
  /** Rewrites the record if it is still as read. */
  replace(text: string, read: StoredCanary): Promise<CanaryWrite>;
  /** Deletes the record if it is still as read. */
  remove(read: StoredCanary): Promise<CanaryWrite>;
  /** Writes the candidate to `K` and deletes the record, in one transaction. */
  promote(read: StoredCanary & { record: CanaryRecord }): Promise<CanaryWrite>;
  /** Follows the canary and the fleet's records until `close()`. */
  follow(
    options: Pick<CanaryFollowOptions, 'onChange' | 'onError'>,
  ): Promise<{ close(): Promise<void> }>;
}

/** Loaded on demand with the other etcd modules: the CLI runs without etcd3 for file-only apps. */
export async function canaryConnection(
  client: Etcd3,
  key: string,
  step: EtcdStep,
  failure: (error: unknown, what: string) => Error,
  watch: { deadlineMs: number; connection: EtcdConnectionOptions },
): Promise<CanaryConnection> {
  const [store, watcher] = await Promise.all([
    import('../../sources/etcd/fleet/canary.store.js'),
    import('../../sources/etcd/fleet/canary.watcher.js'),
  ]);
  const check = 'canary status';
  return {
    read: () => step('reading the canary', () => store.readBaseAndCanary(client, key)),
    create: (text, baseRevision, replacing) =>
      step(
        'creating the canary',
        () => store.createCanary(client, key, text, baseRevision, replacing),
        check,
      ),
    replace: (text, read) =>
      step('writing the canary', () => store.replaceCanary(client, key, text, read), check),
    remove: (read) =>
      step('deleting the canary', () => store.deleteCanary(client, key, read), check),
    promote: (read) =>
      step('promoting the canary', () => store.promoteCanary(client, key, read), check),
    follow: ({ onChange, onError }) =>
      step('following the canary', () =>
        watcher.followCanary(client, key, {
          ...watch,
          onChange,
          onError: (error) => onError(failure(error, 'following the canary')),
        }),
      ),
  };
}
