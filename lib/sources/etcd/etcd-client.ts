import { Etcd3, type IOptions } from 'etcd3';
import { credentialsInUrls, withoutUserInfo } from '../etcd-hosts.js';

/** How to reach etcd: what `etcdSource()` and the CLI's `--etcd` flags share. */
export interface EtcdConnectionOptions {
  /**
   * Client URLs of the members, e.g. `['http://10.0.0.1:2379', 'http://10.0.0.2:2379']`. A URL's
   * user-info (`http://bot:password@10.0.0.1:2379`) is taken as `auth` when that is not given,
   * and never shown in a message.
   */
  hosts: string | string[];
  auth?: { username: string; password: string };
  /**
   * PEM contents (not paths) for a TLS connection: `ca` to trust (default: the system's trusted
   * roots), `cert` and `key` for a client certificate.
   */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /**
   * The deadline of every unary call (get, put, lease grant), in ms. etcd3 ignores its own
   * `dialTimeout`, so without one a call against an unreachable member never settles. Default 3000.
   */
  dialTimeoutMs?: number;
}

export const DEFAULT_DIAL_TIMEOUT_MS = 3000;

/**
 * gRPC keepalive: a frozen or partitioned member leaves a TCP connection open and silent; with
 * these the channel notices in about 8 s instead of never. Reconnects back off to at most 2 s
 * (the default grows to 30 s, far longer than a member restart).
 */
const CHANNEL_OPTIONS = {
  'grpc.keepalive_time_ms': 6000,
  'grpc.keepalive_timeout_ms': 2000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
};

function toBuffer(pem: string | Buffer | undefined): Buffer | undefined {
  return pem === undefined ? undefined : Buffer.isBuffer(pem) ? pem : Buffer.from(pem);
}

/** An etcd3 client that never waits without a deadline and notices a silent member. */
export function createEtcdClient(options: EtcdConnectionOptions): Etcd3 {
  const deadlineMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  const clientOptions: IOptions = {
    // etcd3 would hand user-info on as part of the gRPC target, and grpc-js quotes the target
    // in its errors.
    hosts: Array.isArray(options.hosts)
      ? options.hosts.map(withoutUserInfo)
      : withoutUserInfo(options.hosts),
    auth: options.auth ?? credentialsInUrls(options.hosts),
    grpcOptions: CHANNEL_OPTIONS,
    // Streams (watch, lease keepalive) live as long as they are useful; every other call has a deadline.
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: new Date(Date.now() + deadlineMs) },
  };
  if (options.tls) {
    clientOptions.credentials = {
      // Without a CA, grpc-js trusts the system's roots.
      rootCertificate: toBuffer(options.tls.ca)!,
      privateKey: toBuffer(options.tls.key),
      certChain: toBuffer(options.tls.cert),
    };
  }
  return new Etcd3(clientOptions);
}

/**
 * Settles like `work`, or rejects with `onTimeout()` after `ms`: etcd3 retries a failed call on
 * other members, each attempt with its own deadline, so one operation needs an overall bound.
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `work`, but no longer than `ms` or until `signal` aborts. */
export async function settledWithin(
  work: Promise<void>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    onAbort = resolve;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Signs in again after etcd stopped taking our token (it was revoked, as when the user's password
 * is set, or it expired). etcd3 renews a token only when a unary call meets "invalid auth token",
 * never for a watch stream, which etcd cancels instead: asking whether `key` exists is that call
 * (keys only, no value). Rejects when signing in fails (the credentials are no longer accepted),
 * or after `deadlineMs`.
 */
export async function renewAuthToken(
  client: Etcd3,
  key: string,
  deadlineMs: number,
): Promise<void> {
  await withDeadline(client.get(key).exists(), deadlineMs, () => {
    return new Error(`etcd did not answer within ${deadlineMs} ms while signing in again`);
  });
}
