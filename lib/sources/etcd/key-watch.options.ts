import type { IKeyValue } from 'etcd3';
import type { WatchMembers } from './watch-members.js';

export interface KeyWatchHandlers {
  /** The key (or one under the prefix) was put: the event carries the value and its `mod_revision`. */
  put(kv: IKeyValue): void;
  /** The key (or one under the prefix) was deleted. */
  deleted(kv: IKeyValue): void;
  /**
   * The revision to resume from was compacted away: events were lost. Read the key again (and
   * hand it over); resolves with the revision to watch from next.
   */
  resync(): Promise<string>;
  /**
   * The stream to etcd was lost (false, with the failure) or is established again (true). While
   * lost, every failed attempt to get back is reported too: its failure may differ (a member that
   * is back but refuses our credentials).
   */
  connectivity(connected: boolean, failure?: unknown): void;
  error(error: unknown): void;
}

/** One key, or every key that starts with `key` (`prefix`). */
export interface WatchRange {
  key: string;
  prefix?: boolean;
}

export interface KeyWatchOptions {
  /** Where to open the stream; the watch owns them and closes them with itself. */
  members: WatchMembers;
  /**
   * What to watch, all on one stream to one member: the config key and its fleet's records,
   * without the ranges nobody here needs (other instances' status records).
   */
  ranges: readonly WatchRange[];
  /** The first revision to report: one past the revision of the read the config came from. */
  fromRevision: string;
  /** Whether etcd answered the last read: the state to report changes from. */
  connected: boolean;
  /** Silence after which the member is asked for a progress report. */
  checkMs: number;
  /** How long etcd may take to create the watch or answer a progress request. */
  replyTimeoutMs: number;
}
