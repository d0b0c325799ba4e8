import { realpath, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ChokidarOptions, FSWatcher } from 'chokidar';

/** The shape of chokidar's `watch`; provided through `CONFIG_WATCH_FUNCTION` so tests can swap it. */
export type WatchFunction = (paths: string | string[], options?: ChokidarOptions) => FSWatcher;

export interface DirectoryWatcherOptions {
  usePolling: boolean;
  pollingIntervalMs: number;
  /** Called for every event in a watched directory: "the config may have changed". */
  onEvent: () => void;
  onError: (error: unknown) => void;
}

/**
 * Watches the directory that holds the config file (and, when the path is a symlink, the
 * directory of its target), never the file itself: editors replace the file by renaming a temp
 * file over it and Kubernetes swaps a `..data` symlink, and a watch on the old inode goes deaf.
 * Any event counts as "maybe changed"; the reloader's content hash decides.
 */
export class DirectoryWatcher {
  private watcher: FSWatcher | undefined;
  private armedFor = '';
  private relevantNames = new Set<string>();
  private watchedDirectories = new Set<string>();
  /** Ends a `start()` still waiting for 'ready' when the watcher is closed first. */
  private abandonStart: (() => void) | undefined;
  /** Counts close() calls, so that work begun before one gives up instead of arming a watcher. */
  private closes = 0;

  constructor(
    private readonly configPath: string,
    private readonly watch: WatchFunction,
    private readonly options: DirectoryWatcherOptions,
  ) {}

  get isActive(): boolean {
    return this.watcher !== undefined;
  }

  /**
   * Starts watching; resolves once the watcher is ready to report changes, or as soon as it is
   * closed before that (chokidar's close() drops the 'ready' listener, which would never fire).
   */
  async start(): Promise<void> {
    if (this.watcher) return;
    const closes = this.closes;
    const identity = await this.directoryIdentity();
    if (closes !== this.closes) return; // closed while resolving: create no watcher
    const watcher = this.watch(identity.directories, {
      depth: 0,
      ignoreInitial: true,
      persistent: true,
      // Temp-file saves and symlink swaps must come through as events, not be folded away.
      atomic: false,
      followSymlinks: false,
      ignorePermissionErrors: true,
      usePolling: this.options.usePolling,
      interval: this.options.pollingIntervalMs,
      binaryInterval: this.options.pollingIntervalMs,
    });
    this.watcher = watcher;
    this.armedFor = identity.key;
    this.watchedDirectories = new Set(identity.directories);
    this.relevantNames = new Set([basename(this.configPath), basename(identity.target)]);
    watcher.on('all', (_event, path) => {
      if (this.isRelevant(path)) this.options.onEvent();
    });
    watcher.on('error', (error) => this.options.onError(error));
    await new Promise<void>((resolve) => {
      this.abandonStart = resolve;
      watcher.once('ready', () => resolve());
    });
    this.abandonStart = undefined;
  }

  /**
   * Restarts the watch when a watched directory was replaced (removed and created again, or the
   * symlink now leads elsewhere): the old watch would never report anything again.
   */
  async rearmIfMoved(): Promise<boolean> {
    if (!this.watcher) return false;
    const closes = this.closes;
    const identity = await this.directoryIdentity();
    if (closes !== this.closes || identity.key === this.armedFor) return false;
    await this.close();
    await this.start();
    return true;
  }

  /**
   * Events about the config file (under its own or its target's name), the watched directories
   * themselves, or Kubernetes' `..data` entries. Other files in a busy directory (logs, say) are
   * ignored: they would keep restarting the quiet period. What this misses, the periodic check finds.
   */
  private isRelevant(path: string): boolean {
    const name = basename(path);
    return (
      this.relevantNames.has(name) || name.startsWith('..') || this.watchedDirectories.has(path)
    );
  }

  async close(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    this.armedFor = '';
    this.closes++;
    this.abandonStart?.();
    this.abandonStart = undefined;
    if (!watcher) return;
    clearThrottleTimers(watcher);
    await watcher.close();
  }

  private async directoryIdentity(): Promise<{
    directories: string[];
    target: string;
    key: string;
  }> {
    const target = await realpath(this.configPath).catch(() => this.configPath);
    const directories = [...new Set([dirname(this.configPath), dirname(target)])];
    const inodes = await Promise.all(
      directories.map((directory) =>
        stat(directory).then(
          (stats) => `${stats.dev}:${stats.ino}`,
          () => 'missing',
        ),
      ),
    );
    return { directories, target, key: directories.map((d, i) => `${d}=${inodes[i]}`).join('|') };
  }
}

type ThrottleTable = Map<string, Map<string, { clear(): void }>>;

/**
 * chokidar's close() (4.x and 5.x alike) drops its event-throttle table without clearing the
 * timers in it (up to 1 s each), which keeps the process alive after shutdown. Clear them first;
 * if a later chokidar no longer has the table, there is nothing to do.
 */
function clearThrottleTimers(watcher: FSWatcher): void {
  const table = (watcher as unknown as { _throttled?: ThrottleTable })._throttled;
  if (!(table instanceof Map)) return;
  for (const byPath of table.values()) {
    for (const entry of byPath.values()) entry.clear();
  }
}
