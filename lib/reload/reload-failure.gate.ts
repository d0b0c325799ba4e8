import {
  ConfigAuditError,
  ConfigRejectedError,
  type ConfigReloadError,
} from '../config-reloader.errors.js';
import type { SourceSnapshot } from '../interfaces/config-source.interface.js';

/**
 * When a failed automatic reload is reported. A failure waits until the file has stayed still
 * for `graceMs` (it may be a write still in progress, not an operator's mistake), and the same
 * bad content, unreadable state or veto reason is reported once, not on every look at the file.
 * A veto (or an audit log that refused the record) depends on the world rather than the content
 * alone, so such a content is judged again from time to time.
 */
export class ReloadFailureGate {
  private pending: { error: ConfigReloadError; at: number; snapshot?: SourceSnapshot } | undefined;
  /** Key of the failure already reported (or waiting): the content's hash, or what went wrong. */
  private reportedKey: string | undefined;
  private vetoedAt: number | undefined;

  constructor(
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Content with this hash already failed: reading it again would only fail again. */
  isKnownBad(hash: string): boolean {
    return hash === this.reportedKey;
  }

  /**
   * Content that already failed came back (republished at a new revision, say): a failure still
   * waiting to be reported is reported with the newest snapshot of it.
   */
  seenAgain(snapshot: SourceSnapshot): void {
    if (this.pending?.snapshot?.hash === snapshot.hash) this.pending.snapshot = snapshot;
  }

  /**
   * A reload failed; it will be reported once the file has stayed still long enough. False when
   * this failure is already reported or waiting (then a waiting one takes the newer snapshot).
   */
  failed(error: ConfigReloadError, hash?: string, snapshot?: SourceSnapshot): boolean {
    const vetoed = error instanceof ConfigRejectedError || error instanceof ConfigAuditError;
    this.vetoedAt = vetoed ? this.now() : undefined;
    const key = vetoed
      ? `veto:${hash}:${error.message}`
      : (hash ?? `${error.code}:${error.message}`);
    if (key === this.reportedKey) {
      if (snapshot) this.seenAgain(snapshot);
      return false;
    }
    this.reportedKey = key;
    this.pending = { error, at: this.now(), snapshot };
    return true;
  }

  /** A staged change was vetoed when the last hold ended: reported at once, judged again later. */
  vetoedNow(error: ConfigReloadError, hash: string): void {
    this.vetoedAt = this.now();
    this.reportedKey = `veto:${hash}:${error.message}`;
    this.pending = undefined;
  }

  /**
   * Called when the file was seen unchanged: the failure to report now, or how long to wait
   * before asking again; nothing when no failure waits.
   */
  due(): { report: ConfigReloadError; snapshot?: SourceSnapshot } | { waitMs: number } | undefined {
    if (!this.pending) return undefined;
    const waited = this.now() - this.pending.at;
    if (waited < this.graceMs) return { waitMs: this.graceMs - waited };
    const { error, snapshot } = this.pending;
    this.pending = undefined;
    return { report: error, snapshot };
  }

  /** Whether a vetoed content on disk should be judged again (every `intervalMs`). */
  shouldJudgeVetoAgain(intervalMs: number): boolean {
    return (
      this.vetoedAt !== undefined && intervalMs > 0 && this.now() - this.vetoedAt >= intervalMs
    );
  }

  /** Watching stopped: a waiting failure is no longer worth reporting. */
  dropPending(): void {
    this.pending = undefined;
  }

  /** The source is good again: forget every failure. */
  clear(): void {
    this.pending = undefined;
    this.reportedKey = undefined;
    this.vetoedAt = undefined;
  }
}
