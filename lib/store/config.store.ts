import type { Candidate } from '../pipeline/config.pipeline.js';
import type { SourceSnapshot } from '../interfaces/config-source.interface.js';
import type {
  ConfigHistoryEntry,
  ConfigVariant,
  HistorySource,
  ReloadSource,
} from '../interfaces/index.js';

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
  /** The layers that made it, as the source said (undefined: none). */
  variant: ConfigVariant | undefined;
  /** The base the layers were merged over (undefined: no layers; `text` is the base). */
  baseText: string | undefined;
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
      variant: snapshot.variant,
      baseText: snapshot.baseText,
    };
  }

  /** Puts `next` in force (one assignment) and records it in the history. */
  swap(next: AppliedVersion<T>): void {
    this.current = next;
    this.entries.push(historyEntryOf(next));
    if (this.entries.length > this.historySize) this.entries.shift();
  }

  /**
   * The source holds the content in force at another revision (republished unchanged, maybe
   * made of other layers): the version stays, its revision and layers move, so that a later
   * rollback compares against the new revision and writes back the new base.
   */
  moveRevision({ revision, variant, baseText }: SourceSnapshot): AppliedVersion<T> {
    const current = this.applied;
    if (
      current.revision === revision &&
      current.baseText === baseText &&
      sameVariant(current.variant, variant)
    ) {
      return current;
    }
    this.current = { ...current, revision, variant, baseText };
    if (this.entries.at(-1)?.version === current.version) {
      this.entries[this.entries.length - 1] = historyEntryOf(this.current);
    }
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

function historyEntryOf<T>(applied: AppliedVersion<T>): ConfigHistoryEntry<T> {
  return {
    version: applied.version,
    config: applied.config,
    loadedAt: applied.loadedAt,
    hash: applied.hash,
    revision: applied.revision,
    source: applied.source,
    rawText: applied.text,
    variant: variantOf(applied.variant),
    ...(applied.baseText === undefined ? {} : { baseText: applied.baseText }),
  };
}

/** The variant of a version, for health and history: a copy, `{ overlays: [] }` without layers. */
export function variantOf(variant: ConfigVariant | undefined): ConfigVariant {
  if (!variant) return { overlays: [] };
  const overlays = [...variant.overlays];
  return variant.canary === undefined ? { overlays } : { canary: variant.canary, overlays };
}

function sameVariant(a: ConfigVariant | undefined, b: ConfigVariant | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.canary === b.canary &&
    a.overlays.length === b.overlays.length &&
    a.overlays.every((name, index) => name === b.overlays[index])
  );
}
