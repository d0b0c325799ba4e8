import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchFunction } from '../../../lib/index.js';
import { ConfigDir } from '../../support/config-dir.js';
import { trackHandles } from '../../support/handle-tracker.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

const SETTLE_BOUND_MS = 2000;

/**
 * A watch function whose watchers never become ready, like chokidar still scanning a large
 * directory. Their close() drops every listener, as chokidar's does, so whoever still waits for
 * 'ready' waits forever unless something else ends the wait.
 */
function neverReadyWatch() {
  const created: { closed: boolean }[] = [];
  const watch: WatchFunction = () => {
    const fake = new EventEmitter() as EventEmitter & { close(): Promise<void> };
    const record = { closed: false };
    fake.close = async () => {
      record.closed = true;
      fake.removeAllListeners();
    };
    created.push(record);
    return fake as unknown as ReturnType<WatchFunction>;
  };
  return { watch, created };
}

/** Resolves with 'settled' when `promise` settles (either way) within the bound, else 'timed out'. */
async function settlesWithin(promise: Promise<unknown>, ms = SETTLE_BOUND_MS) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  const settled = promise.then(
    () => 'settled' as const,
    () => 'settled' as const,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('startWatching and stopWatching racing each other', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<{ revision: number }> | undefined;

  afterEach(async () => {
    const closing = harness?.close();
    harness = undefined;
    try {
      // A start stuck for good would keep close() waiting too: fail here, within a bound.
      if (closing && (await settlesWithin(closing, 5000)) === 'timed out') {
        throw new Error('app.close() did not settle within 5000 ms');
      }
    } finally {
      await dir?.dispose();
      dir = undefined;
    }
  });

  it('settles a start that stopWatching() cut short before the watcher was ready', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const fake = neverReadyWatch();
    harness = await bootReloader<{ revision: number }>(
      { configPath: dir.file, autoReload: false },
      { watch: fake.watch },
    );
    const { service } = harness;

    const starting = service.startWatching();
    // The watcher exists and is waiting for its 'ready' when the stop lands.
    await waitFor(() => fake.created.length === 1, {
      description: 'the watch function to be called',
    });
    expect(await settlesWithin(service.stopWatching())).toBe('settled');

    expect(await settlesWithin(starting)).toBe('settled');
    expect(service.isWatching).toBe(false);
    expect(service.getHealth().isWatching).toBe(false);
    expect(fake.created).toHaveLength(1);
    expect(fake.created[0]!.closed).toBe(true);
  });

  it('settles a start that stopWatching() cut short in the same tick', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const fake = neverReadyWatch();
    harness = await bootReloader<{ revision: number }>(
      { configPath: dir.file, autoReload: false },
      { watch: fake.watch },
    );
    const { service } = harness;

    const starting = service.startWatching();
    const stopping = service.stopWatching();

    expect(await settlesWithin(stopping)).toBe('settled');
    expect(await settlesWithin(starting)).toBe('settled');
    expect(service.isWatching).toBe(false);
    // Whatever watcher the start got to create was closed again.
    expect(fake.created.every((watcher) => watcher.closed)).toBe(true);
  });

  it('survives 20 start/stop pairs with the real watcher and leaves no handle after close', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const handles = trackHandles();
    try {
      harness = await bootReloader<{ revision: number }>({
        configPath: dir.file,
        autoReload: false,
        debounceMs: 20,
        verifyIntervalMs: 50,
      });
      const { service } = harness;
      for (let round = 1; round <= 20; round++) {
        const starting = service.startWatching();
        // Stop at a different point of the start each round: at once, or a few turns later,
        // while chokidar is still scanning the directory.
        for (let turn = 0; turn < round % 5; turn++) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        const stopping = service.stopWatching();
        expect(await settlesWithin(stopping), `stop of round ${round}`).toBe('settled');
        expect(await settlesWithin(starting), `start of round ${round}`).toBe('settled');
        expect(service.isWatching, `round ${round}`).toBe(false);
      }
      expect(service.isWatching).toBe(false);

      await harness.close();
      harness = undefined;
      expect(await handles.alive()).toEqual([]);
    } finally {
      handles.stop();
    }
  });
});
