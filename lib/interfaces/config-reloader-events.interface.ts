import type { ConfigReloadError } from '../config-reloader.errors.js';

/** What caused a reload: a file event (or the periodic check), `reloadConfig()`, or `rollback()`. */
export type ReloadSource = 'watch' | 'manual' | 'rollback';

/** Payload of `'config_reloaded'`, and what `service.onReload()` listeners receive. */
export interface ConfigReloadedEvent<T = unknown> {
  name: string;
  newConfig: Readonly<T>;
  oldConfig: Readonly<T>;
  version: number;
  previousVersion: number;
  timestamp: Date;
  /** Dotted paths that differ, array indices as numbers: `strategies.3.risk.stopLoss`. */
  changes: string[];
  source: ReloadSource;
}

/** Payload of `'config_reload_failed'`. */
export interface ConfigReloadFailedEvent {
  name: string;
  error: ConfigReloadError;
  timestamp: Date;
  source: ReloadSource;
  consecutiveErrors: number;
}

export type ConfigReloadListener<T = unknown> = (
  event: ConfigReloadedEvent<T>,
) => void | Promise<void>;
