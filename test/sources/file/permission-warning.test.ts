import 'reflect-metadata';
import { chmod } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CapturingLogger } from '../../support/capturing-logger.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

interface Settings {
  revision: number;
}

// The check reads the mode bits, so it holds when the tests run as root too.
describe('the insecure-permissions warning', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<Settings> | undefined;
  let logger: CapturingLogger;

  const insecureWarnings = () =>
    logger.lines.filter((line) => line.level === 'warn' && line.text.includes('world-writable'));

  async function boot(autoReload: boolean) {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.file, 0o666);
    logger = new CapturingLogger();
    harness = await bootReloader<Settings>(
      {
        configPath: dir.file,
        filePermissions: 'warn',
        autoReload,
        debounceMs: 20,
        verifyIntervalMs: 50,
      },
      { logger },
    );
    return harness;
  }

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  it('warns again when the problem comes back after a fix (changes seen by the watcher)', async () => {
    const { service } = await boot(true);
    expect(insecureWarnings()).toHaveLength(1);
    expect(insecureWarnings()[0]!.text).toContain(dir!.file);

    await chmod(dir!.file, 0o644);
    await dir!.write({ revision: 2 });
    await waitFor(() => service.config.revision === 2, {
      timeoutMs: 10_000,
      description: 'revision 2 from the fixed file',
    });
    expect(insecureWarnings(), 'a fixed file is not warned about').toHaveLength(1);

    await chmod(dir!.file, 0o666);
    await dir!.write({ revision: 3 });
    await waitFor(() => service.config.revision === 3, {
      timeoutMs: 10_000,
      description: 'revision 3 from the world-writable file',
    });
    // The read that brought revision 3 saw the mode first.
    expect(insecureWarnings(), 'the problem came back').toHaveLength(2);
    expect(service.version).toBe(3);
  });

  it('warns again when the problem comes back after a fix (manual reloads)', async () => {
    const { service } = await boot(false);
    expect(insecureWarnings()).toHaveLength(1);

    await chmod(dir!.file, 0o644);
    await dir!.write({ revision: 2 });
    await expect(service.reloadConfig()).resolves.toEqual({ revision: 2 });
    expect(insecureWarnings()).toHaveLength(1);

    await chmod(dir!.file, 0o666);
    await dir!.write({ revision: 3 });
    await expect(service.reloadConfig()).resolves.toEqual({ revision: 3 });
    expect(insecureWarnings()).toHaveLength(2);

    // A permission change alone is seen too: no new content is needed.
    await chmod(dir!.file, 0o644);
    await service.reloadConfig();
    await chmod(dir!.file, 0o666);
    await service.reloadConfig();
    expect(insecureWarnings()).toHaveLength(3);
    expect(service.version).toBe(3);
  });

  it('does not repeat the warning while the same problem stays', async () => {
    const { service } = await boot(false);
    for (let revision = 2; revision <= 4; revision++) {
      await dir!.write({ revision });
      await expect(service.reloadConfig()).resolves.toEqual({ revision });
    }
    await service.reloadConfig(); // unchanged content, still world-writable
    expect(service.version).toBe(4);
    expect(insecureWarnings()).toHaveLength(1);
  });
});
