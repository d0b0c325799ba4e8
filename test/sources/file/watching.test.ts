import 'reflect-metadata';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigNotFoundError,
  ConfigParseError,
  ConfigValidationError,
} from '../../../lib/index.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

interface Settings {
  revision: number;
  label: string;
}

const schema = {
  type: 'object',
  required: ['revision', 'label'],
  properties: { revision: { type: 'integer', minimum: 0 }, label: { type: 'string' } },
};

const settings = (revision: number): Settings => ({ revision, label: `rev-${revision}` });

for (const usePolling of [false, true]) {
  describe(`watching a real file (${usePolling ? 'polling' : 'native events'})`, () => {
    let dir: ConfigDir;
    let harness: ReloaderHarness<Settings> | undefined;

    async function start(options: { debounceMs?: number; verifyIntervalMs?: number } = {}) {
      dir = await ConfigDir.create(settings(1));
      harness = await bootReloader<Settings>({
        configPath: dir.file,
        schema,
        usePolling,
        pollingIntervalMs: 25,
        debounceMs: options.debounceMs ?? 50,
        verifyIntervalMs: options.verifyIntervalMs ?? 0,
      });
      return harness;
    }

    const revisionIs = (revision: number) => () => harness!.service.config.revision === revision;

    afterEach(async () => {
      await harness?.close();
      harness = undefined;
      await dir?.dispose();
    });

    it('applies an in-place write', async () => {
      const { service, reloaded } = await start();
      await dir.write(settings(2));
      await waitFor(revisionIs(2), { description: 'revision 2' });
      expect(service.version).toBe(2);
      expect(reloaded).toHaveLength(1);
      expect(reloaded[0]).toMatchObject({ source: 'watch', changes: ['revision', 'label'] });
    });

    it('turns a burst of 20 writes inside the debounce window into one reload of the last content', async () => {
      const { service, reloaded } = await start({ debounceMs: 300 });
      for (let revision = 2; revision <= 21; revision++) await dir.write(settings(revision));
      await waitFor(revisionIs(21), { description: 'the last write of the burst' });
      // The file now stays at 21, so no later reload can apply anything: the count is final.
      expect(reloaded).toHaveLength(1);
      expect(service.version).toBe(2);
    });

    it('keeps the config on an invalid write, reports it, then applies the next valid write', async () => {
      const { service, failed, reloaded } = await start();
      await dir.write('{ "revision": 2, "label": ');
      await waitFor(() => failed.length === 1, { description: 'config_reload_failed' });
      expect(failed[0]!.error).toBeInstanceOf(ConfigParseError);
      expect(failed[0]).toMatchObject({ source: 'watch', consecutiveErrors: 1 });
      expect(service.config.revision).toBe(1);
      expect(service.getHealth()).toMatchObject({ status: 'degraded', consecutiveErrors: 1 });

      await dir.write({ revision: -1, label: 'x' });
      await waitFor(() => failed.length === 2, { description: 'a schema failure' });
      expect(failed[1]!.error).toBeInstanceOf(ConfigValidationError);
      expect(service.version).toBe(1);

      await dir.write(settings(3));
      await waitFor(revisionIs(3));
      expect(service.version).toBe(2);
      expect(reloaded).toHaveLength(1);
      expect(service.getHealth()).toMatchObject({
        status: 'up',
        consecutiveErrors: 0,
        errorCount: 2,
      });
    });

    it('applies an editor-style atomic save (temp file renamed over the config), several times', async () => {
      const { service } = await start();
      for (let revision = 2; revision <= 4; revision++) {
        await dir.writeAtomically(settings(revision));
        await waitFor(revisionIs(revision), { description: `revision ${revision}` });
      }
      expect(service.version).toBe(4);
    });

    it('keeps the config when the file is deleted, reports it once, and applies it when it comes back', async () => {
      const { service, failed } = await start();
      await dir.remove();
      await waitFor(() => failed.length === 1, { description: 'the deletion report' });
      expect(failed[0]!.error).toBeInstanceOf(ConfigNotFoundError);
      expect(service.getHealth().status).toBe('down');
      expect(service.config.revision).toBe(1);

      await dir.write(settings(5));
      await waitFor(revisionIs(5), { description: 'the recreated file' });
      expect(failed).toHaveLength(1);
      expect(service.getHealth().status).toBe('up');
    });

    it('reports a failure even while another file in the directory keeps changing', async () => {
      const { failed, service } = await start({ debounceMs: 50 });
      const neighbour = join(dir.dir, 'bot.log');
      let writing = true;
      const noisyNeighbour = (async () => {
        for (let line = 0; writing; line++) {
          await appendFile(neighbour, `bar ${line}\n`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      try {
        await dir.write({ revision: 'not a number', label: 'x' });
        await waitFor(() => failed.length === 1, { description: 'the failure report' });
        await dir.write(settings(2));
        await waitFor(revisionIs(2), { description: 'the next valid write' });
        expect(service.version).toBe(2);
      } finally {
        writing = false;
        await noisyNeighbour;
      }
    });

    it('updates two services watching the same file', async () => {
      const first = await start();
      const second = await bootReloader<Settings>({
        name: 'second',
        configPath: dir.file,
        usePolling,
        pollingIntervalMs: 25,
        debounceMs: 50,
        verifyIntervalMs: 0,
      });
      try {
        await dir.write(settings(7));
        await waitFor(
          () => first.service.config.revision === 7 && second.service.config.revision === 7,
          {
            description: 'both services on revision 7',
          },
        );
      } finally {
        await second.close();
      }
    });
  });
}
