import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { messages } from './config-reloader.messages.js';
import type { ResolvedConfigReloaderOptions } from './config-reloader.options.js';
import { AuditLog } from './notify/audit.log.js';
import { ReloadHealthTracker } from './notify/reload-health.tracker.js';
import { ReloadNotifier } from './notify/reload.notifier.js';
import { ReloadReporter } from './notify/reload.reporter.js';
import { ConfigPipeline, type ConfigValidationRules } from './pipeline/config.pipeline.js';
import { createSecretKeyMatcher } from './pipeline/secret-redaction.js';
import { ReloadCoordinator } from './reload/reload.coordinator.js';
import { ReloadFailureGate } from './reload/reload-failure.gate.js';
import { WatchController } from './reload/watch.controller.js';
import type { ConfigSource } from './sources/config-source.interface.js';
import { HoldRegistry, type HoldOptions } from './store/config-hold.registry.js';
import { ConfigStore } from './store/config.store.js';
import type {
  ConfigHistoryEntry,
  ConfigReloaderHealth,
  ConfigReloadListener,
} from './interfaces/index.js';

/** Shortest wait after a reload before the quiet check looks at waiting failures. */
const MIN_SETTLE_MS = 50;
/**
 * How long a source must stay still after a failed read before the failure is reported: a slow
 * writer (a copy over a network disk) pauses between chunks, and its half-written file is not
 * an operator's mistake. Failures are not latency-critical; a false alarm is worse.
 */
const MIN_FAILURE_GRACE_MS = 250;

export interface ConfigReloaderDependencies {
  source: ConfigSource;
  events?: EventEmitter2;
  readiness?: EventEmitterReadinessWatcher;
}

/**
 * One live config: the current frozen snapshot, its version and history, the watch that
 * follows its source, and the notifications sent on each change. Inject the default instance as
 * `ConfigReloaderService`, a named one with `@InjectConfigReloader(name)`.
 *
 * A facade: the reload path is `ReloadCoordinator`, watching is `WatchController`, the applied
 * state is `ConfigStore`, and telling others is `ReloadReporter`.
 */
