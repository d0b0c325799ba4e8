import { EtcdLeaseInvalidError, type Etcd3 } from 'etcd3';
import { withDeadline } from './etcd-client.js';
import { instanceStatusKey, type InstanceStatus } from './instance-status.js';
import { StatusLease } from './status-lease.js';

export interface FleetStatusWriterOptions {
  client: Etcd3;
  key: string;
  instanceId: string;
  /** The lease TTL: how long a dead instance's record outlives it. */
  ttlSeconds: number;
  deadlineMs: number;
  /** A record could not be written (etcd down); it is written once etcd answers again. */
  onError(error: unknown): void;
}

/** Wait between attempts while etcd does not take the record. */
const RETRY_MS = 1000;

/**
 * Keeps this instance's record at `<key>/instances/<instanceId>` under a lease, so it vanishes
 * with the process. Only the latest record matters: while one is being written, newer ones
 * replace each other, and a record that could not be written is retried until etcd takes it
 * (a lost lease, after an outage longer than its TTL, is replaced by a new one).
 */
export class FleetStatusWriter {
  private readonly lease: StatusLease;
  private latest: InstanceStatus | undefined;
  private written: InstanceStatus | undefined;
  private writing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: FleetStatusWriterOptions) {
    this.lease = new StatusLease({
      client: options.client,
      ttlSeconds: options.ttlSeconds,
      deadlineMs: options.deadlineMs,
      // Expired during an outage: a new lease carries the record again.
      onLost: () => {
        if (!this.closed && this.written) this.write(this.latest ?? this.written);
      },
    });
  }

  write(record: InstanceStatus): void {
    if (this.closed) return;
    this.latest = record;
    this.writing ??= this.flush().finally(() => (this.writing = undefined));
  }

  /** Removes the record now (revoking the lease) rather than when its TTL runs out. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.writing;
    await this.lease.revoke();
  }

  private async flush(): Promise<void> {
    while (this.latest && !this.closed) {
      const record = this.latest;
      this.latest = undefined;
      try {
        await this.put(record);
        this.written = record;
      } catch (error) {
        this.latest ??= record; // unless a newer one came meanwhile
        this.options.onError(error);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.retry(), RETRY_MS);
        this.retryTimer.unref?.();
        return;
      }
    }
  }

  private retry(): void {
    if (this.latest) this.write(this.latest);
  }

  private async put(record: InstanceStatus): Promise<void> {
    const { client, key, instanceId, deadlineMs } = this.options;
    const lease = await this.lease.current();
    const put = client.put(instanceStatusKey(key, instanceId)).value(JSON.stringify(record));
    try {
      await withDeadline(put.lease(lease).exec(), deadlineMs, () => {
        return new Error('status write timed out');
      });
    } catch (error) {
      // etcd dropped the lease before we noticed: the retry grants a new one.
      if (error instanceof EtcdLeaseInvalidError) this.lease.forget();
      throw error;
    }
  }
}
