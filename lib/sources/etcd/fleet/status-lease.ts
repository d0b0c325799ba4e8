import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import { withDeadline } from '../etcd-client.js';

export interface StatusLeaseOptions {
  client: Etcd3;
  ttlSeconds: number;
  deadlineMs: number;
  /** The lease expired (an outage longer than its TTL): whatever it carried is gone. */
  onLost(): void;
}

/**
 * One etcd lease, kept alive by hand: a keepalive every third of the TTL on a stream reopened
 * whenever it breaks, and given up once no keepalive got through for a whole TTL (etcd has
 * dropped it by then). etcd3's own Lease class retries on a timer of its own that outlives
 * `revoke()`; here every timer is ours and ends with `revoke()`.
 */
export class StatusLease {
  private id: string | undefined;
  private granting: Promise<string> | undefined;
  private stream: IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewedAt = 0;
  private opening = false;
  private ended = false;

  constructor(private readonly options: StatusLeaseOptions) {}

  /** The lease id, granted on first use (and again after a loss). */
  current(): Promise<string> {
    if (this.id) return Promise.resolve(this.id);
    this.granting ??= this.grant().finally(() => (this.granting = undefined));
    return this.granting;
  }

  /** Ends the keepalive and revokes the lease, within the deadline; what it carried goes at once. */
  async revoke(): Promise<void> {
    this.ended = true;
    this.stop();
    const id = this.id;
    this.id = undefined;
    if (!id) return;
    const { client, deadlineMs } = this.options;
    // etcd unreachable: the lease simply runs out.
    await withDeadline(client.leaseClient.leaseRevoke({ ID: id }), deadlineMs, () => {
      return new Error('revoke timed out');
    }).catch(() => undefined);
  }

  private async grant(): Promise<string> {
    const { client, ttlSeconds, deadlineMs } = this.options;
    const granted = await withDeadline(
      client.leaseClient.leaseGrant({ TTL: ttlSeconds }),
      deadlineMs,
      () => new Error(`lease grant: no answer within ${deadlineMs} ms`),
    );
    if (this.ended) {
      // Closed while granting: nothing may hold on to it.
      void client.leaseClient.leaseRevoke({ ID: granted.ID }).catch(() => undefined);
      return granted.ID;
    }
    this.id = granted.ID;
    this.lastRenewedAt = Date.now();
    this.timer = setInterval(() => void this.renew(), (ttlSeconds * 1000) / 3);
    return granted.ID;
  }

  private async renew(): Promise<void> {
    const id = this.id;
    if (!id || this.opening) return;
    if (Date.now() - this.lastRenewedAt > this.options.ttlSeconds * 1000) {
      this.lost();
      return;
    }
    try {
      if (!this.stream) {
        this.opening = true;
        this.stream = await this.openStream().finally(() => (this.opening = false));
      }
      this.stream.write({ ID: id });
    } catch {
      this.dropStream(); // tried again at the next interval
    }
  }

  private async openStream() {
    const stream = await this.options.client.leaseClient.leaseKeepAlive();
    if (this.ended) {
      stream.end();
      stream.cancel();
      throw new Error('lease ended');
    }
    stream.on('data', (response) => {
      if (response.ID !== this.id) return;
      if (Number(response.TTL) > 0) this.lastRenewedAt = Date.now();
      else this.lost(); // etcd no longer knows the lease
    });
    stream.on('error', () => this.stream === stream && this.dropStream());
    stream.on('end', () => this.stream === stream && this.dropStream());
    return stream;
  }

  /** etcd no longer knows the lease: the next `current()` grants a new one. */
  forget(): void {
    this.stop();
    this.id = undefined;
  }

  private lost(): void {
    this.forget();
    this.options.onLost();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.dropStream();
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    stream.end();
    stream.cancel();
  }
}
