import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { messages } from './config-reloader.messages.js';
import type { ResolvedConfigReloaderOptions } from './config-reloader.options.js';
import {
  wireReloader,
  type ConfigReloaderDependencies,
  type ReloaderParts,
} from './config-reloader.wiring.js';
import type { ConfigValidationRules } from './pipeline/config.pipeline.js';
import type { HoldOptions } from './store/config-hold.registry.js';
import { variantOf } from './store/config.store.js';
import type { Observable } from 'rxjs';
import type {
  ConfigHistoryEntry,
  ConfigMetricsState,
  ConfigSourceKind,
  ConfigPathListener,
  ConfigReloaderHealth,
  ConfigReloadListener,
  PathValue,
} from './interfaces/index.js';

export type { ConfigReloaderDependencies } from './config-reloader.wiring.js';

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
  private readonly parts: ReloaderParts<T>;

  constructor(
    private readonly options: ResolvedConfigReloaderOptions<T>,
    rules: ConfigValidationRules<T>,
    dependencies: ConfigReloaderDependencies,
  ) {
    this.parts = wireReloader(options, rules, dependencies);
  }

  /** The current config: one deep-frozen snapshot (a DTO instance when a DTO is configured). */
  get config(): Readonly<T> {
    return this.parts.store.applied.config;
  }

  /** 1 after the initial load, +1 for each applied change. */
  get version(): number {
    return this.parts.store.applied.version;
  }

  /** Absolute path of the config file (file source only). */
  get configPath(): string | undefined {
    return this.options.configPath;
  }

  /** Names the source: `'file:/etc/bot/bot.json'`, `'etcd:/bots/trend'`. */
  get sourceId(): string {
    return this.parts.source.id;
  }

  get name(): string {
    return this.options.name;
  }

  get isWatching(): boolean {
    return this.parts.watching.isWatching;
  }

  /** Reads, validates and applies the initial config, while the module is created. */
  async load(): Promise<void> {
    await this.parts.coordinator.load();
    const { source, metrics } = this.parts;
    metrics.attach({
      name: this.name,
      source: sourceKindOf(source.id),
      state: () => this.metricsState(),
    });
    if (!this.parts.events) this.parts.logger.warn(messages.noEventEmitter(this.name));
  }

  async onModuleInit(): Promise<void> {
    if (this.options.autoReload) await this.startWatching();
  }

  async onModuleDestroy(): Promise<void> {
    const { holds, watching, coordinator, pipeline, source, notifier, selection } = this.parts;
    this.parts.metrics.detach();
    holds.clear();
    await watching.close();
    await coordinator.close();
    await pipeline.close();
    await source.close?.();
    notifier.clear();
    selection.complete();
  }

  /**
   * Reads the source now and applies it if it changed. Resolves with the config in force
   * afterwards (while a hold is active, a change is staged and the current config returned);
   * rejects with a `ConfigReloadError` and leaves the current config untouched when the source
   * is missing, invalid or vetoed. `notify: false` applies silently (no callback, listener or event).
   */
  reloadConfig({ notify = true }: { notify?: boolean } = {}): Promise<Readonly<T>> {
    return this.parts.coordinator.reload(notify);
  }

  /**
   * Writes the content of an earlier version back to the source (compare-and-swap against the
   * version in force: `ConfigConflictError` if it moved since) and applies it as a new version
   * with source 'rollback'. Validated and vetted first; nothing changes when anything fails.
   */
  rollback(steps = 1): Promise<Readonly<T>> {
    return this.parts.coordinator.rollback(steps);
  }

  /**
   * Holds the config still ("don't reload mid-trade"): while any hold is active, validated
   * changes are staged (latest wins) and applied when the last hold is released. Returns the
   * idempotent release function. With `timeoutMs`, the hold releases itself with a warning.
   */
  hold(reason = 'hold', options: HoldOptions = {}): () => void {
    return this.parts.holds.acquire(reason, options);
  }

  /** Starts following the source; resolves when every later change will be seen. Idempotent. */
  startWatching(): Promise<void> {
    return this.parts.watching.start();
  }

  /** Stops following the source: no watcher, timer or automatic reload remains. Idempotent. */
  stopWatching(): Promise<void> {
    return this.parts.watching.stop();
  }

  /** Subscribes to applied changes (same payload as `'config_reloaded'`); returns the unsubscribe function. */
  onReload(listener: ConfigReloadListener<T>): () => void {
    return this.parts.notifier.subscribe(listener);
  }

  /**
   * The selected slice now and whenever it changes (by identity: unchanged subtrees keep their
   * identity from version to version). Follows every applied version, `notify: false`
   * included; completes when the module is destroyed.
   */
  select<R>(selector: (config: Readonly<T>) => R): Observable<R> {
    return this.parts.selection.select(selector);
  }

  /**
   * Calls `listener` with `{ path, next, previous, version }` for each concrete path matching
   * `path` (dotted, `*` for one segment: `strategies.*.risk`) whose value changed in an applied
   * version. Not for the initial load; silenced by `notify: false`. Returns the unsubscribe function.
   */
  onChange<P extends string>(path: P, listener: ConfigPathListener<PathValue<T, P>>): () => void {
    return this.parts.notifier.onChange(path, listener as ConfigPathListener);
  }

  getHealth(): ConfigReloaderHealth {
    const { watching, health, store, holds } = this.parts;
    // Closing the module stops watching on purpose too.
    const watchLost = this.options.autoReload && !this.isWatching && !watching.stoppedOnPurpose;
    return health.snapshot({
      name: this.name,
      version: this.version,
      isWatching: this.isWatching,
      watchMode: watching.mode,
      watchLost,
      pending: store.staged !== undefined,
      holds: holds.reasons,
      variant: variantOf(store.applied.variant),
    });
  }

  /** What metrics read when collected: the figures of `getHealth()` and the version in force. */
  private metricsState(): ConfigMetricsState {
    const health = this.getHealth();
    const { revision, hash, loadedAt } = this.parts.store.applied;
    return {
      version: health.version,
      revision,
      hash,
      lastReloadSuccessful: health.consecutiveErrors === 0,
      lastSuccessAt: loadedAt,
      sourceConnected: health.unavailableSince === null,
      pending: health.pending,
      holds: health.holds.length,
    };
  }

  /** The applied versions kept (at most `historySize`), oldest first. */
  getHistory(): ConfigHistoryEntry<T>[] {
    return this.parts.store.history();
  }
}

/** The source's kind for metrics labels, from the prefix of its id (`file:…`, `etcd:…`). */
function sourceKindOf(id: string): ConfigSourceKind {
  if (id.startsWith('file:')) return 'file';
  return id.startsWith('etcd:') ? 'etcd' : 'custom';
}