export class ConfigReloaderService<T extends object = Record<string, unknown>>
  implements OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger('ConfigReloader');
  private readonly source: ConfigSource;
  private readonly store: ConfigStore<T>;
  private readonly holds: HoldRegistry;
  private readonly health = new ReloadHealthTracker();
  private readonly notifier: ReloadNotifier<T>;
  private readonly coordinator: ReloadCoordinator<T>;
  private readonly watching: WatchController;

  constructor(
    private readonly options: ResolvedConfigReloaderOptions<T>,
    rules: ConfigValidationRules<T>,
    private readonly dependencies: ConfigReloaderDependencies,
  ) {
    const { name, debounceMs, verifyIntervalMs } = options;
    const source = (this.source = dependencies.source);
    const where = options.configPath ?? source.id;
    const failures = new ReloadFailureGate(Math.max(debounceMs, MIN_FAILURE_GRACE_MS));
    this.store = new ConfigStore<T>(options.historySize);
    this.holds = new HoldRegistry(name, this.logger, () => this.coordinator.releaseStaged());
    this.notifier = new ReloadNotifier<T>({
      name,
      logger: this.logger,
      events: dependencies.events,
      readiness: dependencies.readiness,
      onReload: options.onReload,
      onError: options.onError,
    });
    const reporter = new ReloadReporter<T>({
      name,
      where,
      logger: this.logger,
      source,
      notifier: this.notifier,
      health: this.health,
      auditLog: options.auditLogPath ? new AuditLog(options.auditLogPath) : undefined,
      auditFailure: options.auditFailure,
      isSecretKey: createSecretKeyMatcher(options.secretKeys),
    });
    this.coordinator = new ReloadCoordinator<T>({
      name,
      where,
      source,
      pipeline: new ConfigPipeline<T>(rules, where),
      store: this.store,
      holds: this.holds,
      reporter,
      health: this.health,
      failures,
      beforeApply: options.beforeApply,
    });
    this.watching = new WatchController({
      name,
      where,
      source,
      coordinator: this.coordinator as unknown as ReloadCoordinator<object>,
      failures,
      logger: this.logger,
      debounceMs,
      settleMs: Math.max(debounceMs, MIN_SETTLE_MS),
      verifyIntervalMs,
    });
  }

  /** The current config: one deep-frozen snapshot (a DTO instance when a DTO is configured). */
  get config(): Readonly<T> {
    return this.store.applied.config;
  }

  /** 1 after the initial load, +1 for each applied change. */
  get version(): number {
    return this.store.applied.version;
  }

  /** Absolute path of the config file (file source only). */
  get configPath(): string | undefined {
    return this.options.configPath;
  }

  /** Names the source: `'file:/etc/bot/bot.json'`, `'etcd:/bots/trend'`. */
  get sourceId(): string {
    return this.source.id;
  }

  get name(): string {
    return this.options.name;
  }

  get isWatching(): boolean {
    return this.watching.isWatching;
  }

  /** Reads, validates and applies the initial config, while the module is created. */
  async load(): Promise<void> {
    await this.coordinator.load();
    if (!this.dependencies.events) this.logger.warn(messages.noEventEmitter(this.name));
  }

  async onModuleInit(): Promise<void> {
    if (this.options.autoReload) await this.startWatching();
  }

  async onModuleDestroy(): Promise<void> {
    this.holds.clear();
    await this.watching.close();
    await this.coordinator.close();
    await this.source.close?.();
    this.notifier.clear();
  }

  /**
   * Reads the source now and applies it if it changed. Resolves with the config in force
   * afterwards (while a hold is active, a change is staged and the current config returned);
   * rejects with a `ConfigReloadError` and leaves the current config untouched when the source
   * is missing, invalid or vetoed. `notify: false` applies silently (no callback, listener or event).
   */
  reloadConfig({ notify = true }: { notify?: boolean } = {}): Promise<Readonly<T>> {
    return this.coordinator.reload(notify);
  }

  /**
   * Writes the content of an earlier version back to the source (compare-and-swap against the
   * version in force: `ConfigConflictError` if it moved since) and applies it as a new version
   * with source 'rollback'. Validated and vetted first; nothing changes when anything fails.
   */
  rollback(steps = 1): Promise<Readonly<T>> {
    return this.coordinator.rollback(steps);
  }

  /**
   * Holds the config still ("don't reload mid-trade"): while any hold is active, validated
   * changes are staged (latest wins) and applied when the last hold is released. Returns the
   * idempotent release function. With `timeoutMs`, the hold releases itself with a warning.
   */
  hold(reason = 'hold', options: HoldOptions = {}): () => void {
    return this.holds.acquire(reason, options);
  }

  /** Starts following the source; resolves when every later change will be seen. Idempotent. */
  startWatching(): Promise<void> {
    return this.watching.start();
  }

  /** Stops following the source: no watcher, timer or automatic reload remains. Idempotent. */
  stopWatching(): Promise<void> {
    return this.watching.stop();
  }

  /** Subscribes to applied changes (same payload as `'config_reloaded'`); returns the unsubscribe function. */
  onReload(listener: ConfigReloadListener<T>): () => void {
    return this.notifier.subscribe(listener);
  }

  getHealth(): ConfigReloaderHealth {
    // Closing the module stops watching on purpose too.
    const watchLost =
      this.options.autoReload && !this.isWatching && !this.watching.stoppedOnPurpose;
    return this.health.snapshot({
      name: this.name,
      version: this.version,
      isWatching: this.isWatching,
      watchMode: this.watching.mode,
      watchLost,
      pending: this.store.staged !== undefined,
      holds: this.holds.reasons,
    });
  }

  /** The applied versions kept (at most `historySize`), oldest first. */
  getHistory(): ConfigHistoryEntry<T>[] {
    return this.store.history();
  }
}
