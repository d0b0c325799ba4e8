/**
 * Runs `task` once a burst of pokes pauses for `quietMs`, and at least every `maxWaitMs` while
 * it lasts: the last change of a burst is passed on within `quietMs`, and a burst that never
 * pauses still is, without a run per poke.
 */
export class BurstTimer {
  private timer: NodeJS.Timeout | undefined;
  private firstPokeAt = 0;

  constructor(
    private readonly task: () => void,
    private readonly quietMs: number,
    private readonly maxWaitMs: number,
  ) {}

  poke(): void {
    const now = Date.now();
    if (this.timer) clearTimeout(this.timer);
    else this.firstPokeAt = now;
    const wait = Math.min(this.quietMs, this.firstPokeAt + this.maxWaitMs - now);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.task();
      },
      Math.max(0, wait),
    );
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
