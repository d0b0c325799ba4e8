export interface ReloadSchedulerOptions {
  /** Quiet period after the last change signal before a reload runs (trailing debounce). */
  debounceMs: number;
  /** Delay of the check made after each reload, which catches writes the watcher did not report. */
  settleMs: number;
  /** Interval of the periodic check; 0 disables it. */
  verifyIntervalMs: number;
  /** Performs one reload. Must not throw; errors are the caller's to report. */
  reload: () => Promise<void>;
  /** Cheap check ("did the file move since it was last read?"); calls `requestReload` if so. */
  verify: () => Promise<void>;
  /** Receives anything `reload` or `verify` threw, so that nothing becomes an unhandled rejection. */
  onError: (error: unknown) => void;
}

/**
 * When reloads happen: a trailing debounce over change signals, at most one reload in flight,
 * one rerun when a signal arrived during it, a check shortly after each reload, and a periodic
 * check. It owns every timer of the watching side, so stopping it leaves none behind.
 */
export class ReloadScheduler {
  private debounceTimer: { timeout?: NodeJS.Timeout; immediate?: NodeJS.Immediate } | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private verifyTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private verifying: Promise<void> | undefined;
  private rerunRequested = false;
  private stopped = false;

  constructor(private readonly options: ReloadSchedulerOptions) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** True while a reload is running or waiting for its quiet period. */
  get isBusy(): boolean {
    return this.running !== undefined || this.debounceTimer !== undefined;
  }

  start(): void {
    if (this.stopped || this.verifyTimer || this.options.verifyIntervalMs <= 0) return;
    this.verifyTimer = setInterval(() => this.runVerify(), this.options.verifyIntervalMs);
  }

  /** Something may have changed: (re)start the quiet period; the reload runs when it ends. */
  requestReload(): void {
    if (this.stopped) return;
    this.cancelDebounce();
    const fire = () => {
      this.debounceTimer = undefined;
      this.runReload();
    };
    // Node runs a 0 ms timer no sooner than 1 ms later; with no quiet period, go on the next turn.
    this.debounceTimer =
      this.options.debounceMs === 0
        ? { immediate: setImmediate(fire) }
        : { timeout: setTimeout(fire, this.options.debounceMs) };
  }

  /** Runs the cheap check after `delayMs` (replacing an earlier pending one). */
  checkAfter(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.runVerify();
    }, delayMs);
  }

  /** Clears every timer and waits for a reload or check in flight; nothing runs afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelDebounce();
    clearTimeout(this.settleTimer);
    clearInterval(this.verifyTimer);
    this.settleTimer = this.verifyTimer = undefined;
    await Promise.all([this.running, this.verifying]);
  }

  private runReload(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerunRequested = true;
      return;
    }
    this.running = this.guard(this.options.reload).finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.rerunRequested) {
        this.rerunRequested = false;
        this.runReload();
      } else {
        this.checkAfter(this.options.settleMs);
      }
    });
  }

  private cancelDebounce(): void {
    clearTimeout(this.debounceTimer?.timeout);
    clearImmediate(this.debounceTimer?.immediate);
    this.debounceTimer = undefined;
  }

  private async guard(task: () => Promise<void>): Promise<void> {
    try {
      await task();
    } catch (error) {
      this.options.onError(error);
    }
  }

  private runVerify(): void {
    // A reload about to happen or in flight will look at the file anyway.
    if (this.stopped || this.verifying || this.isBusy) return;
    this.verifying = this.guard(this.options.verify).finally(() => {
      this.verifying = undefined;
    });
  }
}
