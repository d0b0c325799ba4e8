import type { SourceWatch } from '../../interfaces/config-source.interface.js';
import type { FileWatch } from './file.watch.js';

/**
 * The watches of the config file and of each overlay over it, as one: every one of them tells
 * the same listener "maybe changed", so an edit to any file starts the same debounced reload.
 */
export class FileSetWatch implements SourceWatch {
  private closed = false;

  constructor(
    private readonly watches: readonly FileWatch[],
    private readonly onClose: () => void,
  ) {}

  get active(): boolean {
    return !this.closed && this.watches.every((watch) => watch.active);
  }

  /** 'polling' as soon as one file is polled (asked for, or fallen back to). */
  get mode(): 'native' | 'polling' {
    return this.watches.some((watch) => watch.mode === 'polling') ? 'polling' : 'native';
  }

  /** Resolves once every later write to any of the files will be seen. */
  async start(signal?: AbortSignal): Promise<void> {
    const started = await Promise.allSettled(this.watches.map((watch) => watch.start(signal)));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      await this.close();
      throw failed.reason;
    }
  }

  /** The files were just read: each looks again after `delayMs` for a write no event reported. */
  readDone(delayMs: number): void {
    for (const watch of this.watches) watch.readDone(delayMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await Promise.all(this.watches.map((watch) => watch.close()));
  }
}
