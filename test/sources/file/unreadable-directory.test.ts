import 'reflect-metadata';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigAccessError } from '../../../lib/index.js';
import { readConfigFile } from '../../../lib/sources/file/config-file.reader.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { asUnprivilegedUser } from '../../support/unprivileged.js';

const MiB = 1024 * 1024;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

describe('a config file behind a directory that may not be searched', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<{ revision: number }> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    if (dir) await chmod(dir.dir, 0o755);
    await dir?.dispose();
    dir = undefined;
  });

  it('names the file and says that its directory is not searchable', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.file, 0o644);
    await chmod(dir.dir, 0o644); // readable, but without x nothing in it can be reached
    const error = await asUnprivilegedUser(() => rejection(readConfigFile(dir!.file, MiB)));
    expect(error).toBeInstanceOf(ConfigAccessError);
    const refused = error as ConfigAccessError;
    expect(refused.code).toBe('CONFIG_ACCESS');
    expect(refused.message).toContain(`Cannot read config file ${dir.file} (EACCES)`);
    expect(refused.message).toContain(`its directory ${dir.dir} is not searchable`);
    expect(refused.message).toContain(`chmod o+x ${dir.dir}`);
  });

  it('names a directory further up the path when that is the one', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const nested = join(dir.dir, 'etc', 'bot');
    await mkdir(nested, { recursive: true, mode: 0o755 });
    const file = join(nested, 'bot.json');
    await writeFile(file, '{}', { mode: 0o644 });
    await chmod(dir.dir, 0o600);
    const error = await asUnprivilegedUser(() => rejection(readConfigFile(file, MiB)));
    expect((error as Error).message).toContain(`the directory ${dir.dir} on its path`);
  });

  it('still blames the file itself when the directories are searchable', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.dir, 0o755);
    await chmod(dir.file, 0o600);
    const error = await asUnprivilegedUser(() => rejection(readConfigFile(dir!.file, MiB)));
    expect(error).toBeInstanceOf(ConfigAccessError);
    expect((error as Error).message).toContain(`Cannot read config file ${dir.file} (EACCES)`);
    expect((error as Error).message).not.toContain('searchable');
  });

  it('fails a reload with that message and keeps the config', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.dir, 0o755);
    await chmod(dir.file, 0o644);
    harness = await bootReloader<{ revision: number }>({
      configPath: dir.file,
      autoReload: false,
      filePermissions: 'ignore',
    });
    await chmod(dir.dir, 0o644);
    await asUnprivilegedUser(async () => {
      await expect(harness!.service.reloadConfig()).rejects.toMatchObject({
        code: 'CONFIG_ACCESS',
        message: expect.stringContaining(`its directory ${dir!.dir} is not searchable`),
      });
    });
    expect(harness.service.config.revision).toBe(1);
  });
});
