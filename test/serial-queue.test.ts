import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../lib/serial-queue.js';

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise reaction run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('SerialQueue', () => {
  it('runs tasks one at a time, in the order they were queued', async () => {
    const queue = new SerialQueue();
    const gates = [deferred(), deferred(), deferred()];
    const events: string[] = [];
    let active = 0;
    let maxActive = 0;
    const results = gates.map((gate, index) =>
      queue.run(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        events.push(`start ${index}`);
        await gate.promise;
        events.push(`end ${index}`);
        active--;
        return index;
      }),
    );

    await settle();
    expect(events).toEqual(['start 0']);
    // Finishing a later task's gate first must not let it start before its turn.
    gates[2]!.resolve();
    gates[1]!.resolve();
    await settle();
    expect(events).toEqual(['start 0']);
    gates[0]!.resolve();
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2]);
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    expect(maxActive).toBe(1);
  });

  it("returns each task's own result", async () => {
    const queue = new SerialQueue();
    const a = queue.run(async () => 'a');
    const b = queue.run(async () => ({ version: 2 }));
    expect(await a).toBe('a');
    expect(await b).toEqual({ version: 2 });
  });

  it('does not start a task before run() returns', async () => {
    const queue = new SerialQueue();
    let started = false;
    const result = queue.run(async () => {
      started = true;
    });
    expect(started).toBe(false);
    await result;
    expect(started).toBe(true);
  });

  it('rejects the promise of a failing task and still runs the next one', async () => {
    const queue = new SerialQueue();
    const failure = new Error('invalid config');
    const order: string[] = [];
    const failing = queue.run(async () => {
      order.push('failing');
      throw failure;
    });
    const next = queue.run(async () => {
      order.push('next');
      return 'ok';
    });
    await expect(failing).rejects.toBe(failure);
    await expect(next).resolves.toBe('ok');
    expect(order).toEqual(['failing', 'next']);
  });

  it('runs the next task after a task that throws synchronously', async () => {
    const queue = new SerialQueue();
    const failing = queue.run((() => {
      throw new Error('sync');
    }) as () => Promise<void>);
    const next = queue.run(async () => 'still runs');
    await expect(failing).rejects.toThrow('sync');
    await expect(next).resolves.toBe('still runs');
  });

  it('waits for a failing task to settle before starting the next', async () => {
    const queue = new SerialQueue();
    const gate = deferred();
    let nextStarted = false;
    const failing = queue.run(() => gate.promise);
    const next = queue.run(async () => {
      nextStarted = true;
    });
    await settle();
    expect(nextStarted).toBe(false);
    gate.reject(new Error('late failure'));
    await expect(failing).rejects.toThrow('late failure');
    await next;
    expect(nextStarted).toBe(true);
  });

  describe('drain()', () => {
    it('resolves at once on an empty queue', async () => {
      await expect(new SerialQueue().drain()).resolves.toBeUndefined();
    });

    it('waits for every task queued so far', async () => {
      const queue = new SerialQueue();
      const gate = deferred();
      let finished = false;
      void queue.run(async () => {
        await gate.promise;
        finished = true;
      });
      let drained = false;
      const draining = queue.drain().then(() => {
        drained = true;
      });
      await settle();
      expect(drained).toBe(false);
      gate.resolve();
      await draining;
      expect(finished).toBe(true);
    });

    it('waits for tasks queued while it was waiting', async () => {
      const queue = new SerialQueue();
      const first = deferred();
      const second = deferred();
      const done: string[] = [];
      void queue.run(async () => {
        await first.promise;
        done.push('first');
      });
      let drained = false;
      const draining = queue.drain().then(() => {
        drained = true;
      });

      // Queued after drain() was called, while the first task still runs.
      void queue.run(async () => {
        await second.promise;
        done.push('second');
      });
      first.resolve();
      await settle();
      expect(done).toEqual(['first']);
      expect(drained).toBe(false);

      second.resolve();
      await draining;
      expect(done).toEqual(['first', 'second']);
    });

    it('waits for a task queued by a running task', async () => {
      const queue = new SerialQueue();
      const done: string[] = [];
      const gate = deferred();
      void queue.run(async () => {
        void queue.run(async () => {
          await gate.promise;
          done.push('inner');
        });
        done.push('outer');
      });
      let drained = false;
      const draining = queue.drain().then(() => {
        drained = true;
      });
      await settle();
      expect(done).toEqual(['outer']);
      expect(drained).toBe(false);
      gate.resolve();
      await draining;
      expect(done).toEqual(['outer', 'inner']);
    });

    it('does not reject when a queued task failed', async () => {
      const queue = new SerialQueue();
      const failing = queue.run(async () => {
        throw new Error('boom');
      });
      failing.catch(() => undefined);
      await expect(queue.drain()).resolves.toBeUndefined();
    });
  });
});
