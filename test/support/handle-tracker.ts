import { createHook } from 'node:async_hooks';

// Resources that keep a Node process alive: timers, fs.watch, fs.watchFile, worker threads.
const TRACKED = new Set(['Timeout', 'FSEVENTWRAP', 'STATWATCHER', 'WORKER']);

/**
 * Records every timer, file watcher and worker thread created from now on, and which of them are still alive:
 * after a clean shutdown, none should be.
 */
export function trackHandles(): { alive(): Promise<string[]>; stop(): void } {
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (TRACKED.has(type)) live.set(asyncId, type);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    async alive() {
      // Destroy hooks run asynchronously after a handle is closed or a timer cleared.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      return [...live.values()].sort();
    },
    stop: () => hook.disable(),
  };
}
