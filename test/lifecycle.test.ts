import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchFunction } from '../lib/index.js';
import { ConfigDir } from './support/config-dir.js';
import { trackHandles } from './support/handle-tracker.js';
import { bootReloader } from './support/reloader-app.js';
import { waitFor } from './support/wait-for.js';

/** A watcher that reports nothing at all, like a native watcher whose events were dropped. */
const deafWatch: WatchFunction = () => {
  const fake = new EventEmitter() as EventEmitter & { close(): Promise<void> };
  fake.close = async () => undefined;
  setImmediate(() => fake.emit('ready'));
  return fake as unknown as ReturnType<WatchFunction>;
};

describe('lifecycle', () => {
  let dir: ConfigDir;

  afterEach(async () => {
    await dir?.dispose();
  });

  for (const usePolling of [false, true]) {
    it(`leaves no watcher or timer behind after close, even with a reload pending (${usePolling ? 'polling' : 'native'})`, async () => {
      dir = await ConfigDir.create({ revision: 1 });
      const handles = trackHandles();
      const harness = await bootReloader<{ revision: number }>({
        configPath: dir.file,
        usePolling,
        debounceMs: 200,
        verifyIntervalMs: 100,
      });
      expect(await handles.alive()).toContain(usePolling ? 'STATWATCHER' : 'FSEVENTWRAP');
      await dir.write({ revision: 2 });
      await waitFor(() => harness.service.config.revision === 2);
      // A write whose debounce timer is still pending when the app closes.
      await dir.write({ revision: 3 });
      await harness.close();
      expect(harness.service.isWatching).toBe(false);
      const leftOver = await handles.alive();
      handles.stop();
      expect(leftOver).toEqual([]);
      expect(harness.service.config.revision).toBe(2);
    });
  }

  it('stopWatching and startWatching are idempotent and stop automatic reloads', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const harness = await bootReloader<{ revision: number }>({
      configPath: dir.file,
      debounceMs: 20,
      verifyIntervalMs: 50,
    });
    try {
      await Promise.all([harness.service.stopWatching(), harness.service.stopWatching()]);
      expect(harness.service.isWatching).toBe(false);
      expect(harness.service.getHealth()).toMatchObject({ status: 'up', isWatching: false });

      await dir.write({ revision: 2 });
      // Nothing watches now; a manual reload is the only way in, and it sees the new content.
      await expect(harness.service.reloadConfig()).resolves.toEqual({ revision: 2 });

      await Promise.all([harness.service.startWatching(), harness.service.startWatching()]);
      expect(harness.service.isWatching).toBe(true);
      await dir.write({ revision: 3 });
      await waitFor(() => harness.service.config.revision === 3);
    } finally {
      await harness.close();
    }
  });

  it('picks up a change made before the watcher was ready', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const harness = await bootReloader<{ revision: number }>({
      configPath: dir.file,
      autoReload: false,
      debounceMs: 20,
      verifyIntervalMs: 0,
    });
    try {
      await dir.write({ revision: 2 });
      await harness.service.startWatching();
      await waitFor(() => harness.service.config.revision === 2);
    } finally {
      await harness.close();
    }
  });

  it('applies a change the watcher never reported, through the periodic check', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const harness = await bootReloader<{ revision: number }>(
      { configPath: dir.file, debounceMs: 10, verifyIntervalMs: 100 },
      { watch: deafWatch },
    );
    try {
      for (let revision = 2; revision <= 4; revision++) {
        await dir.writeAtomically({ revision });
        await waitFor(() => harness.service.config.revision === revision, {
          timeoutMs: 2000,
          description: `revision ${revision} found by the periodic check`,
        });
      }
      expect(harness.reloaded.map((event) => event.version)).toEqual([2, 3, 4]);
    } finally {
      await harness.close();
    }
  });
});
