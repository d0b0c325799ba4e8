import type { Etcd3 } from 'etcd3';
import { withDeadline } from '../etcd-client.js';
import { isRefusal } from '../etcd-failure.js';
import { instanceStatusKey, type InstanceStatus } from './instance-status.js';
import { StatusBatch, type StatusBatchMember, type StatusEntry } from './status-batch.js';
import type { SharedStatusBatch } from './shared-status-batch.js';

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
   * The process's batch for this client and TTL, shared with the other instances that use them;
   * without one the writer keeps a batch, and so a lease, of its own.
   */
  batch?: SharedStatusBatch;
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

/**
 * Keeps this instance's record at `<key>/instances/<instanceId>` under a lease, so it vanishes
 * with the process. Only the latest record matters: while one waits or is being written, newer
 * ones replace it, a record equal to the newest one (but for its time) is not written again, and
 * a record that could not be written is retried until etcd takes it (a lost lease, after an
 * outage longer than its TTL, is replaced by a new one and every record it carried is written
 * again).
 *
 * A record never replaces a newer one. Each write puts the record only if the key is still at
 * the `mod_revision` our last write left: a write that etcd took late (sent to a member that
 * froze, retried elsewhere, then forwarded when the member came back) finds the key moved and
 * changes nothing. A write that finds the key moved for another reason (the lease expired and
 * took the record along) learns the key's revision from the same transaction and tries again
 * with the record it is writing, which is the newest.
 *
 * A record is written `delayMs` (jittered) after the decision, not in the same turn of the event
 * loop: the write costs CPU, and the other instances of the same process or host would wait for
 * it before they apply the change; after the pause the fleet's records also reach etcd spread
 * out instead of all in the same millisecond. The instances of a process that share a client
 * write their records together (`StatusBatch`), in one transaction under one lease.
 */
export class FleetStatusWriter implements StatusBatchMember {
  readonly recordKey: string;
  private readonly batch: StatusBatch;
  private readonly release: () => Promise<boolean>;
  /** Newest first: waiting to be written, being written, last written. */
  private latest: InstanceStatus | undefined;
  private inFlight: InstanceStatus | undefined;
  private written: InstanceStatus | undefined;
  /** The record key's `mod_revision` after our last write; undefined: it should not exist. */
  private modRevision: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** What the last reported failure was, until a record is written again. */
  private failing: 'refused' | 'unanswered' | undefined;

  constructor(private readonly options: FleetStatusWriterOptions) {
    this.recordKey = instanceStatusKey(options.key, options.instanceId);
    if (options.batch) {
      this.batch = options.batch.batch;
      this.release = () => options.batch!.release();
    } else {
      const own = new StatusBatch(options);
      this.batch = own;
      this.release = () => own.close().then(() => true);
    }
    this.batch.join(this);
  }

  write(record: InstanceStatus): void {
    if (this.closed) return;
    const newest = this.latest ?? this.inFlight ?? this.written;
    if (newest && sameRecord(newest, record)) return;
    this.enqueue(record);
  }

  /**
   * Removes the record now rather than when its TTL runs out: with the lease when this is its
   * last user, else on its own.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.batch.leave(this); // a record being written is written first
    const revoked = await this.release();
    if (!revoked) await this.remove();
  }

  take(): StatusEntry | undefined {
    const record = this.latest;
    if (!record || this.closed) return undefined;
    this.latest = undefined;
    this.inFlight = record;
    return { key: this.recordKey, value: JSON.stringify(record), modRevision: this.modRevision };
  }

  settled(entry: StatusEntry, error?: unknown): void {
    const record = this.inFlight;
    this.inFlight = undefined;
    this.modRevision = entry.modRevision;
    if (error === undefined) {
      this.written = record;
      if (this.failing) this.options.onRecovered();
      this.failing = undefined;
      return;
    }
    this.latest ??= record; // unless a newer one came meanwhile
    this.reportFailure(error);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.retry(), RETRY_MS);
    this.retryTimer.unref?.();
  }

  /** Expired during an outage: the newest record goes again (waiting, being written, written). */
  leaseLost(): void {
    const newest = this.latest ?? this.inFlight ?? this.written;
    if (!this.closed && newest) this.enqueue(newest);
  }

  private enqueue(record: InstanceStatus): void {
    this.latest = record;
    // A write under way or already scheduled takes the newest record when its turn comes.
    this.batch.schedule(this, this.options.delayMs);
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
    if (this.latest) this.enqueue(this.latest);
  }

  /** The lease lives on for the other instances of the process: the record goes by itself. */
  private async remove(): Promise<void> {
    const { client, deadlineMs } = this.options;
    try {
      await withDeadline(client.delete().key(this.recordKey).exec(), deadlineMs, () => {
        return new Error('status record removal timed out');
      });
    } catch {
      // etcd unreachable: the record stays until the process's lease ends.
    }
  }
}

/**
 * Equal but for the time it was made: nothing an operator reads differs. Field by field, so that
 * fields added to the record count without a change here; nested ones (`labels`, `variant`,
 * `error`) by their JSON, and only once every plain field is equal: a new change differs in its
 * version, which is then found without serialising anything.
 */
function sameRecord(a: InstanceStatus, b: InstanceStatus): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const fields = Object.keys(x);
  if (fields.length !== Object.keys(y).length) return false;
  const nested = (field: string) => typeof x[field] === 'object' && x[field] !== null;
  return (
    fields.every((field) => field === 'updatedAt' || nested(field) || x[field] === y[field]) &&
    fields.every(
      (field) =>
        !nested(field) ||
        x[field] === y[field] ||
        JSON.stringify(x[field]) === JSON.stringify(y[field]),
    )
  );
}
