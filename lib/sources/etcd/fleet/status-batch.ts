import {
  CompareResult,
  CompareTarget,
  EtcdLeaseInvalidError,
  type Etcd3,
  type ICompare,
  type IRequestOp,
  type ITxnResponse,
} from 'etcd3';
import { withDeadline } from '../etcd-client.js';
import { StatusLease } from './status-lease.js';

/** One record on its way to etcd. */
export interface StatusEntry {
  key: string;
  value: string;
  /**
   * The key's `mod_revision` after its writer's last write (undefined: it should not exist); after
   * a commit, what etcd says it is now.
   */
  modRevision: string | undefined;
}

/** A writer whose records go through the batch: one instance's status record. */
export interface StatusBatchMember {
  readonly recordKey: string;
  /** The record to write now, its newest, or undefined when there is none any more. */
  take(): StatusEntry | undefined;
  /** The entry was written (no error; `entry.modRevision` is the record's now), or not. */
  settled(entry: StatusEntry, error?: unknown): void;
  /** The lease expired: the records it carried are gone from etcd and must be written again. */
  leaseLost(): void;
}

export interface StatusBatchOptions {
  client: Etcd3;
  /** The lease TTL: how long a dead process's records outlive it. */
  ttlSeconds: number;
  deadlineMs: number;
}

/** etcd refuses a transaction of more than 128 operations (`--max-txn-ops`) by default. */
const MAX_RECORDS_PER_TRANSACTION = 64;

/** Attempts of one record when its key moved under us (our own late write, a lost lease). */
const MAX_COMPARE_ATTEMPTS = 3;

interface Pending {
  member: StatusBatchMember;
  entry: StatusEntry;
  attempts: number;
}

/**
 * Writes the status records of the instances of a process that share an etcd client, under one
 * lease kept alive once, in one transaction per round: a record costs the process about what a
 * gRPC call costs, so ten instances that decide together pay for one call instead of ten.
 *
 * A round starts `delayMs` (jittered) after the first record falls due and takes every record
 * due by then; one that falls due while a round is being written goes in the next round, right
 * after it. A record never replaces a newer one: each put is guarded by a compare on the key's
 * `mod_revision` (see the writer); when some compares fail, the records whose key moved learn
 * where it is and are tried again, the others with them, each at most `MAX_COMPARE_ATTEMPTS`.
 */
export class StatusBatch {
  private readonly lease: StatusLease;
  private readonly members = new Set<StatusBatchMember>();
  /** Waiting for the next round, in the order they fell due. */
  private readonly due = new Set<StatusBatchMember>();
  private timer: NodeJS.Timeout | undefined;
  /** Rounds are being written; cleared in the same turn as the last round ends. */
  private draining = false;
  private drained: Promise<void> | undefined;
  /** The round being written, and whose records it holds. */
  private round: Promise<void> | undefined;
  private readonly inRound = new Set<StatusBatchMember>();
  private closed = false;

  constructor(private readonly options: StatusBatchOptions) {
    this.lease = new StatusLease({
      client: options.client,
      ttlSeconds: options.ttlSeconds,
      deadlineMs: options.deadlineMs,
      onLost: () => this.leaseLost(),
    });
  }

  join(member: StatusBatchMember): void {
    if (!this.closed) this.members.add(member);
  }

