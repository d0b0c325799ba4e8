import 'reflect-metadata';
import { chmod, chown } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { InsecureConfigFileError } from '../../../lib/index.js';
import { findPermissionProblem } from '../../../lib/sources/file/file-permissions.js';
import { CapturingLogger } from '../../support/capturing-logger.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { asUnprivilegedUser } from '../../support/unprivileged.js';
import { waitFor } from '../../support/wait-for.js';

type Policy = 'warn' | 'refuse' | 'ignore';

describe('file permissions', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<{ revision: number }> | undefined;

  async function boot(policy: Policy, logger = new CapturingLogger()) {
    harness = await bootReloader<{ revision: number }>(
      { configPath: dir.file, filePermissions: policy, debounceMs: 20, verifyIntervalMs: 50 },
      { logger },
    );
    return { ...harness, logger };
  }

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  const cases: [number, Policy, 'loads' | 'warns' | 'refuses'][] = [
    [0o644, 'warn', 'loads'],
    [0o664, 'warn', 'warns'],
    [0o666, 'warn', 'warns'],
    [0o644, 'refuse', 'loads'],
    [0o664, 'refuse', 'refuses'],
    [0o666, 'refuse', 'refuses'],
    [0o644, 'ignore', 'loads'],
    [0o664, 'ignore', 'loads'],
    [0o666, 'ignore', 'loads'],
  ];

  it.each(cases)('mode %o under %s: %s', async (mode, policy, outcome) => {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.file, mode);
    const logger = new CapturingLogger();
    if (outcome === 'refuses') {
      await expect(boot(policy, logger)).rejects.toBeInstanceOf(InsecureConfigFileError);
      await expect(boot(policy, logger)).rejects.toThrow(/chmod go-w/);
      return;
    }
    const { service } = await boot(policy, logger);
    expect(service.config.revision).toBe(1);
    const warnings = logger.lines.filter(
      (line) => line.level === 'warn' && line.text.includes('writable'),
    );
    expect(warnings).toHaveLength(outcome === 'warns' ? 1 : 0);
    if (outcome === 'warns') {
      expect(warnings[0]!.text).toContain(mode === 0o666 ? 'world-writable' : 'group-writable');
    }
  });

  // Config files hold API keys: one readable by everyone is told about, under 'refuse' too, but
  // only 'refuse' refuses what others can write (a ConfigMap is mounted 0644 by default).
  const readableCases: [string, Policy, number][] = [
    ['644', 'warn', 1],
    ['604', 'warn', 1],
    ['640', 'warn', 0],
    ['600', 'warn', 0],
    ['644', 'refuse', 1],
    ['640', 'refuse', 0],
    ['644', 'ignore', 0],
  ];

  const readableWarnings = (logger: CapturingLogger) =>
    logger.lines.filter(
      (line) => line.level === 'warn' && line.text.includes('readable by everyone'),
    );

  it.each(readableCases)(
    'mode %s under %s: loads, with %i warning(s) that everyone can read it',
    async (octal, policy, count) => {
      dir = await ConfigDir.create({ revision: 1, apiKey: 'sk-live-0123456789' });
      await chmod(dir.file, parseInt(octal, 8));
      const logger = new CapturingLogger();
      const { service } = await boot(policy, logger);
      expect(service.config.revision).toBe(1);
      const warnings = readableWarnings(logger);
      expect(warnings).toHaveLength(count);
      for (const warning of warnings) {
        expect(warning.text).toContain(dir.file);
        expect(warning.text).toContain(`mode 0${octal}`);
        expect(warning.text).toContain(`chmod o-r ${dir.file}`);
        expect(warning.text).not.toContain('sk-live-0123456789');
      }
    },
  );

  it('says once that a world-readable file is readable, however often it is read', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.file, 0o644);
    const logger = new CapturingLogger();
    const { service } = await boot('warn', logger);
    for (const revision of [2, 3]) {
      await dir.write({ revision });
      await expect(service.reloadConfig()).resolves.toEqual({ revision });
    }
    expect(readableWarnings(logger)).toHaveLength(1);
  });

  it('checks on every reload, not only at start', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.file, 0o644);
    const { service, failed } = await boot('refuse');
    await dir.write({ revision: 2 });
    await chmod(dir.file, 0o666);
    await waitFor(() => failed.length === 1, { description: 'the refusal' });
    expect(failed[0]!.error).toBeInstanceOf(InsecureConfigFileError);
    expect(service.config.revision).toBe(1);
    await chmod(dir.file, 0o644);
    await waitFor(() => service.config.revision === 2, { description: 'the fixed file' });
  });

  it('refuses a file owned by another non-root user', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const problem = findPermissionProblem(dir.file, { mode: 0o100644, uid: 1234 }, 1000);
    expect(problem).toMatch(/owned by uid 1234/);
    expect(findPermissionProblem(dir.file, { mode: 0o100644, uid: 0 }, 1000)).toBeUndefined();
    expect(findPermissionProblem(dir.file, { mode: 0o100644, uid: 1000 }, 1000)).toBeUndefined();
    if (process.geteuid?.() === 0) {
      await chown(dir.file, 1234, 1234);
      await expect(boot('refuse')).rejects.toThrow(/owned by uid 1234/);
    }
  });

  it('reports a permission-denied read as a typed error and keeps the config', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    await chmod(dir.dir, 0o755);
    await chmod(dir.file, 0o644);
    const { service } = await boot('ignore');
    await chmod(dir.file, 0o600);
    await asUnprivilegedUser(async () => {
      await expect(service.reloadConfig()).rejects.toMatchObject({
        code: 'CONFIG_ACCESS',
        message: expect.stringContaining('EACCES'),
      });
    });
    expect(service.config.revision).toBe(1);
  });
});
