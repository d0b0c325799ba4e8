import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReloadScheduler } from '../../lib/reload/reload.scheduler.js';
import { SerialQueue } from '../../lib/serial-queue.js';

/**
 * The scheduling core under a fake clock, driven by random sequences of file changes (some
 * invalid, some whose watcher event is lost), manual reloads, slow reads and pauses. The reload
 * mimics the service: read the file at some moment, take time, then apply if valid and new.
 */
type Action =
  | { kind: 'change'; valid: boolean; eventLost: boolean }
  | { kind: 'manual' }
  | { kind: 'wait'; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('change' as const), valid: fc.boolean(), eventLost: fc.boolean() }),
  fc.record({ kind: fc.constant('manual' as const) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 400 }) }),
);

const DEBOUNCE_MS = 50;
const SETTLE_MS = 60;
const VERIFY_INTERVAL_MS = 200;

class Simulation {
  file = { revision: 0, valid: true };
  applied = 0;
  readonly appliedRevisions: number[] = [];
  lastSeen = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Reloads the scheduler itself started and that have not finished (queue wait included). */
  scheduled = 0;
  maxScheduled = 0;
  appliedAfterStop = 0;
  stopped = false;
  private readonly queue = new SerialQueue();
  readonly scheduler: ReloadScheduler;

  /**
   * @param selfCheck whether the settle and periodic checks look at the file; without them,
   *   the debounce and rerun logic alone must deliver the last change.
   */
  constructor(
    private readonly readMs: () => number,
    selfCheck = true,
  ) {
    this.scheduler = new ReloadScheduler({
      debounceMs: DEBOUNCE_MS,
      settleMs: SETTLE_MS,
      verifyIntervalMs: selfCheck ? VERIFY_INTERVAL_MS : 0,
      reload: async () => {
        this.scheduled++;
        this.maxScheduled = Math.max(this.maxScheduled, this.scheduled);
        try {
          await this.reload();
        } finally {
          this.scheduled--;
        }
      },
      verify: async () => {
        if (selfCheck && this.file.revision !== this.lastSeen) this.scheduler.requestReload();
      },
      onError: (error) => {
        throw error;
      },
    });
    this.scheduler.start();
  }

  reload(): Promise<void> {
    return this.queue.run(async () => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        const seen = { ...this.file }; // the read
        this.lastSeen = seen.revision;
        await new Promise((resolve) => setTimeout(resolve, this.readMs()));
        if (seen.valid && seen.revision !== this.applied) {
          if (this.stopped) this.appliedAfterStop++;
          this.applied = seen.revision;
          this.appliedRevisions.push(seen.revision);
        }
      } finally {
        this.inFlight--;
      }
    });
  }
}

describe('ReloadScheduler properties', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('applies the last valid content after quiescence, in order, one reload at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 120 }),
        fc.boolean(),
        async (actions, readMs, selfCheck) => {
          const simulation = new Simulation(() => readMs, selfCheck);
          const manual: Promise<void>[] = [];
          for (const step of actions) {
            if (step.kind === 'change') {
              simulation.file = { revision: simulation.file.revision + 1, valid: step.valid };
              // Only the self-checks can make up for a lost event.
              if (!step.eventLost || !selfCheck) simulation.scheduler.requestReload();
            } else if (step.kind === 'manual') {
              manual.push(simulation.reload());
            } else {
              await vi.advanceTimersByTimeAsync(step.ms);
            }
          }
          // Quiescence: enough time for every debounce, read, settle and periodic check to run.
          await vi.advanceTimersByTimeAsync(
            4 * (DEBOUNCE_MS + SETTLE_MS + VERIFY_INTERVAL_MS + readMs * (actions.length + 2)),
          );
          await Promise.all(manual);

          if (simulation.file.valid) expect(simulation.applied).toBe(simulation.file.revision);
          const applied = simulation.appliedRevisions;
          expect(applied).toEqual([...applied].sort((a, b) => a - b));
          expect(new Set(applied).size).toBe(applied.length);
          expect(simulation.maxInFlight).toBeLessThanOrEqual(1);
          expect(simulation.maxScheduled).toBeLessThanOrEqual(1);

          await simulation.scheduler.stop();
          expect(vi.getTimerCount()).toBe(0);
        },
      ),
      {
        numRuns: 300,
        examples: [
          // A change lands while the read of the previous one is in flight and its quiet period
          // ends before that read does: only the rerun can deliver it.
          [
            [
              { kind: 'change', valid: true, eventLost: false },
              { kind: 'wait', ms: 60 },
              { kind: 'change', valid: true, eventLost: false },
            ],
            120,
            false,
          ],
        ],
      },
    );
  });

  it('runs no reload after stop, whatever was pending', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 100 }),
        async (actions, readMs) => {
          const simulation = new Simulation(() => readMs);
          for (const step of actions) {
            if (step.kind === 'change') {
              simulation.file = { revision: simulation.file.revision + 1, valid: step.valid };
              if (!step.eventLost) simulation.scheduler.requestReload();
            } else if (step.kind === 'wait') {
              await vi.advanceTimersByTimeAsync(step.ms);
            }
          }
          const stopping = simulation.scheduler.stop();
          await vi.advanceTimersByTimeAsync(readMs + 1); // let an in-flight read finish
          await stopping;
          simulation.stopped = true;
          simulation.file = { revision: simulation.file.revision + 1, valid: true };
          simulation.scheduler.requestReload();
          simulation.scheduler.checkAfter(1);
          await vi.advanceTimersByTimeAsync(10 * (DEBOUNCE_MS + VERIFY_INTERVAL_MS));
          expect(simulation.appliedAfterStop).toBe(0);
          expect(vi.getTimerCount()).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
