import { afterEach, describe, expect, it } from 'vitest';
import type { EtcdConnectionOptions } from '../../../lib/sources/etcd/etcd-client.js';
import {
  acquireEtcdClient,
  type SharedEtcdClient,
} from '../../../lib/sources/etcd/shared-etcd-client.js';

// Clients connect lazily: none of these ever dials, so no server is needed.
const HOSTS = ['http://127.0.0.1:1', 'http://127.0.0.1:2'];
const CA = '-----BEGIN CERTIFICATE-----\nnot one really\n-----END CERTIFICATE-----\n';

describe('the etcd client a process shares per connection', () => {
  const held: SharedEtcdClient[] = [];
  afterEach(() => held.splice(0).forEach((hold) => hold.release()));
  const acquire = (options: EtcdConnectionOptions) => {
    const hold = acquireEtcdClient(options);
    held.push(hold);
    return hold;
  };
  const isClosed = async (hold: SharedEtcdClient) =>
    hold.client.watchClient.watch().then(
      (stream) => {
        stream.cancel();
        return false;
      },
      (error: Error) => /already closed/.test(error.message),
    );

  it('is one client for options that connect alike, however they are spelt', () => {
    const first = acquire({ hosts: HOSTS, tls: { ca: CA } });
    expect(acquire({ hosts: HOSTS, tls: { ca: Buffer.from(CA) } }).client).toBe(first.client);
    expect(acquire({ hosts: HOSTS, tls: { ca: CA }, dialTimeoutMs: 3000 }).client).toBe(
      first.client,
    );
  });

  it('is another client for other members, credentials, TLS or deadline', () => {
    const base = acquire({ hosts: HOSTS });
    const others = [
      { hosts: HOSTS[0]! },
      { hosts: HOSTS, auth: { username: 'bot', password: 'a' } },
      { hosts: HOSTS, auth: { username: 'bot', password: 'b' } },
      { hosts: HOSTS, tls: { ca: CA } },
      { hosts: HOSTS, dialTimeoutMs: 500 },
    ].map((options) => acquire(options).client);
    expect(new Set([base.client, ...others]).size).toBe(others.length + 1);
  });

  it('closes with its last user only, and a user that lets go twice counts once', async () => {
    const first = acquire({ hosts: HOSTS });
    const second = acquire({ hosts: HOSTS });
    first.release();
    first.release();
    expect(await isClosed(second)).toBe(false);
    second.release();
    expect(await isClosed(second)).toBe(true);
    // The next user gets a client of its own again, open.
    const next = acquire({ hosts: HOSTS });
    expect(next.client).not.toBe(second.client);
    expect(await isClosed(next)).toBe(false);
  });
});
