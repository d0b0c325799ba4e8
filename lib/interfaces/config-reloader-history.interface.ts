import type { ReloadSource } from './config-reloader-events.interface.js';
import type { ConfigVariant } from './config-source.interface.js';

/** Where an applied config came from: the initial load, or what triggered the reload. */
export type HistorySource = 'initial' | ReloadSource;

/** One applied version, as `getHistory()` lists them (newest last). */
export interface ConfigHistoryEntry<T = unknown> {
  version: number;
  config: Readonly<T>;
  loadedAt: Date;
  /** sha256 of the source text, hex. */
  hash: string;
  /** The source's revision of this version (the file source: the content hash; etcd: `mod_revision`). */
  revision: string;
  source: HistorySource;
  /** The text this version came from: the effective document when layers made it. */
  rawText: string;
  /** The layers that made this version (`overlayPaths`, etcd overlays, a canary); `{ overlays: [] }` without. */
  variant: ConfigVariant;
  /**
   * The base document the layers were merged over, present only when layers made this version.
   * `rollback()` writes back this base (`baseText ?? rawText`), never the effective document:
   * the layers stay as they are and are merged over it again.
   */
  baseText?: string;
}
