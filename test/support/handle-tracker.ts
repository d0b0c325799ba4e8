import { createHook } from 'node:async_hooks';

// Resources that keep a Node process alive: timers, fs.watch, fs.watchFile, worker threads.
const TRACKED = new Set(['Timeout', 'FSEVENTWRAP', 'STATWATCHER', 'WORKER']);

interface TrackedHandle {
  type: string;
  resource: { hasRef?: () => boolean };
  /** Where it was created, when the caller asked to excuse some creators. */
  stack?: string;
}

/**
 * Records every timer, file watcher and worker thread created from now on, and which of them
 * are still alive: after a clean shutdown, none should be.
 *
 * `excuseUnrefFrom`: a timer created by code under one of these paths is not counted while it
 * is unref'd (it cannot keep the process alive). For a dependency's own bookkeeping only:
 * grpc-js leaves an unref'd reconnect-backoff timer on each closed subchannel, which runs out
 * by itself within its maximum backoff.
 */
export function trackHandles({ excuseUnrefFrom = [] }: { excuseUnrefFrom?: string[] } = {}): {
  alive(): Promise<string[]>;
  stop(): void;
} {
  const live = new Map<number, TrackedHandle>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (!TRACKED.has(type)) return;
      const stack = excuseUnrefFrom.length > 0 ? new Error().stack : undefined;
      live.set(asyncId, { type, resource: resource as TrackedHandle['resource'], stack });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  const excused = ({ type, resource, stack }: TrackedHandle) =>
    type === 'Timeout' &&
    resource.hasRef?.() === false &&
    excuseUnrefFrom.some((path) => stack?.includes(path));
  return {
    async alive() {
      // Destroy hooks run asynchronously after a handle is closed or a timer cleared.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      return [...live.values()]
        .filter((handle) => !excused(handle))
        .map((handle) => handle.type)
        .sort();
    },
    stop: () => hook.disable(),
  };
}
