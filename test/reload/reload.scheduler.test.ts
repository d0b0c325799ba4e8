import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReloadScheduler, type ReloadSchedulerOptions } from '../../lib/reload/reload.scheduler.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** setImmediate is left real, so this lets pending promise reactions and rejection checks run. */
function flushRealTicks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A scheduler whose reload and verify are recorded. With `manual`, each reload waits for a
 * deferred the test resolves by hand.
 */
function harness(overrides: Partial<ReloadSchedulerOptions> = {}, { manual = false } = {}) {
  const state = {
    reloads: [] as number[], // fake-clock time at which each reload started
    verifies: [] as number[],
    pending: [] as Deferred[],
    active: 0,
    maxActive: 0,
    errors: [] as unknown[],
  };
  const scheduler = new ReloadScheduler({
    debounceMs: 100,
    settleMs: 50,
    verifyIntervalMs: 0,
    reload: async () => {
      state.reloads.push(Date.now());
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      try {
        if (manual) {
          const gate = deferred();
          state.pending.push(gate);
          await gate.promise;
        }
      } finally {
        state.active--;
      }
    },
    verify: async () => {
      state.verifies.push(Date.now());
    },
    onError: (error) => {
      state.errors.push(error);
    },
    ...overrides,
  });
  return { scheduler, state };
}

const T0 = new Date('2025-01-01T00:00:00.000Z').getTime();
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  vi.setSystemTime(T0);
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  vi.useRealTimers();
});

