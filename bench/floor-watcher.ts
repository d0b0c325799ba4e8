import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { BarePipeline } from './bare-pipeline.js';
import { epochNow, markerKey, markerOf } from './fixtures.js';

type Waiter = { seq: number; resolve: (at: number | undefined) => void; timer: NodeJS.Timeout };

/**
 * The detection floor: raw `fs.watch` on the directory, and on every event (no debounce) a read
 * of the file and the bare pipeline on its text. A read already running is followed by one more
 * when events arrived meanwhile. Content that does not parse or validate yet (a write in progress)
 * is skipped; the next event reads again.
 */
export class FloorWatcher {
  private readonly watcher: FSWatcher;
  private reading = false;
  private dirty = false;
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(
    directory: string,
    private readonly file: string,
    private readonly pipeline: BarePipeline,
  ) {
    this.watcher = watch(directory, () => this.kick());
  }

  waitFor(seq: number, timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push({ seq: markerKey(seq), resolve, timer });
    });
  }

  close(): void {
    this.closed = true;
    this.watcher.close();
    for (const waiter of this.waiters) clearTimeout(waiter.timer);
    this.waiters = [];
  }

  private kick(): void {
    if (this.closed) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    this.reading = true;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    do {
      this.dirty = false;
      try {
        const config = await this.pipeline(await readFile(this.file, 'utf8'));
        this.arrived(markerOf(config), epochNow());
      } catch {
        // Torn or missing content: a later event will bring the complete one.
      }
    } while (this.dirty && !this.closed);
    this.reading = false;
  }

  private arrived(seq: number, at: number): void {
    const ready = this.waiters.filter((waiter) => waiter.seq === seq);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => waiter.seq !== seq);
    for (const waiter of ready) {
      clearTimeout(waiter.timer);
      waiter.resolve(at);
    }
  }
}
