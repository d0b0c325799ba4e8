import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { changedPaths } from './config.diff.js';
import type { ConfigLoader, LoadedConfig } from './config.loader.js';
import {
  fingerprintFile,
  MISSING_FILE,
  sameFingerprint,
  type FingerprintOrMissing,
  type RawConfigFile,
} from './config-file.reader.js';
import { ConfigFileWatcher, type WatchFunction } from './config-file.watcher.js';
import {
  ConfigNotFoundError,
  ConfigReloadError,
  ConfigReloaderClosedError,
  describeError,
} from './config-reloader.errors.js';
import { messages } from './config-reloader.messages.js';
import type { ResolvedConfigReloaderOptions } from './config-reloader.options.js';
import { ReloadNotifier } from './reload.notifier.js';
import { ReloadScheduler } from './reload.scheduler.js';
import { SerialQueue } from './serial-queue.js';
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
  version: number;
  loadedAt: Date;
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
/** Shortest wait before deciding that a failed read was not a write still in progress. */
const MIN_SETTLE_MS = 50;
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
  private state!: AppliedState<T>;
  private history: ConfigHistoryEntry<T>[] = [];
  private lastSeen: LastSeen = { fingerprint: MISSING_FILE, racy: false };

  private watcher: ConfigFileWatcher | undefined;
  private scheduler: ReloadScheduler | undefined;
  private watchStarting: Promise<void> | undefined;
  private watchGeneration = 0;
  private stoppedOnPurpose = false;
  private destroyed = false;

  /** A failed automatic reload waits here until the file is seen to be still: it may be half-written. */
  private pendingFailure: ConfigReloadError | undefined;
  /** Hash of the bad content (or code and message of the read error) already reported. */
  private reportedFailure: string | undefined;

  private reloadCount = 0;
  private errorCount = 0;
  private consecutiveErrors = 0;
  private lastReloadAt: Date | null = null;
  private lastError: ConfigReloadError | null = null;
  private lastErrorAt: Date | null = null;

  constructor(
    private readonly options: ResolvedConfigReloaderOptions<T>,
    private readonly loader: ConfigLoader<T>,
    private readonly dependencies: ConfigReloaderDependencies,
  ) {
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
    if (!this.dependencies.events) this.logger.warn(messages.noEventEmitter(this.name));
  }

  async onModuleInit(): Promise<void> {
    if (this.options.autoReload) await this.startWatching();
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    await this.stopWatchingInternal();
    await this.queue.drain();
    this.notifier.clear();
  }

  /**
   * Reads the file now and applies it if it changed. Resolves with the config in force
   * afterwards; rejects with a `ConfigReloadError` and leaves the current config untouched when
   * the file is missing or invalid. `notify: false` applies silently (no callback, listener or event).
   */
  reloadConfig({ notify = true }: { notify?: boolean } = {}): Promise<Readonly<T>> {
    return this.queue.run(async () => {
      this.assertOpen();
      const raw = await this.readStable();
      if (raw.hash !== this.state.hash) {
        const loaded = await this.loader.materialize(raw);
        this.assertOpen();
        this.apply(loaded, 'manual', notify);
      }
      return this.state.config;
    });
  }

  /** Starts following the file; resolves when every later write will be seen. Idempotent. */
  startWatching(): Promise<void> {
    if (this.destroyed)
      return Promise.reject(new ConfigReloaderClosedError(this.name, this.configPath));
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
    const sourceGone = this.consecutiveErrors > 0 && this.lastError instanceof ConfigNotFoundError;
    const watchLost = this.options.autoReload && !this.isWatching && !this.stoppedOnPurpose;
    return {
      name: this.name,
      status: sourceGone ? 'down' : this.consecutiveErrors > 0 || watchLost ? 'degraded' : 'up',
      isWatching: this.isWatching,
      version: this.version,
      reloadCount: this.reloadCount,
      errorCount: this.errorCount,
      consecutiveErrors: this.consecutiveErrors,
      lastReloadAt: this.lastReloadAt,
      lastError: this.lastError?.message ?? null,
      lastErrorAt: this.lastErrorAt,
      pending: false,
    };
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
    this.pendingFailure = undefined;
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
        this.deferFailure(error);
        return;
      }
      this.rememberRead(raw, readStartedAt);
      // A write landed while we read: what we hold may be torn. Read again once it settles.
      const now = await fingerprintFile(this.configPath).catch(() => MISSING_FILE);
      if (!sameFingerprint(now, raw.fingerprint)) {
        this.scheduler?.requestReload();
        return;
      }
      if (raw.hash === this.state.hash) {
        this.recovered();
        return;
      }
      if (raw.hash === this.reportedFailure) return;
      let loaded: LoadedConfig<T>;
      try {
        loaded = await this.loader.materialize(raw);
      } catch (error) {
        this.deferFailure(error, raw.hash);
        return;
      }
      if (generation !== this.watchGeneration || this.destroyed) return;
      this.apply(loaded, 'watch', true);
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
    if (now === undefined) {
      scheduler.requestReload();
      return;
    }
    if (rearmed || this.lastSeen.racy || !sameFingerprint(now, this.lastSeen.fingerprint)) {
      scheduler.requestReload();
      return;
    }
    const failure = this.pendingFailure;
    if (failure) {
      this.pendingFailure = undefined;
      this.reportFailure(failure, 'watch');
    }
  }

  /** Reads until two consecutive looks at the file agree, so a manual reload never applies a torn write. */
  private async readStable(): Promise<RawConfigFile> {
    for (let attempt = 1; ; attempt++) {
      const readStartedAt = Date.now();
      const raw = await this.loader.read();
      this.rememberRead(raw, readStartedAt);
      const now = await fingerprintFile(this.configPath).catch(() => MISSING_FILE);
      if (sameFingerprint(now, raw.fingerprint) || attempt >= MAX_STABLE_READ_ATTEMPTS) return raw;
    }
  }

  private rememberRead(raw: RawConfigFile, readStartedAt: number): void {
    this.lastSeen = {
      fingerprint: raw.fingerprint,
      racy: readStartedAt - raw.fingerprint.mtimeMs < RACY_WINDOW_MS,
    };
  }

  private apply(loaded: LoadedConfig<T>, source: ReloadSource, notify: boolean): void {
    const previous = this.state;
    const changes = changedPaths(previous.plain, loaded.plain);
    this.swap(loaded, source);
    this.reloadCount++;
    this.lastReloadAt = this.state.loadedAt;
    this.recovered();
    this.logger.log(messages.applied(this.name, this.state.version, changes));
    if (!notify) return;
    this.notifier.reloaded({
      name: this.name,
      newConfig: this.state.config,
      oldConfig: previous.config,
      version: this.state.version,
      previousVersion: previous.version,
      timestamp: this.state.loadedAt,
      changes,
      source,
    });
  }

  private swap(loaded: LoadedConfig<T>, source: HistorySource): void {
    const state: AppliedState<T> = {
      config: loaded.config,
      plain: loaded.plain,
      hash: loaded.raw.hash,
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
    });
    if (this.history.length > this.options.historySize) this.history.shift();
  }

  /** The file is back to a good state: failures stop counting as consecutive. */
  private recovered(): void {
    this.consecutiveErrors = 0;
    this.pendingFailure = undefined;
    this.reportedFailure = undefined;
  }

  private deferFailure(error: unknown, hash?: string): void {
    const failure = toReloadError(error, this.configPath);
    // Reported once per bad content (or once per unreadable state), not on every look at it.
    const key = hash ?? `${failure.code}:${failure.message}`;
    if (key === this.reportedFailure) return;
    this.reportedFailure = key;
    this.pendingFailure = failure;
  }

  private reportFailure(error: ConfigReloadError, source: ReloadSource): void {
    this.errorCount++;
    this.consecutiveErrors++;
    this.lastError = error;
    this.lastErrorAt = new Date();
    this.logger.error(messages.reloadFailed(this.name, source, error.message));
    this.notifier.failed({
      name: this.name,
      error,
      timestamp: this.lastErrorAt,
      source,
      consecutiveErrors: this.consecutiveErrors,
    });
  }

  private assertOpen(): void {
    if (this.destroyed) throw new ConfigReloaderClosedError(this.name, this.configPath);
  }
}

function toReloadError(error: unknown, configPath: string): ConfigReloadError {
  if (error instanceof ConfigReloadError) return error;
  // Anything else (a bug in a custom validator, say) is still reported, never thrown out of a timer.
  return new ConfigReloadError('CONFIG_ACCESS', describeError(error), configPath, { cause: error });
}
