import type { ConfigVariant } from './config-source.interface.js';

/** Snapshot of one instance's state, for health checks and dashboards. */
export interface ConfigReloaderHealth {
  name: string;
  /**
   * 'up': the last attempt succeeded (and the file is watched when autoReload is on);
   * 'degraded': the last reload failed, watching stopped although autoReload is on, or a remote
   * source cannot reach its server (see `unavailableSince`);
   * 'down': the config file is gone.
   */
  status: 'up' | 'degraded' | 'down';
  isWatching: boolean;
  /**
   * How the source is followed while watching, null when not watching. The file source:
   * 'native' (inotify and the like) or 'polling' (asked for with `usePolling`, or fallen back
   * to by itself when the system ran out of watches or handles: ENOSPC, EMFILE).
   */
  watchMode: 'native' | 'polling' | (string & {}) | null;
  version: number;
  /** Applied reloads since start (the initial load not counted). */
  reloadCount: number;
  /** Failed reloads since start. */
  errorCount: number;
  /** Failed reloads since the last success. */
  consecutiveErrors: number;
  lastReloadAt: Date | null;
  /** Message of the last failure (never a secret value). */
  lastError: string | null;
  /** Stable code of the last failure, e.g. 'CONFIG_VALIDATION'. */
  lastErrorCode: string | null;
  lastErrorAt: Date | null;
  /**
   * Since when a remote source (etcd) has been unable to reach its server, while watching; the
   * config in force stays, `lastErrorCode` is 'CONFIG_UNAVAILABLE'. Null while it answers.
   */
  unavailableSince: Date | null;
  /** True while a validated change waits for the holds to be released. */
  pending: boolean;
  /** Reasons of the active holds. */
  holds: string[];
  /**
   * Which layers made the config in force: the overlays merged over the base (`overlayPaths` as
   * given; etcd overlay names) and the canary, if any. `{ overlays: [] }` without layers.
   */
  variant: ConfigVariant;
}
