import { EtcdLeaseInvalidError, type Etcd3 } from 'etcd3';
import { withDeadline } from '../etcd-client.js';
import { isRefusal } from '../etcd-failure.js';
import { instanceStatusKey, type InstanceStatus } from './instance-status.js';
import { StatusLease } from './status-lease.js';

export interface FleetStatusWriterOptions {
  client: Etcd3;
  key: string;
  instanceId: string;
  /** The lease TTL: how long a dead instance's record outlives it. */
  ttlSeconds: number;
  deadlineMs: number;
  /** How long a record waits before it is written (0.5x to 1.5x of it, at random); see below. */
  delayMs: number;
  /**
   * Records cannot be written: `refused` when etcd said no (permissions), else etcd does not
   * answer. They are retried until one is written; said once per kind of failure, not per retry.
   */
  onError(error: unknown, refused: boolean): void;
  /** A record was written again after `onError`. */
  onRecovered(): void;
}

/** Wait between attempts while etcd does not take the record. */
const RETRY_MS = 1000;

/** Attempts of one write when the record moved under us (our own late write, a lost lease). */
const MAX_COMPARE_ATTEMPTS = 3;

/**
 * Keeps this instance's record at `<key>/instances/<instanceId>` under a lease, so it vanishes
 * with the process. Only the latest record matters: while one waits or is being written, newer
 * ones replace it, and a record that could not be written is retried until etcd takes it (a lost
 * lease, after an outage longer than its TTL, is replaced by a new one).
 *
 * A record never replaces a newer one. Each write is a transaction that puts the record only if
 * the key is still at the `mod_revision` our last write left: a write that etcd took late (sent
 * to a member that froze, retried elsewhere, then forwarded when the member came back) finds the
 * key moved and changes nothing. A write that finds the key moved for another reason (the lease
 * expired and took the record along) learns the key's revision from the same transaction and
 * tries again with the record it is writing, which is the newest.
 *
 * A record is written `delayMs` (jittered) after the decision, not in the same turn of the event
 * loop: the write costs as much CPU as the reload itself, and the other instances of the same
 * process or host would wait for it before they apply the change; after the pause the fleet's
 * records also reach etcd spread out instead of all in the same millisecond.
 */
export class FleetStatusWriter {
  private readonly lease: StatusLease;
  /** Newest first: waiting to be written, being written, last written. */
  private latest: InstanceStatus | undefined;
  private inFlight: InstanceStatus | undefined;
  private written: InstanceStatus | undefined;
  /** The record key's `mod_revision` after our last write; undefined: it should not exist. */
  private modRevision: string | undefined;
  private writing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** What the last reported failure was, until a record is written again. */
  private failing: 'refused' | 'unanswered' | undefined;

  constructor(private readonly options: FleetStatusWriterOptions) {
    this.lease = new StatusLease({
      client: options.client,
      ttlSeconds: options.ttlSeconds,
      deadlineMs: options.deadlineMs,
      // Expired during an outage: a new lease carries the newest record again (the one waiting,
      // else the one being written, else the one written).
      onLost: () => {
        const newest = this.latest ?? this.inFlight ?? this.written;
        if (!this.closed && newest) this.write(newest);
      },
    });
  }

  write(record: InstanceStatus): void {
    if (this.closed) return;
    this.latest = record;
    // A write under way or already scheduled takes the newest record when its turn comes.
    if (this.writing || this.delayTimer) return;
    const delayMs = this.options.delayMs * (0.5 + Math.random());
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      this.writing ??= this.flush().finally(() => (this.writing = undefined));
    }, delayMs);
    this.delayTimer.unref?.();
  }

  /** Removes the record now (revoking the lease) rather than when its TTL runs out. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.delayTimer); // the record goes with the lease anyway
    await this.writing;
    await this.lease.revoke();
  }

  private async flush(): Promise<void> {
    while (this.latest && !this.closed) {
      const record = this.latest;
      this.latest = undefined;
      this.inFlight = record;
      try {
        await this.put(record);
        this.written = record;
        if (this.failing) this.options.onRecovered();
        this.failing = undefined;
      } catch (error) {
        this.latest ??= record; // unless a newer one came meanwhile
        this.reportFailure(error);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.retry(), RETRY_MS);
        this.retryTimer.unref?.();
        return;
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  /** A failure is said when it is news: the first one, or one of another kind than the last. */
  private reportFailure(error: unknown): void {
    const refused = isRefusal(error);
    const kind = refused ? 'refused' : 'unanswered';
    if (kind === this.failing) return;
    this.failing = kind;
    this.options.onError(error, refused);
  }

  private retry(): void {
    if (this.latest) this.write(this.latest);
  }

  private async put(record: InstanceStatus): Promise<void> {
    const { client, key, instanceId, deadlineMs } = this.options;
    const recordKey = instanceStatusKey(key, instanceId);
    const lease = await this.lease.current();
    for (let attempt = 1; ; attempt++) {
      const unchanged =
        this.modRevision === undefined
          ? client.if(recordKey, 'Create', '==', 0)
          : client.if(recordKey, 'Mod', '==', this.modRevision);
      const put = client.put(recordKey).value(JSON.stringify(record)).lease(lease);
      const transaction = unchanged.then(put).else(client.get(recordKey)).commit();
      let response: Awaited<typeof transaction>;
      try {
        response = await withDeadline(transaction, deadlineMs, () => {
          return new Error('status write timed out');
        });
      } catch (error) {
        // etcd dropped the lease before we noticed: the retry grants a new one.
        if (error instanceof EtcdLeaseInvalidError) this.lease.forget();
        throw error;
      }
      if (response.succeeded) {
        // A transaction is one revision: the record's mod_revision is the revision after it.
        this.modRevision = response.header.revision;
        return;
      }
      // The key moved since our last write: learn where it is now and write this, the newest.
      this.modRevision = response.responses[0]?.response_range?.kvs[0]?.mod_revision;
      if (attempt === MAX_COMPARE_ATTEMPTS) {
        throw new Error(`status record ${recordKey} kept changing under ${attempt} writes`);
      }
    }
  }
}