describe('ReloadScheduler', () => {
  describe('trailing debounce', () => {
    it('runs one reload debounceMs after a single request', async () => {
      const { scheduler, state } = harness();
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(99);
      expect(state.reloads).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(state.reloads).toEqual([T0 + 100]);
      await scheduler.stop();
    });

    it('turns a burst of 20 requests into exactly one reload, debounceMs after the last', async () => {
      const { scheduler, state } = harness();
      for (let i = 0; i < 20; i++) {
        scheduler.requestReload(); // at T0 + 0, 10, ..., 190
        if (i < 19) await vi.advanceTimersByTimeAsync(10);
      }
      const lastRequestAt = Date.now();
      expect(lastRequestAt).toBe(T0 + 190);
      await vi.advanceTimersByTimeAsync(99);
      expect(state.reloads).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(state.reloads).toEqual([lastRequestAt + 100]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(state.reloads).toHaveLength(1);
      await scheduler.stop();
    });

    it('counts as busy while the quiet period runs', async () => {
      const { scheduler } = harness();
      expect(scheduler.isBusy).toBe(false);
      scheduler.requestReload();
      expect(scheduler.isBusy).toBe(true);
      await vi.advanceTimersByTimeAsync(100);
      expect(scheduler.isBusy).toBe(false);
      await scheduler.stop();
    });
  });

  describe('one reload in flight', () => {
    it('reruns exactly once after the in-flight reload when requests came in during it', async () => {
      const { scheduler, state } = harness({}, { manual: true });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      expect(state.reloads).toHaveLength(1);
      expect(scheduler.isBusy).toBe(true);

      // Three requests while the first reload is still running; their quiet periods end meanwhile.
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(150);
      scheduler.requestReload();
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(1000);
      expect(state.reloads).toHaveLength(1);
      expect(state.active).toBe(1);

      const finishedAt = Date.now();
      state.pending[0]!.resolve();
      await vi.advanceTimersByTimeAsync(0);
      expect(state.reloads).toEqual([T0 + 100, finishedAt]);

      state.pending[1]!.resolve();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(state.reloads).toHaveLength(2);
      expect(state.maxActive).toBe(1);
      await scheduler.stop();
    });

    it('reloads again when a request made during the reload ends its quiet period afterwards', async () => {
      const { scheduler, state } = harness({}, { manual: true });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100); // reload 1 starts at T0 + 100
      await vi.advanceTimersByTimeAsync(50);
      scheduler.requestReload(); // quiet period ends at T0 + 250
      state.pending[0]!.resolve(); // reload 1 ends at T0 + 150
      await vi.advanceTimersByTimeAsync(100);
      expect(state.reloads).toEqual([T0 + 100, T0 + 250]);
      state.pending[1]!.resolve();
      await vi.advanceTimersByTimeAsync(1000);
      expect(state.reloads).toHaveLength(2);
      expect(state.maxActive).toBe(1);
      await scheduler.stop();
    });

    it('never runs two reloads at once across many overlapping requests', async () => {
      const { scheduler, state } = harness({}, { manual: true });
      for (let round = 0; round < 5; round++) {
        scheduler.requestReload();
        await vi.advanceTimersByTimeAsync(100);
        scheduler.requestReload();
        await vi.advanceTimersByTimeAsync(100);
        for (const gate of state.pending.splice(0)) gate.resolve();
        await vi.advanceTimersByTimeAsync(0);
      }
      for (const gate of state.pending.splice(0)) gate.resolve();
      await vi.advanceTimersByTimeAsync(1000);
      for (const gate of state.pending.splice(0)) gate.resolve();
      await scheduler.stop();
      expect(state.maxActive).toBe(1);
      expect(state.reloads.length).toBeGreaterThanOrEqual(5);
    });
  });

  describe('verification', () => {
    it('runs the settle check settleMs after a reload finishes', async () => {
      const { scheduler, state } = harness({ settleMs: 200 }, { manual: true });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      await vi.advanceTimersByTimeAsync(500); // reload still running: no check yet
      expect(state.verifies).toEqual([]);
      const finishedAt = Date.now();
      state.pending[0]!.resolve();
      await vi.advanceTimersByTimeAsync(199);
      expect(state.verifies).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(state.verifies).toEqual([finishedAt + 200]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(state.verifies).toHaveLength(1);
      await scheduler.stop();
    });

    it('runs a settle check after each reload', async () => {
      const { scheduler, state } = harness({ settleMs: 50 });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(1000);
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(1000);
      expect(state.reloads).toEqual([T0 + 100, T0 + 1100]);
      expect(state.verifies).toEqual([T0 + 150, T0 + 1150]);
      await scheduler.stop();
    });

    it('checkAfter replaces a pending check', async () => {
      const { scheduler, state } = harness();
      scheduler.checkAfter(100);
      scheduler.checkAfter(300);
      await vi.advanceTimersByTimeAsync(1000);
      expect(state.verifies).toEqual([T0 + 300]);
      await scheduler.stop();
    });

    it('runs the periodic check every verifyIntervalMs after start()', async () => {
      const { scheduler, state } = harness({ verifyIntervalMs: 500 });
      await vi.advanceTimersByTimeAsync(2000);
      expect(state.verifies).toEqual([]); // not before start()
      scheduler.start();
      await vi.advanceTimersByTimeAsync(1500);
      expect(state.verifies).toEqual([T0 + 2500, T0 + 3000, T0 + 3500]);
      scheduler.start(); // a second start does not add a second interval
      await vi.advanceTimersByTimeAsync(500);
      expect(state.verifies).toHaveLength(4);
      await scheduler.stop();
    });

    it('has no periodic check when verifyIntervalMs is 0', async () => {
      const { scheduler, state } = harness({ verifyIntervalMs: 0 });
      scheduler.start();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(state.verifies).toEqual([]);
      await scheduler.stop();
    });

    it('skips the periodic check while a reload is waiting or running', async () => {
      const { scheduler, state } = harness(
        { verifyIntervalMs: 100, debounceMs: 1000, settleMs: 10_000 },
        { manual: true },
      );
      scheduler.start();
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(999); // quiet period: 9 ticks skipped
      expect(state.verifies).toEqual([]);
      await vi.advanceTimersByTimeAsync(1); // reload starts
      expect(state.reloads).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(500); // reload running: 5 ticks skipped
      expect(state.verifies).toEqual([]);
      state.pending[0]!.resolve();
      await vi.advanceTimersByTimeAsync(100);
      expect(state.verifies).toEqual([T0 + 1600]);
      await scheduler.stop();
    });

    it('does not start a check while the previous one is still running', async () => {
      const gates: Deferred[] = [];
      const { scheduler } = harness({
        verifyIntervalMs: 100,
        verify: () => {
          const gate = deferred();
          gates.push(gate);
          return gate.promise;
        },
      });
      scheduler.start();
      await vi.advanceTimersByTimeAsync(1000);
      expect(gates).toHaveLength(1);
      gates[0]!.resolve();
      await vi.advanceTimersByTimeAsync(100);
      expect(gates).toHaveLength(2);
      gates[1]!.resolve();
      await scheduler.stop();
    });
  });

  describe('stop()', () => {
    it('waits for the in-flight reload, then leaves no timer and ignores new requests', async () => {
      const { scheduler, state } = harness({ verifyIntervalMs: 100 }, { manual: true });
      scheduler.start();
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      expect(state.reloads).toHaveLength(1);
      scheduler.checkAfter(500);

      let stopped = false;
      const stopping = scheduler.stop().then(() => {
        stopped = true;
      });
      expect(scheduler.isStopped).toBe(true);
      await flushRealTicks();
      expect(stopped).toBe(false);

      state.pending[0]!.resolve();
      await stopping;
      expect(stopped).toBe(true);
      expect(vi.getTimerCount()).toBe(0);

      scheduler.requestReload();
      scheduler.checkAfter(10);
      scheduler.start();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(state.reloads).toHaveLength(1);
      expect(state.verifies).toEqual([]);
    });

    it('drops a rerun that was requested during the in-flight reload', async () => {
      const { scheduler, state } = harness({}, { manual: true });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100); // rerun now requested
      const stopping = scheduler.stop();
      state.pending[0]!.resolve();
      await stopping;
      await vi.advanceTimersByTimeAsync(10_000);
      expect(state.reloads).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('cancels a reload still in its quiet period', async () => {
      const { scheduler, state } = harness();
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(50);
      await scheduler.stop();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(state.reloads).toEqual([]);
    });

    it('waits for a check in flight', async () => {
      const gate = deferred();
      const { scheduler } = harness({ verify: () => gate.promise });
      scheduler.checkAfter(10);
      await vi.advanceTimersByTimeAsync(10);
      let stopped = false;
      const stopping = scheduler.stop().then(() => {
        stopped = true;
      });
      await flushRealTicks();
      expect(stopped).toBe(false);
      gate.resolve();
      await stopping;
      expect(stopped).toBe(true);
    });

    it('resolves at once when nothing is running, and can be called twice', async () => {
      const { scheduler } = harness({ verifyIntervalMs: 100 });
      scheduler.start();
      await scheduler.stop();
      await scheduler.stop();
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('errors', () => {
    it('passes a rejected reload to onError and keeps scheduling', async () => {
      const failure = new Error('disk on fire');
      let calls = 0;
      const { scheduler, state } = harness({
        reload: async () => {
          calls++;
          if (calls === 1) throw failure;
        },
      });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      expect(state.errors).toEqual([failure]);
      await vi.advanceTimersByTimeAsync(50);
      expect(state.verifies).toEqual([T0 + 150]); // the settle check follows a failed reload too
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      expect(calls).toBe(2);
      expect(state.errors).toHaveLength(1);
      await scheduler.stop();
      await flushRealTicks();
      expect(unhandled).toEqual([]);
    });

    it('passes a synchronous throw from reload to onError', async () => {
      const failure = new Error('sync');
      const { scheduler, state } = harness({
        reload: (() => {
          throw failure;
        }) as () => Promise<void>,
      });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      expect(state.errors).toEqual([failure]);
      await scheduler.stop();
      await flushRealTicks();
      expect(unhandled).toEqual([]);
    });

    it('passes a rejected periodic or settle check to onError', async () => {
      const failure = new Error('stat failed');
      const { scheduler, state } = harness({
        verifyIntervalMs: 100,
        verify: async () => {
          throw failure;
        },
      });
      scheduler.start();
      await vi.advanceTimersByTimeAsync(300);
      scheduler.checkAfter(10);
      await vi.advanceTimersByTimeAsync(10);
      expect(state.errors).toEqual([failure, failure, failure, failure]);
      await scheduler.stop();
      await flushRealTicks();
      expect(unhandled).toEqual([]);
    });

    it('lets stop() resolve after a failing in-flight reload', async () => {
      const gate = deferred();
      const { scheduler, state } = harness({ reload: () => gate.promise });
      scheduler.requestReload();
      await vi.advanceTimersByTimeAsync(100);
      const stopping = scheduler.stop();
      gate.reject(new Error('late failure'));
      await expect(stopping).resolves.toBeUndefined();
      expect(state.errors).toHaveLength(1);
      await flushRealTicks();
      expect(unhandled).toEqual([]);
    });
  });
});
