import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

/** Every version writes the same number into both fields: a reader that sees them differ saw a torn config. */
interface Pair {
  revision: number;
  mirror: number;
}

const pair = (revision: number): Pair => ({ revision, mirror: revision });

describe('ordering and concurrency', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Pair> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  it('never resolves a manual reload with a config older than the file when it was called', async () => {
    dir = await ConfigDir.create(pair(0));
    harness = await bootReloader<Pair>({
      configPath: dir.file,
      debounceMs: 5,
      verifyIntervalMs: 20,
    });
    const { service, reloaded } = harness;
    const checks: Promise<void>[] = [];
    for (let revision = 1; revision <= 60; revision++) {
      // Atomic saves: every state of the file is complete, so every manual reload must succeed.
      await dir.writeAtomically(pair(revision));
      const onDisk = (JSON.parse(await readFile(dir.file, 'utf8')) as Pair).revision;
      checks.push(
        service.reloadConfig().then((config) => {
          expect(config.revision).toBeGreaterThanOrEqual(onDisk);
        }),
      );
      if (revision % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(checks);
    await waitFor(() => service.config.revision === 60);
    const revisions = reloaded.map((event) => event.newConfig.revision);
    const versions = reloaded.map((event) => event.version);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(versions).toEqual(versions.map((_, index) => index + 2));
  });

  it('never lets a reader see two versions mixed, across 1,000 reloads', async () => {
    dir = await ConfigDir.create(pair(0));
    harness = await bootReloader<Pair>({ configPath: dir.file, autoReload: false });
    const { service } = harness;
    let reads = 0;
    let torn = 0;
    let running = true;
    const reader = (async () => {
      while (running) {
        const config = service.config;
        if (config.revision !== config.mirror) torn++;
        reads++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let revision = 1; revision <= 1000; revision++) {
      await dir.write(pair(revision));
      await service.reloadConfig();
    }
    running = false;
    await reader;
    expect(service.version).toBe(1001);
    expect(reads).toBeGreaterThan(100);
    expect(torn).toBe(0);
  });

  it('swaps and keeps reloading whatever the listeners do: throw, reject, or take seconds', async () => {
    dir = await ConfigDir.create(pair(0));
    harness = await bootReloader<Pair>({ configPath: dir.file, autoReload: false });
    const { service } = harness;
    const seenByWellBehaved: number[] = [];
    let slowStarted = 0;
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    service.onReload(() => {
      throw new Error('sync failure');
    });
    service.onReload(() => Promise.reject(new Error('async failure')));
    service.onReload(async () => {
      slowStarted++;
      await slowGate; // a listener stuck for as long as the test likes
    });
    service.onReload((event) => void seenByWellBehaved.push(event.version));

    for (let revision = 1; revision <= 3; revision++) {
      await dir.write(pair(revision));
      await service.reloadConfig();
    }
    expect(service.version).toBe(4);
    expect(slowStarted).toBe(3);
    expect(seenByWellBehaved).toEqual([2, 3, 4]);
    releaseSlow();
  });

  it('applies nothing after close while a reload is in flight or its debounce is pending', async () => {
    dir = await ConfigDir.create(pair(0));
    harness = await bootReloader<Pair>({
      configPath: dir.file,
      debounceMs: 30,
      verifyIntervalMs: 10,
    });
    const { service, reloaded } = harness;
    // Atomic saves: a manual reload never meets a half-written file, only the race with close().
    await dir.writeAtomically(pair(1));
    const manual = service.reloadConfig().catch((error: unknown) => error);
    await dir.writeAtomically(pair(2)); // its debounce is pending when close() starts
    await harness.close();
    harness = undefined;
    const versionAtClose = service.version;
    await dir.write(pair(3));
    await new Promise((resolve) => setTimeout(resolve, 150)); // several debounce and check periods
    expect(service.version).toBe(versionAtClose);
    expect(reloaded.every((event) => event.newConfig.revision <= 2)).toBe(true);
    // The manual reload queued before close either finished first or was refused: never both.
    const outcome = await manual;
    expect(outcome instanceof Error ? (outcome as { code?: string }).code : 'applied').toMatch(
      /applied|CONFIG_CLOSED/,
    );
  });

  for (const stop of ['stopWatching', 'close'] as const) {
    it(`applies nothing when ${stop}() lands while a watcher reload is in flight`, async () => {
      dir = await ConfigDir.create(pair(0));
      let enterValidation!: () => void;
      const validating = new Promise<void>((resolve) => (enterValidation = resolve));
      let finishValidation!: () => void;
      const gate = new Promise<void>((resolve) => (finishValidation = resolve));
      harness = await bootReloader<Pair>({
        configPath: dir.file,
        debounceMs: 5,
        verifyIntervalMs: 20,
        // Keeps the reload in flight, between validation and swap, for as long as the test likes.
        beforeApply: async () => {
          enterValidation();
          await gate;
        },
      });
      const { service, reloaded, failed } = harness;
      await dir.write(pair(1));
      await validating;
      const stopping = stop === 'close' ? harness.close() : service.stopWatching();
      // Shutdown has begun (the watcher is gone) while the reload is still in flight.
      await waitFor(() => !service.isWatching, { description: 'shutdown under way' });
      finishValidation();
      await stopping;
      if (stop === 'close') harness = undefined;
      expect(service.version).toBe(1);
      expect(reloaded).toHaveLength(0);
      expect(failed).toHaveLength(0);
      expect(service.isWatching).toBe(false);
    });
  }
});
