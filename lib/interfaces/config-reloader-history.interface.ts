import type { ReloadSource } from './config-reloader-events.interface.js';

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
  /** The text this version came from; `rollback()` writes it back. */
  rawText: string;
}
