import { createHash } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import {
  createEtcdClient,
  DEFAULT_DIAL_TIMEOUT_MS,
  type EtcdConnectionOptions,
} from './etcd-client.js';

/** One user's hold on the etcd client its process shares for one set of connection options. */
export interface SharedEtcdClient {
  readonly client: Etcd3;
  /** This user is done with it; the client closes with its last user. Once per hold. */
  release(): void;
}

interface Entry {
  client: Etcd3;
  users: number;
}

/**
 * The process's clients by connection, for what its module instances can do together (their
 * status records): one gRPC channel and one set of keepalives for all of them. Watches keep a
 * client per instance: etcd3 counts a member's failures per client, and a member that fails every
 * watch of a shared client at once is shut off for all of them until its circuit half-opens.
 */
const clients = new Map<string, Entry>();

/** The client for `options`, created on first use, shared until its last user releases it. */
export function acquireEtcdClient(options: EtcdConnectionOptions): SharedEtcdClient {
  const id = connectionId(options);
  let entry = clients.get(id);
  if (!entry) {
    entry = { client: createEtcdClient(options), users: 0 };
    clients.set(id, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    client: held.client,
    release: () => {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      if (clients.get(id) === held) clients.delete(id);
      held.client.close();
    },
  };
}

/**
 * Equal for options that connect alike. A digest, so that no password or private key sits in a
 * map key; TLS material may come as a string or a Buffer of the same bytes.
 */
function connectionId(options: EtcdConnectionOptions): string {
  const digest = (value: string | Buffer | undefined) =>
    value === undefined ? null : createHash('sha256').update(value).digest('hex');
  const { hosts, auth, tls, dialTimeoutMs } = options;
  const described = JSON.stringify({
    hosts: Array.isArray(hosts) ? hosts : [hosts],
    auth: auth ? [auth.username, auth.password] : null,
    tls: tls ? [digest(tls.ca), digest(tls.cert), digest(tls.key)] : null,
    dialTimeoutMs: dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
  });
  return createHash('sha256').update(described).digest('hex');
}
