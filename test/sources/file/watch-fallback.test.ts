import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { watch as chokidarWatch } from 'chokidar';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchFunction } from '../../../lib/index.js';
import { CapturingLogger } from '../../support/capturing-logger.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

interface Settings {
  revision: number;
}

/**
 * Native watchers that become ready and then fail the way inotify does when the system is out
 * of watches (ENOSPC) or file handles (EMFILE): right after 'ready' (`failAt: 'ready'`), or when
 * the test calls `fail()`. Polling watchers are real chokidar ones.
 */
function exhaustedNativeWatch(code: string, failAt: 'ready' | 'later') {
  const calls: { usePolling: boolean }[] = [];
  const natives: { closed: boolean; emitter: EventEmitter }[] = [];
  let pollingReady = false;
  const exhausted = () => Object.assign(new Error(`${code}: watcher limit reached`), { code });
  const watch: WatchFunction = (paths, options) => {
    calls.push({ usePolling: options?.usePolling === true });
    if (options?.usePolling) {
      const real = chokidarWatch(paths, options);
      real.once('ready', () => (pollingReady = true));
      return real;
    }
    const fake = new EventEmitter() as EventEmitter & { close(): Promise<void> };
    const record = { closed: false, emitter: fake as EventEmitter };
    natives.push(record);
    fake.close = async () => {
      record.closed = true;
      fake.removeAllListeners();
    };
    setImmediate(() => {
      fake.emit('ready');
      if (failAt !== 'ready') return;
      setImmediate(() => {
        if (!record.closed) fake.emit('error', exhausted());
      });
    });
    return fake as unknown as ReturnType<WatchFunction>;
  };
  const fail = () => {
    for (const native of natives) if (!native.closed) native.emitter.emit('error', exhausted());
  };
  const closedStates = () => natives.map((native) => native.closed);
  return { watch, calls, closedStates, fail, isPollingReady: () => pollingReady };
}

describe('watch mode and the fall-back to polling', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<Settings> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  it.each([
    ['ENOSPC', 'ready'],
    ['EMFILE', 'ready'],
    ['ENOSPC', 'later'],
    ['EMFILE', 'later'],
  ] as const)(
    'falls back to polling when the native watcher fails with %s (%s), warns once and keeps applying edits',
    async (code, failAt) => {
      dir = await ConfigDir.create({ revision: 1 });
      const logger = new CapturingLogger();
      const exhausted = exhaustedNativeWatch(code, failAt);
      harness = await bootReloader<Settings>(
        {
          configPath: dir.file,
          debounceMs: 20,
          pollingIntervalMs: 25,
          // No periodic check: the edit below must come through the polling watcher.
          verifyIntervalMs: 0,
        },
        { watch: exhausted.watch, logger },
      );
      const { service } = harness;
      if (failAt === 'later') {
        expect(service.getHealth().watchMode).toBe('native');
        exhausted.fail();
      }

      await waitFor(() => service.getHealth().watchMode === 'polling', {
        timeoutMs: 8000,
        description: `watchMode 'polling' after ${code}`,
      });
      await waitFor(exhausted.isPollingReady, {
        timeoutMs: 8000,
        description: 'the polling watcher to be ready',
      });
      expect(service.isWatching).toBe(true);
      expect(service.getHealth()).toMatchObject({
        status: 'up',
        isWatching: true,
        watchMode: 'polling',
      });
      // One native watcher, closed; then one polling watcher, and nothing else.
      expect(exhausted.calls).toEqual([{ usePolling: false }, { usePolling: true }]);
      expect(exhausted.closedStates()).toEqual([true]);

      const mentioningCode = logger.lines.filter((line) => line.text.includes(code));
      expect(mentioningCode).toHaveLength(1);
      expect(mentioningCode[0]!.level).toBe('warn');
      expect(mentioningCode[0]!.text).toMatch(/polling/);

      await dir.write({ revision: 2 });
      await waitFor(() => service.config.revision === 2, {
        timeoutMs: 8000,
        description: 'the edit applied through polling',
      });
      expect(service.getHealth()).toMatchObject({ status: 'up', watchMode: 'polling' });
      expect(logger.lines.filter((line) => line.text.includes(code))).toHaveLength(1);

      await harness.close();
      harness = undefined;
      // No native watcher outlives the app.
      expect(exhausted.closedStates().every(Boolean)).toBe(true);
    },
  );

  it("reports watchMode 'native' for the real native watcher, and null once stopped", async () => {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader<Settings>({ configPath: dir.file, debounceMs: 20 });
    const { service } = harness;
    expect(service.getHealth()).toMatchObject({
      status: 'up',
      isWatching: true,
      watchMode: 'native',
    });

    await service.stopWatching();
    expect(service.getHealth()).toMatchObject({ isWatching: false, watchMode: null });
  });

  it("reports watchMode 'polling' with usePolling, and null once stopped", async () => {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      debounceMs: 20,
      usePolling: true,
      pollingIntervalMs: 25,
    });
    const { service } = harness;
    expect(service.getHealth()).toMatchObject({
      status: 'up',
      isWatching: true,
      watchMode: 'polling',
    });

    await service.stopWatching();
    expect(service.getHealth()).toMatchObject({ isWatching: false, watchMode: null });
  });
});
