import { messages } from '../../config-reloader.messages.js';
import type { SourceListener, SourceWatch } from '../../interfaces/config-source.interface.js';
import { DirectoryWatcher, type WatchFunction } from './directory.watcher.js';

export interface FileWatchOptions {
  watch: WatchFunction;
  usePolling: boolean;
  pollingIntervalMs: number;
  /** Interval of the cheap stat check; 0 disables it. */
  verifyIntervalMs: number;
  /** Told once when native watching fails and polling takes over. */
  onWarning: (message: string) => void;
}

/** Native watchers report these when the system runs out of inotify watches or file handles. */
const EXHAUSTED = new Set(['ENOSPC', 'EMFILE']);

/**
 * Follows one config file: a directory watcher (native, or polling when asked or when native
 * watching fails) plus a cheap periodic check of size, mtime, inode, mode and symlink target,
 * which catches what a watcher drops. Every signal is "maybe changed"; the content hash decides.
 */
export class FileWatch implements SourceWatch {
  private watcher: DirectoryWatcher | undefined;
  private polling: boolean;
  private interval: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private checking = false;
  private closed = false;
  /**
   * A watcher event or the cheap check already said "moved" and no read has happened since: the
   * cheap check saying it again would only restart the reload path's quiet period (a 1 s
   * debounce became 2 s), again and again, and the reload would starve.
   */
  private movedSignalled = false;

  constructor(
    private readonly path: string,
    /** Whether the file moved since it was last read (a cheap stat, no read). */
    private readonly hasMoved: () => Promise<boolean>,
    private readonly listener: SourceListener,
    private readonly options: FileWatchOptions,
    private readonly onClose: () => void,
  ) {
    this.polling = options.usePolling;
  }

  get active(): boolean {
    return !this.closed && this.watcher?.isActive === true;
  }

  get mode(): 'native' | 'polling' {
    return this.polling ? 'polling' : 'native';
  }

  /** Resolves once every later write will be seen (or at once when `signal` aborts first). */
  async start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    if (signal?.aborted) return this.close();
    await this.arm();
    if (this.closed) return;
    if (this.options.verifyIntervalMs > 0) {
      this.interval = setInterval(() => void this.check(), this.options.verifyIntervalMs);
    }
    // A write made between the last read and the watcher becoming ready must not be lost.
    await this.check();
    // Polling compares against a first stat taken just after 'ready': look again once it has one.
    if (this.polling) this.checkAfter(this.options.pollingIntervalMs * 2);
  }

  /** The file was just read: look again after `delayMs` for a write no event reported. */
  readDone(delayMs: number): void {
    this.movedSignalled = false;
    this.checkAfter(delayMs);
  }

  /** Runs the cheap check after `delayMs` (replacing an earlier pending one). */
  private checkAfter(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.check();
    }, delayMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.interval);
    clearTimeout(this.settleTimer);
    this.interval = this.settleTimer = undefined;
    this.onClose();
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }

  private async arm(): Promise<void> {
    const watcher = new DirectoryWatcher(this.path, this.options.watch, {
      usePolling: this.polling,
      pollingIntervalMs: this.options.pollingIntervalMs,
      onEvent: () => {
        // The path now knows a read is due: the cheap check need not say so again.
        this.movedSignalled = true;
        this.listener.changed();
      },
      onError: (error) => this.onWatcherError(error),
    });
    this.watcher = watcher;
    await watcher.start();
    if (this.closed) await watcher.close();
  }

  private onWatcherError(error: unknown): void {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (!this.polling && code !== undefined && EXHAUSTED.has(code)) {
      void this.fallBackToPolling(code);
      return;
    }
    this.listener.error(error);
  }

  /** The native watcher cannot work here (no inotify watches or handles left): poll instead. */
  private async fallBackToPolling(code: string): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    this.options.onWarning(messages.pollingFallback(code));
    const native = this.watcher;
    this.watcher = undefined;
    try {
      await native?.close();
      if (this.closed) return;
      await this.arm();
    } catch (error) {
      this.listener.error(error);
      return;
    }
    // Whatever was written while no watcher listened.
    this.listener.changed();
  }

  /** Re-arms a watcher whose directory was replaced, and signals when the file moved. */
  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const rearmed = (await this.watcher?.rearmIfMoved()) ?? false;
      if (this.closed) return;
      const moved = rearmed || (await this.hasMoved());
      if (this.closed || !moved || (this.movedSignalled && !rearmed)) return;
      this.movedSignalled = true;
      this.listener.changed();
    } catch (error) {
      this.listener.error(error);
    } finally {
      this.checking = false;
    }
  }
}