  /** `member` has a record to write: in the next round, which starts within `delayMs` (jittered). */
  schedule(member: StatusBatchMember, delayMs: number): void {
    if (this.closed || !this.members.has(member)) return;
    this.due.add(member);
    if (this.draining || this.timer) return; // the round under way or scheduled is followed by one
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drained = this.drain();
      },
      delayMs * (0.5 + Math.random()),
    );
    this.timer.unref?.();
  }

  /** Takes `member` out; resolves once no round holds a record of it. */
  async leave(member: StatusBatchMember): Promise<void> {
    this.members.delete(member);
    this.due.delete(member);
    while (this.round && this.inRound.has(member)) await this.round;
  }

  /** Ends every timer and revokes the lease: the records it carries go at once. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.due.clear();
    await this.drained;
    await this.lease.revoke();
  }

  private async drain(): Promise<void> {
    // A record that falls due after the last check must find the flag down and start a timer.
    this.draining = true;
    try {
      while (this.due.size > 0 && !this.closed) {
        const pending = this.takeDue();
        if (pending.length === 0) continue;
        for (const { member } of pending) this.inRound.add(member);
        this.round = this.write(pending);
        await this.round;
        this.round = undefined;
        this.inRound.clear();
      }
    } finally {
      this.draining = false;
    }
  }

  /** The records due, one per key: a transaction may not put a key twice. */
  private takeDue(): Pending[] {
    const pending: Pending[] = [];
    const keys = new Set<string>();
    for (const member of this.due) {
      if (pending.length === MAX_RECORDS_PER_TRANSACTION) break;
      if (keys.has(member.recordKey)) continue;
      this.due.delete(member);
      const entry = member.take();
      if (!entry) continue;
      keys.add(entry.key);
      pending.push({ member, entry, attempts: 0 });
    }
    return pending;
  }

  private async write(pending: Pending[]): Promise<void> {
    let lease: string;
    try {
      lease = await this.lease.current();
    } catch (error) {
      this.fail(pending, error);
      return;
    }
    while (pending.length > 0) {
      let response: ITxnResponse;
      try {
        response = await withDeadline(this.commit(pending, lease), this.options.deadlineMs, () => {
          return new Error('status write timed out');
        });
      } catch (error) {
        this.fail(pending, error);
        // etcd dropped the lease before we noticed: every record it carried is gone.
        if (error instanceof EtcdLeaseInvalidError) this.leaseLost();
        return;
      }
      if (response.succeeded) {
        // A transaction is one revision: every record's mod_revision is the revision after it.
        for (const { member, entry } of pending) {
          entry.modRevision = response.header.revision;
          member.settled(entry);
        }
        return;
      }
      pending = this.afterConflict(pending, response.responses);
    }
  }

  /**
   * Some keys moved since our last write: each learns where it is now, and those that moved
   * count an attempt; a record out of attempts fails, the others are written again.
   */
  private afterConflict(
    pending: Pending[],
    responses: Array<{ response_range?: { kvs: Array<{ mod_revision: string }> } }>,
  ): Pending[] {
    const moved = pending.filter((item, i) => {
      const now = responses[i]?.response_range?.kvs[0]?.mod_revision;
      if (now === item.entry.modRevision) return false;
      item.entry.modRevision = now;
      return true;
    });
    for (const item of moved.length > 0 ? moved : pending) item.attempts++;
    return pending.filter((item) => {
      if (item.attempts < MAX_COMPARE_ATTEMPTS) return true;
      const error = new Error(
        `status record ${item.entry.key} kept changing under ${item.attempts} writes`,
      );
      this.fail([item], error);
      return false;
    });
  }

  /**
   * Each record is put only if its key is still where its writer's last write left it; else the
   * keys are read, so that each learns where it is. Sent as etcd takes it rather than through
   * etcd3's builder, which adds a promise per operation to every round.
   */
  private commit(pending: Pending[], lease: string): Promise<ITxnResponse> {
    const compare: ICompare[] = [];
    const success: IRequestOp[] = [];
    const failure: IRequestOp[] = [];
    for (const { entry } of pending) {
      const key = Buffer.from(entry.key);
      const where: ICompare =
        entry.modRevision === undefined
          ? { target: CompareTarget.Create, create_revision: 0 }
          : { target: CompareTarget.Mod, mod_revision: entry.modRevision };
      compare.push({ key, result: CompareResult.Equal, ...where });
      success.push({ request_put: { key, value: Buffer.from(entry.value), lease } });
      failure.push({ request_range: { key } });
    }
    return this.options.client.kv.txn({ compare, success, failure });
  }

  /** Failed records wait for their writer's own retry, not for the next round. */
  private fail(pending: Pending[], error: unknown): void {
    for (const { member, entry } of pending) {
      this.due.delete(member);
      member.settled(entry, error);
    }
  }

  private leaseLost(): void {
    this.lease.forget();
    for (const member of this.members) member.leaseLost();
  }
}
