/**
 * Measures the longest stretch the event loop spent without coming back to the check phase: a
 * chain of `setImmediate` callbacks notes the time between consecutive ones. While it runs, the
 * loop never sleeps, so every gap is one loop turn: the longest synchronous piece of work (plus
 * the microtasks after it) that ran meanwhile. `monitorEventLoopDelay` samples with a timer and
 * rounds to its resolution; this sees every turn.
 */
export class EventLoopGapProbe {
  private longest = 0;
  private last = 0;
  private running = false;
  private stopped: (() => void) | undefined;

  start(): void {
    this.longest = 0;
    this.running = true;
    this.last = performance.now();
    setImmediate(() => this.tick());
  }

  /** Stops after one more turn (so the last stretch counts) and resolves with the longest gap, ms. */
  stop(): Promise<number> {
    return new Promise((resolve) => {
      this.stopped = () => resolve(this.longest);
      this.running = false;
    });
  }

  private tick(): void {
    const now = performance.now();
    this.longest = Math.max(this.longest, now - this.last);
    this.last = now;
    if (this.running) setImmediate(() => this.tick());
    else this.stopped?.();
  }
}
