import 'reflect-metadata';
import { mkdir, open, readlink, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigNotFoundError,
  ConfigParseError,
  ConfigTooLargeError,
  type ConfigReloaderOptions,
} from '../../../lib/index.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

interface Settings {
  revision: number;
  padding?: string;
}

const settings = (revision: number, padding = ''): Settings => ({ revision, padding });

for (const usePolling of [false, true]) {
  describe(`save patterns (${usePolling ? 'polling' : 'native events'})`, () => {
    let dir: ConfigDir;
    let harness: ReloaderHarness<Settings> | undefined;

    async function start(
      options: Partial<ConfigReloaderOptions<Settings>> = {},
      configPath?: string,
    ): Promise<ReloaderHarness<Settings>> {
      harness = await bootReloader<Settings>({
        configPath: configPath ?? dir.file,
        usePolling,
        pollingIntervalMs: 25,
        debounceMs: 50,
        verifyIntervalMs: 200,
        ...options,
      });
      return harness;
    }

    const revisionIs = (revision: number) => () => harness!.service.config.revision === revision;

    afterEach(async () => {
      await harness?.close();
      harness = undefined;
      await dir?.dispose();
    });

    it('never applies or reports the empty state of a truncate-then-write save', async () => {
      dir = await ConfigDir.create(settings(1));
      const { service, failed, reloaded } = await start({ debounceMs: 300 });
      const handle = await open(dir.file, 'r+');
      try {
        await handle.truncate(0);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the editor pauses mid-save
        await handle.write(JSON.stringify(settings(2)), 0);
      } finally {
        await handle.close();
      }
      await waitFor(revisionIs(2), { description: 'the completed save' });
      expect(reloaded).toHaveLength(1);
      expect(failed).toHaveLength(0);
      expect(service.getHealth().errorCount).toBe(0);
    });

    it('applies the final content of a slow writer that takes longer than the debounce window', async () => {
      dir = await ConfigDir.create(settings(1));
      const { service, failed, reloaded } = await start({ debounceMs: 50 });
      const content = JSON.stringify(settings(2, 'x'.repeat(4000)));
      const chunks = 5;
      const handle = await open(dir.file, 'w');
      try {
        for (let index = 0; index < chunks; index++) {
          const size = Math.ceil(content.length / chunks);
          await handle.write(content.slice(index * size, (index + 1) * size));
          // Pauses longer than the debounce: reloads run on the half-written file.
          await new Promise((resolve) => setTimeout(resolve, 120));
        }
      } finally {
        await handle.close();
      }
      await waitFor(revisionIs(2), { description: 'the complete file' });
      expect(service.config.padding).toHaveLength(4000);
      expect(reloaded).toHaveLength(1); // no torn state was ever applied
      expect(failed).toHaveLength(0); // nor reported as the operator's mistake
    });

    it('applies two atomic renames a few milliseconds apart, then later edits', async () => {
      dir = await ConfigDir.create(settings(1));
      const { reloaded } = await start();
      await dir.writeAtomically(settings(2));
      await dir.writeAtomically(settings(3));
      await waitFor(revisionIs(3), { description: 'the second rename' });
      for (let revision = 4; revision <= 6; revision++) {
        await dir.writeAtomically(settings(revision));
        await waitFor(revisionIs(revision), { description: `revision ${revision}` });
      }
      const versions = reloaded.map((event) => event.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(new Set(versions).size).toBe(versions.length);
    });

    it('follows a Kubernetes ConfigMap volume through several ..data symlink swaps', async () => {
      dir = await ConfigDir.create(settings(0), 'unused.json');
      const volume = dir.dir;
      let generation = 0;
      // The kubelet's layout: a timestamped directory, `..data` pointing at it, and the key as
      // a symlink through `..data`. An update swaps `..data` with an atomic rename.
      const publish = async (revision: number) => {
        const timestamped = `..2026_11_29_08_00_00.${String(++generation).padStart(9, '0')}`;
        await mkdir(join(volume, timestamped));
        await writeFile(
          join(volume, timestamped, 'config.json'),
          JSON.stringify(settings(revision)),
        );
        await symlink(timestamped, join(volume, '..data_tmp'));
        const previous = generation > 1 ? await readlink(join(volume, '..data')) : undefined;
        await rename(join(volume, '..data_tmp'), join(volume, '..data'));
        if (previous) await rm(join(volume, previous), { recursive: true });
      };
      await publish(1);
      await symlink(join('..data', 'config.json'), join(volume, 'config.json'));

      const { service } = await start({}, join(volume, 'config.json'));
      expect(service.config.revision).toBe(1);
      for (let revision = 2; revision <= 4; revision++) {
        await publish(revision);
        await waitFor(revisionIs(revision), { description: `ConfigMap revision ${revision}` });
      }
      expect(service.version).toBe(4);
    });

    it('survives the whole directory being removed and created again', async () => {
      dir = await ConfigDir.create(settings(0), 'unused.json');
      const folder = join(dir.dir, 'conf');
      const file = join(folder, 'config.json');
      await mkdir(folder);
      await writeFile(file, JSON.stringify(settings(1)));
      const { service } = await start({ verifyIntervalMs: 100 }, file);

      await rm(folder, { recursive: true });
      await waitFor(() => service.getHealth().status === 'down', { description: 'the loss' });
      await mkdir(folder);
      await writeFile(file, JSON.stringify(settings(2)));
      await waitFor(revisionIs(2), { description: 'the recreated directory' });
      // The watch was re-armed on the new directory: later edits still arrive.
      for (let revision = 3; revision <= 4; revision++) {
        await writeFile(file, JSON.stringify(settings(revision)));
        await waitFor(revisionIs(revision), { description: `revision ${revision}` });
      }
      expect(service.config.revision).toBe(4);
    });

    it('produces no event and no version for a save that does not change the content', async () => {
      dir = await ConfigDir.create(settings(1));
      const { service, reloaded } = await start();
      const later = new Date(Date.now() + 5000);
      await utimes(dir.file, later, later); // touch
      await dir.write(settings(1)); // save with no edit
      await dir.writeAtomically(settings(1));
      // A real change afterwards proves the watcher was listening all along.
      await dir.write(settings(2));
      await waitFor(revisionIs(2));
      expect(reloaded.map((event) => event.version)).toEqual([2]);
      expect(service.version).toBe(2);
    });

    it.each([
      ['an empty file', '', ConfigParseError],
      ['an array root', '[]', ConfigParseError],
      ['a null root', 'null', ConfigParseError],
      ['a number root', '42', ConfigParseError],
      ['a __proto__ payload', '{"revision": 9, "__proto__": {"polluted": true}}', ConfigParseError],
    ])('keeps the config and reports a typed error for %s', async (_label, content, errorClass) => {
      dir = await ConfigDir.create(settings(1));
      const { service, failed } = await start();
      await dir.write(content);
      await waitFor(() => failed.length === 1, { description: 'the failure report' });
      expect(failed[0]!.error).toBeInstanceOf(errorClass);
      expect(service.config.revision).toBe(1);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await dir.write(settings(2));
      await waitFor(revisionIs(2), { description: 'recovery' });
    });

    it('refuses a file over maxFileBytes and accepts a UTF-8 byte order mark', async () => {
      dir = await ConfigDir.create(settings(1));
      const { service, failed } = await start({ maxFileBytes: 200 });
      await dir.write(settings(2, 'x'.repeat(500)));
      await waitFor(() => failed.length === 1);
      expect(failed[0]!.error).toBeInstanceOf(ConfigTooLargeError);
      expect(service.config.revision).toBe(1);
      await dir.write(`\uFEFF${JSON.stringify(settings(3))}`);
      await waitFor(revisionIs(3), { description: 'the file with a BOM' });
    });

    it('applies exactly the last content after a storm of 1,000 writes, in few reloads', async () => {
      dir = await ConfigDir.create(settings(0));
      const { service, reloaded, failed } = await start({ debounceMs: 100 });
      for (let revision = 1; revision <= 1000; revision++) await dir.write(settings(revision));
      await waitFor(revisionIs(1000), { timeoutMs: 10_000, description: 'the last write' });
      const versions = reloaded.map((event) => event.version);
      for (let index = 1; index < versions.length; index++) {
        expect(versions[index]).toBeGreaterThan(versions[index - 1]!);
      }
      const revisions = reloaded.map((event) => event.newConfig.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(reloaded.length).toBeLessThanOrEqual(20);
      expect(failed).toHaveLength(0);
      expect(service.config.revision).toBe(1000);
    });

    it('reports a deleted file once and applies it when it is written again', async () => {
      dir = await ConfigDir.create(settings(1));
      const { service, failed } = await start({ verifyIntervalMs: 50 });
      await dir.remove();
      await waitFor(() => failed.length === 1);
      expect(failed[0]!.error).toBeInstanceOf(ConfigNotFoundError);
      // Several periodic checks pass while the file is gone: still one report.
      await waitFor(() => service.getHealth().status === 'down');
      await dir.writeAtomically(settings(2));
      await waitFor(revisionIs(2));
      expect(failed).toHaveLength(1);
    });
  });
}
