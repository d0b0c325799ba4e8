/** Where an applied config came from: the initial load, a file change, `reloadConfig()`, or `rollback()`. */
export type HistorySource = 'initial' | 'watch' | 'manual' | 'rollback';

/** One applied version, as `getHistory()` lists them (newest last). */
export interface ConfigHistoryEntry<T = unknown> {
  version: number;
  config: Readonly<T>;
  loadedAt: Date;
  /** sha256 of the file's bytes, hex. */
  hash: string;
  source: HistorySource;
  /** The file's text this version came from; `rollback()` writes it back. */
  rawText: string;
}
