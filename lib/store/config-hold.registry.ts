import type { Logger } from '@nestjs/common';
import { messages } from '../config-reloader.messages.js';
import { timerProblem } from '../config-reloader.timers.js';

export interface HoldOptions {
  /**
   * Release the hold automatically after this many milliseconds, with a warning: a forgotten
   * hold must not freeze the config forever.
   */
  timeoutMs?: number;
}

/**
 * The active holds ("don't change the config mid-trade"). Each hold has a reason and an
 * idempotent release; when the last one goes, `onAllReleased` runs so staged changes apply.
 */
export class HoldRegistry {
  private readonly holds = new Map<number, { reason: string; timer?: NodeJS.Timeout }>();
  private nextId = 1;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
    private readonly onAllReleased: () => void,
  ) {}

  get isHeld(): boolean {
    return this.holds.size > 0;
  }

  /** Reasons of the active holds, oldest first. */
  get reasons(): string[] {
    return [...this.holds.values()].map((hold) => hold.reason);
  }

  acquire(reason: string, { timeoutMs }: HoldOptions = {}): () => void {
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new RangeError(`hold timeoutMs must be a positive number, got ${String(timeoutMs)}`);
    }
    const tooLong = timeoutMs === undefined ? undefined : timerProblem(timeoutMs);
    if (tooLong) {
      throw new RangeError(`hold timeoutMs must be ${tooLong}, got ${String(timeoutMs)}`);
    }
    const id = this.nextId++;
    const hold: { reason: string; timer?: NodeJS.Timeout } = { reason };
    this.holds.set(id, hold);
    const release = () => {
      if (!this.holds.delete(id)) return; // already released: idempotent
      clearTimeout(hold.timer);
      if (this.holds.size === 0) this.onAllReleased();
    };
    if (timeoutMs !== undefined) {
      hold.timer = setTimeout(() => {
        this.logger.warn(messages.holdExpired(this.name, reason, timeoutMs));
        release();
      }, timeoutMs);
    }
    return release;
  }

  /** Drops every hold without applying anything (shutdown). */
  clear(): void {
    for (const hold of this.holds.values()) clearTimeout(hold.timer);
    this.holds.clear();
  }
}
