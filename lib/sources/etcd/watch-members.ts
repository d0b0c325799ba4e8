import type { Etcd3 } from 'etcd3';
import { createEtcdClient, type EtcdConnectionOptions } from './etcd-client.js';

export interface WatchMember {
  /** The member's client URL, as given in `hosts`. */
  readonly url: string;
  /** A client that talks to this member only. */
  readonly client: Etcd3;
}

/**
 * Picks the member a watch stream goes to. etcd3 picks one at random and only stops picking a
 * member after three failed calls in a row, which a stream that we give up on never counts: a
 * watch that left a frozen member would land on it again one time in N, and wait out another
 * reply timeout each time. Here the member whose stream failed goes to the back of the line
 * until a watch on it works again; among the others the pick stays random, so a fleet spreads
 * over the members.
 */
export class WatchMembers {
  private readonly urls: readonly string[];
  private readonly clients = new Map<string, Etcd3>();
  /** Members whose stream failed and has not worked since, the longest ago first. */
  private readonly suspects: string[] = [];

  /**
   * `shared` serves when there is no choice to make (one member, or no `connection` to open
   * others with): no extra connection. With several members each gets its own client, opened
   * on first use.
   */
  constructor(
    private readonly shared: Etcd3,
    private readonly connection?: EtcdConnectionOptions,
    private readonly random: () => number = Math.random,
  ) {
    const hosts = connection?.hosts ?? [];
    this.urls = Array.isArray(hosts) ? hosts : [hosts];
  }

  /** The member to open the next stream on: one not failed lately, else the longest-failed one. */
  next(): WatchMember {
    if (this.urls.length <= 1) return { url: this.urls[0] ?? 'shared', client: this.shared };
    const trusted = this.urls.filter((url) => !this.suspects.includes(url));
    const url =
      trusted.length > 0 ? trusted[Math.floor(this.random() * trusted.length)]! : this.suspects[0]!;
    return { url, client: this.clientOf(url) };
  }

  /** A stream on `url` failed or went silent: try the others first. */
  failed(url: string): void {
    this.forgive(url);
    this.suspects.push(url);
  }

  /** etcd created a watch on `url`: it is as good as any again. */
  worked(url: string): void {
    this.forgive(url);
  }

  /** Closes the per-member clients; the shared one belongs to the caller. */
  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private forgive(url: string): void {
    const index = this.suspects.indexOf(url);
    if (index >= 0) this.suspects.splice(index, 1);
  }

  private clientOf(url: string): Etcd3 {
    let client = this.clients.get(url);
    if (!client) {
      client = createEtcdClient({ ...this.connection!, hosts: [url] });
      this.clients.set(url, client);
    }
    return client;
  }
}
