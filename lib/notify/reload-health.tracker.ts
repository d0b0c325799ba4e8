import { ConfigNotFoundError, type ConfigReloadError } from '../config-reloader.errors.js';
import type { ConfigReloaderHealth, ConfigVariant } from '../interfaces/index.js';

/** Counters and times behind `getHealth()`. */
export class ReloadHealthTracker {
  private reloadCount = 0;
  private errorCount = 0;
  private consecutiveErrors = 0;
  private lastReloadAt: Date | null = null;
  private lastError: ConfigReloadError | null = null;
  private lastErrorAt: Date | null = null;
  private unavailableSince: Date | null = null;

  get consecutive(): number {
    return this.consecutiveErrors;
  }

  applied(at: Date): void {
    this.reloadCount++;
    this.lastReloadAt = at;
    this.consecutiveErrors = 0;
  }

  /** The source is back to the applied content: failures stop counting as consecutive. */
  recovered(): void {
    this.consecutiveErrors = 0;
  }

  /** A remote source cannot reach its server: 'degraded' until it can, with since when. */
  unavailable(error: ConfigReloadError, at: Date): void {
    this.unavailableSince ??= at;
    this.lastError = error;
    this.lastErrorAt = at;
  }

  /** The source reaches its server again, or nobody watches it any more. */
  available(): void {
    this.unavailableSince = null;
  }

  get isUnavailable(): boolean {
    return this.unavailableSince !== null;
  }

  failed(error: ConfigReloadError, at: Date): void {
    this.errorCount++;
    this.consecutiveErrors++;
    this.lastError = error;
    this.lastErrorAt = at;
  }

  snapshot(state: {
    name: string;
    version: number;
    isWatching: boolean;
    /** How the source is followed while watching; null (the default) when not watching. */
    watchMode?: string | null;
    /** Watching was expected (autoReload on, not stopped on purpose) but is not running. */
    watchLost: boolean;
    pending: boolean;
    holds: string[];
    /** The layers of the config in force. */
    variant: ConfigVariant;
  }): ConfigReloaderHealth {
    const failing = this.consecutiveErrors > 0;
    const sourceGone = failing && this.lastError instanceof ConfigNotFoundError;
    return {
      name: state.name,
      status: sourceGone
        ? 'down'
        : failing || state.watchLost || this.unavailableSince
          ? 'degraded'
          : 'up',
      isWatching: state.isWatching,
      watchMode: state.watchMode ?? null,
      version: state.version,
      reloadCount: this.reloadCount,
      errorCount: this.errorCount,
      consecutiveErrors: this.consecutiveErrors,
      lastReloadAt: this.lastReloadAt,
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
      lastErrorAt: this.lastErrorAt,
      unavailableSince: this.unavailableSince,
      pending: state.pending,
      holds: state.holds,
      variant: state.variant,
    };
  }
}
