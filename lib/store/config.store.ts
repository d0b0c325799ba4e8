import type { Candidate } from '../pipeline/config.pipeline.js';
import type { ConfigHistoryEntry, HistorySource, ReloadSource } from '../interfaces/index.js';

/** One applied version and everything that changes with it, replaced in one assignment. */
export interface AppliedVersion<T> {
  config: Readonly<T>;
  /** The parsed JSON the config came from: changes are computed on it, so paths match the source. */
  plain: Readonly<Record<string, unknown>>;
  text: string;
  hash: string;
  revision: string;
  version: number;
  loadedAt: Date;
  source: HistorySource;
}

/** A validated change that waits for the last hold to be released (latest wins). */
export interface PendingChange<T> {
  candidate: Candidate<T>;
  trigger: ReloadSource;
  notify: boolean;
  /** For a rollback: the version whose content it restores. */
  rolledBackTo?: number;
}

/**
 * The config in force, its version, the history ring and the staged change. It knows nothing of
 * sources or notifications: the reload path decides, the store only keeps.
 */
export class ConfigStore<T> {
  private current: AppliedVersion<T> | undefined;
  private readonly entries: ConfigHistoryEntry<T>[] = [];
  /** The change waiting for the holds to end, if any. */
  staged: PendingChange<T> | undefined;

  constructor(private readonly historySize: number) {}

  /** The version in force; only read after the initial load. */
  get applied(): AppliedVersion<T> {
    if (!this.current) throw new Error('no config has been loaded yet');
    return this.current;
  }

  /** The version that `candidate` would become; nothing changes until `swap()`. */
  next(candidate: Candidate<T>, source: HistorySource): AppliedVersion<T> {
    const { config, plain, snapshot } = candidate;
    return {
      config,
      plain,
      text: snapshot.text,
      hash: snapshot.hash,
      revision: snapshot.revision,
      version: (this.current?.version ?? 0) + 1,
      loadedAt: new Date(),
      source,
    };
  }

  /** Puts `next` in force (one assignment) and records it in the history. */
  swap(next: AppliedVersion<T>): void {
    this.current = next;
    this.entries.push({
      version: next.version,
      config: next.config,
      loadedAt: next.loadedAt,
      hash: next.hash,
      revision: next.revision,
      source: next.source,
      rawText: next.text,
    });
    if (this.entries.length > this.historySize) this.entries.shift();
  }

  /**
   * The source holds the content in force at another revision (republished unchanged): the
   * version stays, its revision moves, so that a later rollback compares against the new one.
   */
  moveRevision(revision: string): AppliedVersion<T> {
    const current = this.applied;
    if (current.revision === revision) return current;
    this.current = { ...current, revision };
    const last = this.entries.at(-1);
    if (last?.version === current.version)
      this.entries[this.entries.length - 1] = { ...last, revision };
    return this.current;
  }

  /** The history entry `steps` versions before the one in force, if still kept. */
  stepsBack(steps: number): ConfigHistoryEntry<T> | undefined {
    return this.entries[this.entries.length - 1 - steps];
  }

  /** Oldest first; a copy. */
  history(): ConfigHistoryEntry<T>[] {
    return [...this.entries];
  }
}
