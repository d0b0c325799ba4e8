import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import writeFileAtomic from 'write-file-atomic';
import type { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { AuditLog, processUser, type AuditRecord } from './notify/audit.log.js';
import { diffConfigs, pathsOf, redactChanges, type ConfigChange } from './pipeline/config.diff.js';
import { ConfigLoader, type ConfigValidationRules, type LoadedConfig } from './pipeline/config.pipeline.js';
import { HoldRegistry, type HoldOptions } from './store/config-hold.registry.js';
import {
  fingerprintFile,
  MISSING_FILE,
  sameFingerprint,
  type FingerprintOrMissing,
  type RawConfigFile,
} from './sources/file/config-file.reader.js';
import { ConfigFileWatcher, type WatchFunction } from './sources/file/config-file.watcher.js';
import {
  ConfigAccessError,
  ConfigRejectedError,
  ConfigReloadError,
  ConfigReloaderClosedError,
  ConfigRollbackError,
  ConfigValidationError,
  describeError,
} from './config-reloader.errors.js';
import { messages } from './config-reloader.messages.js';
import type { ResolvedConfigReloaderOptions } from './config-reloader.options.js';
import { ReloadFailureGate } from './reload/reload-failure.gate.js';
import { ReloadHealthTracker } from './notify/reload-health.tracker.js';
import { ReloadNotifier } from './notify/reload.notifier.js';
import { ReloadScheduler } from './reload/reload.scheduler.js';
import { createSecretKeyMatcher, type SecretKeyMatcher } from './pipeline/secret-redaction.js';
import { SerialQueue } from './reload/serial-queue.js';
import type {
  ConfigHistoryEntry,
  ConfigReloaderHealth,
  ConfigReloadListener,
  HistorySource,
  ReloadSource,
} from './interfaces/index.js';

/** The applied config and everything that must change with it, swapped in one assignment. */
interface AppliedState<T> {
  config: Readonly<T>;
  plain: Readonly<Record<string, unknown>>;
  hash: string;
  rawText: string;
  version: number;
  loadedAt: Date;
}

/** A validated change waiting for the last hold to be released (latest wins). */
interface StagedChange<T> {
  loaded: LoadedConfig<T>;
  source: ReloadSource;
  notify: boolean;
  rolledBackTo?: number;
}

/** What the last read saw, so the cheap check can tell whether the file moved since. */
interface LastSeen {
  fingerprint: FingerprintOrMissing;
  /**
   * The file was modified so close to the read that another write in the same timestamp tick
   * would leave size and mtime unchanged: the stat check cannot be trusted, so read again.
   */
  racy: boolean;
}

/** File timestamps come from a coarse clock (1-10 ms on Linux); stay well clear of it. */
const RACY_WINDOW_MS = 25;
/** Shortest wait after a reload before looking again for a write the watcher did not report. */
const MIN_SETTLE_MS = 50;
/**
 * How long a file must stay still after a failed read before the failure is reported: a slow
 * writer (a copy over a network disk) pauses between chunks, and its half-written file is not
 * an operator's mistake. Failures are not latency-critical; a false alarm is worse.
 */
const MIN_FAILURE_GRACE_MS = 250;
/** A manual reload re-reads this often at most while the file keeps moving under it. */
const MAX_STABLE_READ_ATTEMPTS = 3;

export interface ConfigReloaderDependencies {
  watch: WatchFunction;
  events?: EventEmitter2;
  readiness?: EventEmitterReadinessWatcher;
}

/**
 * One live config: the current frozen snapshot, its version and history, the watcher that
 * follows the file, and the notifications sent on each change. Inject the default instance as
 * `ConfigReloaderService`, a named one with `@InjectConfigReloader(name)`.
 */
export class ConfigReloaderService<T extends object = Record<string, unknown>>
  implements OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger('ConfigReloader');
  private readonly queue = new SerialQueue();
  private readonly notifier: ReloadNotifier<T>;
  private readonly loader: ConfigLoader<T>;
  private readonly holds: HoldRegistry;
  private readonly auditLog: AuditLog | undefined;
  private readonly isSecretKey: SecretKeyMatcher;
  private staged: StagedChange<T> | undefined;
  private lastInsecureWarning: string | undefined;
  private state!: AppliedState<T>;
  private history: ConfigHistoryEntry<T>[] = [];
  private lastSeen: LastSeen = { fingerprint: MISSING_FILE, racy: false };

  private watcher: ConfigFileWatcher | undefined;
  private scheduler: ReloadScheduler | undefined;
  private watchStarting: Promise<void> | undefined;
  private watchGeneration = 0;
  private stoppedOnPurpose = false;
  private destroyed = false;

  private readonly health = new ReloadHealthTracker();
  private readonly failures: ReloadFailureGate;

  constructor(
    private readonly options: ResolvedConfigReloaderOptions<T>,
    rules: ConfigValidationRules<T>,
    private readonly dependencies: ConfigReloaderDependencies,
  ) {
    this.loader = new ConfigLoader(options.configPath, rules, {
      maxFileBytes: options.maxFileBytes,
      filePermissions: options.filePermissions,
      onInsecureFile: (problem) => {
        // Once per problem, not on every read.
        if (problem === this.lastInsecureWarning) return;
        this.lastInsecureWarning = problem;
        this.logger.warn(`[${options.name}] ${problem}`);
      },
    });
    this.holds = new HoldRegistry(options.name, this.logger, () => this.applyStaged());
    this.failures = new ReloadFailureGate(Math.max(options.debounceMs, MIN_FAILURE_GRACE_MS));
    this.auditLog = options.auditLogPath ? new AuditLog(options.auditLogPath) : undefined;
    this.isSecretKey = createSecretKeyMatcher(options.secretKeys);
    this.notifier = new ReloadNotifier<T>({
      name: options.name,
      logger: this.logger,
      events: dependencies.events,
      readiness: dependencies.readiness,
      onReload: options.onReload,
      onError: options.onError,
    });
  }

  /** The current config: one deep-frozen snapshot (a DTO instance when a DTO is configured). */
  get config(): Readonly<T> {
    return this.state.config;
  }

  /** 1 after the initial load, +1 for each applied change. */
  get version(): number {
    return this.state.version;
  }

  /** Absolute path of the config file. */
  get configPath(): string {
    return this.options.configPath;
  }

  get name(): string {
    return this.options.name;
  }

  get isWatching(): boolean {
    return this.watcher?.isActive === true;
  }

  /**
   * Reads, validates and applies the initial config. Called once, while the module is created:
   * an app never starts on a missing or invalid config.
   */
  async load(): Promise<void> {
    const raw = await this.loader.read();
    this.rememberRead(raw, Date.now());
    const loaded = await this.loader.materialize(raw);
    this.swap(loaded, 'initial');
    this.audit({ event: 'loaded', source: 'initial', changes: [] }, loaded.raw);
    if (!this.dependencies.events) this.logger.warn(messages.noEventEmitter(this.name));
  }

  async onModuleInit(): Promise<void> {
    if (this.options.autoReload) await this.startWatching();
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    this.holds.clear();
    this.staged = undefined;
    await this.stopWatchingInternal();
    await this.queue.drain();
    await this.auditLog?.flush();
    this.notifier.clear();
  }

  /**
   * Reads the file now and applies it if it changed. Resolves with the config in force
   * afterwards (while a hold is active, a change is staged and the current config returned);
   * rejects with a `ConfigReloadError` and leaves the current config untouched when the file is
   * missing, invalid or vetoed. `notify: false` applies silently (no callback, listener or event).
   */
  reloadConfig({ notify = true }: { notify?: boolean } = {}): Promise<Readonly<T>> {
    return this.queue.run(async () => {
      this.assertOpen();
      const raw = await this.readStable();
      if (raw.hash === this.state.hash) {
        this.staged = undefined; // back to the applied content: nothing is pending any more
      } else if (raw.hash !== this.staged?.loaded.raw.hash) {
        const loaded = await this.loader.materialize(raw);
        await this.checkBeforeApply(loaded.config);
        this.assertOpen();
        this.apply({ loaded, source: 'manual', notify });
      }
      return this.state.config;
    });
  }

  /**
   * Writes the content of an earlier version back to the file (atomically: temp file, fsync,
   * rename; mode and owner kept) and applies it as a new version with source 'rollback'. It is
   * validated first; nothing changes when there is not that much history or the write fails.
   */
  rollback(steps = 1): Promise<Readonly<T>> {
    return this.queue.run(async () => {
      this.assertOpen();
      if (!Number.isInteger(steps) || steps < 1) {
        throw new ConfigRollbackError(this.configPath, messages.rollbackSteps(steps));
      }
      const target = this.history[this.history.length - 1 - steps];
      if (!target) {
        const available = this.history.length - 1;
        throw new ConfigRollbackError(
          this.configPath,
          messages.rollbackTooFar(this.name, steps, available),
        );
      }
      const validated = await this.loader.validate(target.rawText);
      await this.checkBeforeApply(validated.config);
      try {
        await writeFileAtomic(this.configPath, target.rawText, { fsync: true });
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
        throw new ConfigAccessError(
          this.configPath,
          messages.rollbackWrite(this.configPath, reason),
          { cause: error },
        );
      }
      // Apply what is now on disk, with its real fingerprint, so the watcher sees nothing new.
      const raw = await this.readStable();
      const loaded =
        raw.hash === target.hash ? { ...validated, raw } : await this.loader.materialize(raw);
      this.assertOpen();
      this.apply({ loaded, source: 'rollback', notify: true, rolledBackTo: target.version });
      return this.state.config;
    });
  }

  /**
   * Holds the config still ("don't reload mid-trade"): while any hold is active, validated
   * changes are staged (latest wins) and applied when the last hold is released. Returns the
   * idempotent release function. With `timeoutMs`, the hold releases itself with a warning.
   */
  hold(reason = 'hold', options: HoldOptions = {}): () => void {
    return this.holds.acquire(reason, options);
  }

  /** Starts following the file; resolves when every later write will be seen. Idempotent. */
  startWatching(): Promise<void> {
    if (this.destroyed) {
      return Promise.reject(new ConfigReloaderClosedError(this.name, this.configPath));
    }
    this.stoppedOnPurpose = false;
    this.watchStarting ??= this.startWatchingInternal().finally(() => {
      this.watchStarting = undefined;
    });
    return this.watchStarting;
  }

  /** Stops following the file: no watcher, timer or automatic reload remains. Idempotent. */
  async stopWatching(): Promise<void> {
    this.stoppedOnPurpose = true;
    await this.stopWatchingInternal();
  }

  /** Subscribes to applied changes (same payload as `'config_reloaded'`); returns the unsubscribe function. */
  onReload(listener: ConfigReloadListener<T>): () => void {
    return this.notifier.subscribe(listener);
  }

  getHealth(): ConfigReloaderHealth {
    return this.health.snapshot({
      name: this.name,
      version: this.version,
      isWatching: this.isWatching,
      watchLost: this.options.autoReload && !this.isWatching && !this.stoppedOnPurpose,
      pending: this.staged !== undefined,
      holds: this.holds.reasons,
    });
  }

  /** The applied versions kept (at most `historySize`), oldest first. */
  getHistory(): ConfigHistoryEntry<T>[] {
    return [...this.history];
  }

  private async startWatchingInternal(): Promise<void> {
    if (this.watcher) return;
    const generation = this.watchGeneration;
    const scheduler = new ReloadScheduler({
      debounceMs: this.options.debounceMs,
      settleMs: Math.max(this.options.debounceMs, MIN_SETTLE_MS),
      verifyIntervalMs: this.options.verifyIntervalMs,
      reload: () => this.reloadFromWatch(generation),
      verify: () => this.verifyFile(generation),
      onError: (error) => this.logger.error(messages.watcherError(this.name, describeError(error))),
    });
    const watcher = new ConfigFileWatcher(this.configPath, this.dependencies.watch, {
      usePolling: this.options.usePolling,
      pollingIntervalMs: this.options.pollingIntervalMs,
      onEvent: () => scheduler.requestReload(),
      onError: (error) => this.logger.warn(messages.watcherError(this.name, describeError(error))),
    });
    this.scheduler = scheduler;
    this.watcher = watcher;
    try {
      await watcher.start();
    } catch (error) {
      await this.stopWatchingInternal();
      throw error;
    }
    if (generation !== this.watchGeneration) {
      // stopWatching() was called while the watcher was starting.
      await watcher.close();
      return;
    }
    scheduler.start();
    // Catch a write made between the last read and the watcher becoming ready.
    await this.verifyFile(generation);
    // Polling compares against a first stat taken just after 'ready': look again once it has one.
    if (this.options.usePolling) scheduler.checkAfter(this.options.pollingIntervalMs * 2);
  }

  private async stopWatchingInternal(): Promise<void> {
    this.watchGeneration++;
    const { scheduler, watcher } = this;
    this.scheduler = undefined;
    this.watcher = undefined;
    this.failures.dropPending();
    await scheduler?.stop();
    await watcher?.close();
  }

  /** One automatic reload; never throws: a failure is reported, the current config kept. */
  private reloadFromWatch(generation: number): Promise<void> {
    return this.queue.run(async () => {
      if (generation !== this.watchGeneration || this.destroyed) return;
      const readStartedAt = Date.now();
      let raw: RawConfigFile;
      try {
        raw = await this.loader.read();
      } catch (error) {
        // Remember what the unreadable file looks like, so the check waits for it to move again.
        const fingerprint = await fingerprintFile(this.configPath).catch(() => MISSING_FILE);
        this.lastSeen = { fingerprint, racy: false };
        this.failures.failed(toReloadError(error, this.configPath));
        return;
      }
      this.rememberRead(raw, readStartedAt);
      // A write landed while we read: what we hold may be torn. Read again once it settles.
      if (raw.changedWhileReading) {
        this.scheduler?.requestReload();
        return;
      }
      if (raw.hash === this.state.hash) {
        this.recovered();
        this.staged = undefined;
        return;
      }
      if (this.failures.isKnownBad(raw.hash) || raw.hash === this.staged?.loaded.raw.hash) return;
      let loaded: LoadedConfig<T>;
      try {
        loaded = await this.loader.materialize(raw);
        await this.checkBeforeApply(loaded.config);
      } catch (error) {
        this.failures.failed(toReloadError(error, this.configPath), raw.hash);
        return;
      }
      if (generation !== this.watchGeneration || this.destroyed) return;
      this.apply({ loaded, source: 'watch', notify: true });
    });
  }

  /**
   * The cheap check: re-arms the watcher if its directory was replaced, reloads if the file moved
   * since it was last read, and otherwise reports a failure that was waiting for the file to settle.
   */
  private async verifyFile(generation: number): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler || generation !== this.watchGeneration) return;
    const rearmed = await this.watcher?.rearmIfMoved();
    // A stat that fails (permissions changed, say) counts as "moved": the reload reports why.
    const now = await fingerprintFile(this.configPath).catch(() => undefined);
    if (generation !== this.watchGeneration) return;
    if (
      rearmed ||
      now === undefined ||
      this.lastSeen.racy ||
      !sameFingerprint(now, this.lastSeen.fingerprint)
    ) {
      scheduler.requestReload();
      return;
    }
    const due = this.failures.due();
    if (due && 'report' in due) this.reportFailure(due.report, 'watch');
    else if (due) scheduler.checkAfter(due.waitMs);
    if (this.failures.shouldJudgeVetoAgain(this.options.verifyIntervalMs))
      scheduler.requestReload();
  }

  /** Reads again while the file changes under the read, so a manual reload never applies a torn write. */
  private async readStable(): Promise<RawConfigFile> {
    for (let attempt = 1; ; attempt++) {
      const readStartedAt = Date.now();
      const raw = await this.loader.read();
      this.rememberRead(raw, readStartedAt);
      if (!raw.changedWhileReading || attempt >= MAX_STABLE_READ_ATTEMPTS) return raw;
    }
  }

  private rememberRead(raw: RawConfigFile, readStartedAt: number): void {
    this.lastSeen = {
      fingerprint: raw.fingerprint,
      racy: readStartedAt - raw.fingerprint.mtimeMs < RACY_WINDOW_MS,
    };
  }

  /** The app's veto: runs after validation, before the swap (and again when a staged change applies). */
  private async checkBeforeApply(next: Readonly<T>): Promise<void> {
    const { beforeApply } = this.options;
    if (!beforeApply) return;
    try {
      await beforeApply(next, this.state.config);
    } catch (reason) {
      throw new ConfigRejectedError(this.configPath, reason);
    }
  }

  /** Swaps now, or stages the change while a hold is active (latest wins). */
  private apply(change: StagedChange<T>): void {
    this.recovered();
    if (this.holds.isHeld) {
      this.staged = change;
      this.logger.log(messages.staged(this.name, this.holds.reasons));
      return;
    }
    this.staged = undefined;
    this.commit(change);
  }

  /** The last hold is gone: apply the staged change, checked again against the world as it is now. */
  private applyStaged(): void {
    if (!this.staged) return;
    void this.queue.run(async () => {
      const change = this.staged;
      if (!change || this.holds.isHeld || this.destroyed) return;
      this.staged = undefined;
      try {
        await this.checkBeforeApply(change.loaded.config);
      } catch (error) {
        const failure = toReloadError(error, this.configPath);
        // Judged again later, like any veto of the content on disk.
        this.failures.vetoedNow(failure, change.loaded.raw.hash);
        this.reportFailure(failure, change.source);
        return;
      }
      this.commit(change);
    });
  }

  private commit({ loaded, source, notify, rolledBackTo }: StagedChange<T>): void {
    const previous = this.state;
    const changes = diffConfigs(previous.plain, loaded.plain);
    const changedPaths = pathsOf(changes);
    this.swap(loaded, source);
    this.health.applied(this.state.loadedAt);
    this.logger.log(messages.applied(this.name, this.state.version, changedPaths));
    this.audit(
      { event: 'reloaded', source, changes, previousVersion: previous.version, rolledBackTo },
      loaded.raw,
    );
    if (!notify) return;
    this.notifier.reloaded({
      name: this.name,
      newConfig: this.state.config,
      oldConfig: previous.config,
      version: this.state.version,
      previousVersion: previous.version,
      timestamp: this.state.loadedAt,
      changes: changedPaths,
      source,
    });
  }

  private swap(loaded: LoadedConfig<T>, source: HistorySource): void {
    const state: AppliedState<T> = {
      config: loaded.config,
      plain: loaded.plain,
      hash: loaded.raw.hash,
      rawText: loaded.raw.text,
      version: (this.state?.version ?? 0) + 1,
      loadedAt: new Date(),
    };
    this.state = state;
    this.history.push({
      version: state.version,
      config: state.config,
      loadedAt: state.loadedAt,
      hash: state.hash,
      source,
      rawText: state.rawText,
    });
    if (this.history.length > this.options.historySize) this.history.shift();
  }

  /** The source is back to a good state: failures stop counting as consecutive. */
  private recovered(): void {
    this.health.recovered();
    this.failures.clear();
  }

  private reportFailure(error: ConfigReloadError, source: ReloadSource): void {
    const at = new Date();
    this.health.failed(error, at);
    this.logger.error(messages.reloadFailed(this.name, source, error.message));
    this.audit({
      event: 'reload_failed',
      source,
      error: { code: error.code, message: error.message },
    });
    this.notifier.failed({
      name: this.name,
      error,
      timestamp: at,
      source,
      consecutiveErrors: this.health.consecutive,
    });
  }

  /** Appends to the audit log, if one is configured; a failing append is logged, never thrown. */
  private audit(
    record: Pick<AuditRecord, 'event' | 'source' | 'previousVersion' | 'rolledBackTo' | 'error'> & {
      changes?: ConfigChange[];
    },
    raw?: RawConfigFile,
  ): void {
    const log = this.auditLog;
    if (!log) return;
    const { changes, ...rest } = record;
    const line: AuditRecord = {
      time: new Date().toISOString(),
      name: this.name,
      version: this.state.version,
      user: processUser(),
      ...rest,
      hash: raw?.hash,
      fileOwnerUid: raw?.fingerprint.uid,
      changes: changes && redactChanges(changes, this.isSecretKey),
    };
    log.append(line).catch((error: unknown) => {
      this.logger.warn(messages.auditFailed(this.name, log.file, describeError(error)));
    });
  }

  private assertOpen(): void {
    if (this.destroyed) throw new ConfigReloaderClosedError(this.name, this.configPath);
  }
}

function toReloadError(error: unknown, configPath: string): ConfigReloadError {
  if (error instanceof ConfigReloadError) return error;
  // Reading maps every failure to a typed error; what is left comes from validation code
  // (a custom validator that throws): report it as a validation failure, never out of a timer.
  return new ConfigValidationError(configPath, [
    { path: '', message: messages.validatorThrew(describeError(error)) },
  ]);
}
