import type { ConfigReloadError } from '../config-reloader.errors.js';

/**
 * Where a config document lives. A source only reads, watches and (optionally) writes the
 * document; everything after it (debounce, parse, validate, veto, freeze, hold, swap, history,
 * audit, notify, health) is the module's shared reload path. The file source is one
 * implementation; write your own for Consul, Vault or an HTTP endpoint and pass it as
 * `configSource`.
 */
export interface ConfigSource {
  /** Names the source in logs, errors and health: `'file:/etc/bot/bot.json'`, `'etcd:/bots/trend'`. */
  readonly id: string;
  /**
   * True when every version the source hands over was written whole, in one step (etcd: one
   * transaction). A failed version is then the writer's final word, not a write in progress, and
   * is reported at once; without it, a failure waits `max(debounceMs, 250 ms)` for the writer to
   * finish (a file being copied), as for files.
   */
  readonly atomicWrites?: boolean;
  /**
   * The whole current document, never a torn one. Throws a typed `ConfigReloadError`
   * (`ConfigNotFoundError`, `ConfigAccessError`, `ConfigSourceUnavailableError`, ...).
   */
  read(): Promise<SourceSnapshot>;
  /**
   * Starts change notifications and resolves once every later change will be reported. When
   * `signal` aborts before that (watching was stopped meanwhile), give up promptly and release
   * whatever was started; a watch returned after the abort is closed by the caller.
   */
  watch(listener: SourceListener, signal?: AbortSignal): Promise<SourceWatch>;
  /**
   * Replaces the document only if it is still at `expectedRevision` (used by `rollback()`);
   * otherwise throws `ConfigConflictError` and changes nothing. Without it, rollback is refused.
   */
  write?(text: string, expectedRevision: string): Promise<SourceSnapshot>;
  /** Told what became of each change (fleet status, a local cache). Must not throw. */
  report?(outcome: SourceOutcome): void;
  /**
   * Told that a watched change failed before it became a document (`read()` threw: a part of it
   * nobody can read, the server gone), so that a source that knows what it read can record the
   * refusal at that revision (etcd: the status record). Must not throw.
   */
  reportReadFailure?(failure: SourceReadFailure): void;
  /**
   * The document `read()` gave while the module starts was refused (`outcome`, state
   * `'rejected'`, version 0). A source that can offer another document returns it, to be
   * validated in its place, once (etcd: a canary member marks the canary aborted and hands over
   * the base); undefined, or a throw, and the start fails with the refusal.
   */
  refusedAtStart?(outcome: SourceOutcome): Promise<SourceSnapshot | undefined>;
  /** Releases the source's clients, leases and timers; called once, on module destroy. */
  close?(): Promise<void>;
}

/** One whole version of the document. */
export interface SourceSnapshot {
  readonly text: string;
  /**
   * Opaque and ordered by the source; what `write()` compares against. The file source uses the
   * content hash (a `touch` or `chmod` is not a change), etcd the key's `mod_revision`.
   */
  readonly revision: string;
  /** sha256 of the text, hex: equal hashes mean "unchanged", whatever the revision says. */
  readonly hash: string;
  /** Facts about where this version came from, copied into its audit record (file: `fileOwnerUid`). */
  readonly origin?: Readonly<Record<string, string | number>>;
  /**
   * A document assembled from layers (a base, a canary's candidate, merge-patch overlays) says
   * which: `text` is then the effective document, `hash` its hash, and `baseText` the base it
   * was made from, which is what `write()` takes back on a rollback. Absent: no layers.
   */
  readonly variant?: ConfigVariant;
  readonly baseText?: string;
}

/** How a source tells the reload path about changes. Every method is safe to call at any time. */
export interface SourceListener {
  /**
   * "Maybe changed". A source that already holds the new document (a watch event that carries
   * it) hands it over, so nobody reads again; otherwise the reload path calls `read()`.
   */
  changed(snapshot?: SourceSnapshot): void;
  /** A problem while watching; it is reported, never thrown. */
  error(error: unknown): void;
  /**
   * A remote source lost (false) or regained (true) its server. While lost, `cause` may say why:
   * `ConfigAccessError` when the server refuses us (credentials, permissions), otherwise
   * `ConfigSourceUnavailableError`. Calling it again while lost, with another cause, updates it.
   */
  connectivity?(connected: boolean, cause?: ConfigReloadError): void;
  /**
   * Judges a document as a reload would (parse, schema, DTO, `beforeApply`, against the config
   * in force) and applies nothing: no new version, event, history entry, audit record or
   * outcome. For a dry run across a fleet (etcd trials). Resolves with the verdict; rejects only
   * once the watch it came with has stopped.
   */
  trial?(text: string): Promise<TrialVerdict>;
  /**
   * The source marked a canary aborted because this instance rejected its candidate (etcd:
   * `abortOnReject`); the reload path writes it into the audit log and the log.
   */
  canaryAborted?(abort: CanaryAbortNotice): void;
}

/** A canary this instance aborted, as `SourceListener.canaryAborted()` hears of it. */
export interface CanaryAbortNotice {
  /** The layers of the rejected document; `canary` is the aborted canary's id. */
  variant: ConfigVariant;
  /** Where the canary lives: `etcd:/bots/trend/canary`. */
  where: string;
  /** The rejection that aborted it (never a secret value). */
  error: { code: string; message: string };
}

/** A watched change that failed before it became a document, as `reportReadFailure()` hears it. */
export interface SourceReadFailure {
  /** The module instance (its `name` option). */
  name: string;
  /** The version still in force. */
  version: number;
  /** Why (never a secret value). */
  error: { code: string; message: string };
}

/** What a reload would make of a document, as `SourceListener.trial()` says. */
export type TrialVerdict =
  | { accepted: true }
  /** Why it would be refused (never a secret value): the code and message a reload would report. */
  | { accepted: false; error: { code: string; message: string } };

/** A running watch, as returned by `ConfigSource.watch()`. */
export interface SourceWatch {
  /** False once the watch has stopped for good (closed, or its source gave up). */
  readonly active: boolean;
  /** How changes are followed, shown in health as `watchMode` (file: `'native'` or `'polling'`). */
  readonly mode?: string;
  close(): Promise<void>;
}

/** What became of one change, as told to `ConfigSource.report()`. */
export interface SourceOutcome {
  /** The module instance (its `name` option) this outcome belongs to. */
  name: string;
  /**
   * 'applied': in force (also content equal to the config in force, at a new revision);
   * 'staged': validated, waiting for the holds to end; 'rejected': the content is refused (parse,
   * schema, DTO), final until the content changes; 'vetoed': `beforeApply` (or an audit log that
   * refused the record) said no, which depends on the world, so it is judged again.
   */
  state: 'applied' | 'staged' | 'rejected' | 'vetoed';
  /** The version in force after this outcome. */
  version: number;
  revision: string;
  hash: string;
  /** The applied document (for a local cache); absent unless applied. */
  text?: string;
  /** Why it was rejected or vetoed (never a secret value). */
  error?: { code: string; message: string };
  /** The layers of the document this outcome is about (absent: none). */
  variant?: ConfigVariant;
}

/**
 * Which layers made a document: the canary whose candidate replaced the base (etcd only), and
 * the overlays merged over it, in the order they were applied. An instance without layers runs
 * `{ overlays: [] }`.
 */
export interface ConfigVariant {
  /** The id of the canary this instance is a member of, when its candidate is the document. */
  canary?: string;
  /** Overlay names as the source knows them (etcd: `<name>` of `K/overlays/<name>`; file: the path as given). */
  overlays: readonly string[];
}
