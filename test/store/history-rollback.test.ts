import 'reflect-metadata';
import { chmod, readFile, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigRollbackError } from '../../lib/index.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { asUnprivilegedUser } from '../support/unprivileged.js';
import { waitFor } from '../support/wait-for.js';

interface Settings {
  revision: number;
}

describe('history and rollback', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Settings> | undefined;

  async function start(historySize = 10, autoReload = true) {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      debounceMs: 20,
      verifyIntervalMs: 50,
      historySize,
      autoReload,
      schema: { type: 'object', required: ['revision'] },
    });
    return harness;
  }

  async function applyRevision(revision: number) {
    await dir.write({ revision });
    await harness!.service.reloadConfig();
  }

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await chmod(dir.dir, 0o755).catch(() => undefined);
    await dir?.dispose();
  });

  it('keeps the last historySize versions with their source, hash and raw text', async () => {
    const { service } = await start(3, false);
    for (let revision = 2; revision <= 5; revision++) await applyRevision(revision);
    const history = service.getHistory();
    expect(history.map((entry) => entry.version)).toEqual([3, 4, 5]);
    expect(history.every((entry) => entry.source === 'manual')).toBe(true);
    expect(JSON.parse(history[2]!.rawText)).toEqual({ revision: 5 });
    expect(history[2]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(history[2]!.config).toBe(service.config);
    expect(history[0]!.loadedAt).toBeInstanceOf(Date);
  });

  it('starts the history with the initial load', async () => {
    const { service } = await start();
    expect(service.getHistory()).toEqual([
      expect.objectContaining({ version: 1, source: 'initial', rawText: expect.any(String) }),
    ]);
  });

  it('writes the earlier text back and applies it as a new version; versions stay monotonic', async () => {
    const { service, reloaded } = await start();
    await applyRevision(2);
    await applyRevision(3);
    const { mode: modeBefore } = await stat(dir.file);

    await expect(service.rollback()).resolves.toEqual({ revision: 2 });
    expect(service.version).toBe(4);
    expect(JSON.parse(await readFile(dir.file, 'utf8'))).toEqual({ revision: 2 });
    expect((await stat(dir.file)).mode).toBe(modeBefore);
    expect(service.getHistory().at(-1)).toMatchObject({ version: 4, source: 'rollback' });
    expect(reloaded.at(-1)).toMatchObject({ version: 4, previousVersion: 3, source: 'rollback' });

    // Edit, then roll back two steps: back to revision 2's predecessor chain, still going up.
    await dir.write({ revision: 7 });
    await waitFor(() => service.config.revision === 7, { description: 'the edit after rollback' });
    await expect(service.rollback(2)).resolves.toEqual({ revision: 3 });
    const versions = service.getHistory().map((entry) => entry.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(service.version).toBe(6);

    // The watcher sees the written file as the content already applied: the next edit is the
    // very next version, with nothing in between.
    await dir.write({ revision: 8 });
    await waitFor(() => service.config.revision === 8, { description: 'the next edit' });
    expect(service.version).toBe(7);
  });

  it('refuses to roll back further than the history goes, or by a bad number of steps', async () => {
    const { service } = await start();
    await applyRevision(2);
    await expect(service.rollback(2)).rejects.toBeInstanceOf(ConfigRollbackError);
    await expect(service.rollback(2)).rejects.toThrow(/only 1 earlier version/);
    await expect(service.rollback(0)).rejects.toMatchObject({ code: 'CONFIG_ROLLBACK' });
    await expect(service.rollback(1.5)).rejects.toMatchObject({ code: 'CONFIG_ROLLBACK' });
    expect(service.version).toBe(2);
  });

  it('fails cleanly when the directory is read-only', async () => {
    const { service } = await start();
    await applyRevision(2);
    await chmod(dir.dir, 0o555);
    await asUnprivilegedUser(async () => {
      await expect(service.rollback()).rejects.toMatchObject({
        code: 'CONFIG_ACCESS',
        message: expect.stringContaining('Cannot write'),
      });
    });
    expect(service.version).toBe(2);
    expect(service.config).toEqual({ revision: 2 });
    expect(JSON.parse(await readFile(dir.file, 'utf8'))).toEqual({ revision: 2 });
  });
});
