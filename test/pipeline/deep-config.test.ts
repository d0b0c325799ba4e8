import 'reflect-metadata';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigValidationError } from '../../lib/index.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

/** `{ "next": { "next": ... { "end": true } } }`, `levels` objects deep. */
function nested(levels: number): string {
  return '{"next":'.repeat(levels - 1) + '{"end":true}' + '}'.repeat(levels - 1);
}

describe('a config nested too deeply', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<Record<string, unknown>> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  it('is refused as a validation error that says why, and changes nothing', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader({ configPath: dir.file, autoReload: false });
    const { service, reloaded } = harness;
    const deep = nested(1100);
    expect(() => JSON.parse(deep)).not.toThrow(); // valid JSON: only the depth is wrong

    await dir.write(deep);
    const error = await service.reloadConfig().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigValidationError);
    const refused = error as ConfigValidationError;
    expect(refused.code).toBe('CONFIG_VALIDATION');
    expect(refused.issues[0]?.message).toContain('nests deeper than 1000 levels');
    expect(refused.message).not.toContain('a validator threw');

    expect(service.config).toEqual({ revision: 1 });
    expect(service.version).toBe(1);
    expect(reloaded).toHaveLength(0);
  });

  it('is reported the same way when the watcher finds it', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader({ configPath: dir.file, debounceMs: 20, verifyIntervalMs: 50 });
    const { service, failed } = harness;
    await dir.write(nested(1100));
    await waitFor(() => failed.length > 0, {
      timeoutMs: 10_000,
      description: 'the failed reload of the deep config',
    });
    const refused = failed[0]!.error as ConfigValidationError;
    expect(refused).toBeInstanceOf(ConfigValidationError);
    expect(refused.issues[0]?.message).toContain('nests deeper than 1000 levels');
    expect(refused.message).not.toContain('a validator threw');
    expect(service.config).toEqual({ revision: 1 });
    expect(service.version).toBe(1);
  });

  it('still accepts a config 1000 levels deep', async () => {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader({ configPath: dir.file, autoReload: false });
    await dir.write(nested(1000));
    await harness.service.reloadConfig();
    expect(harness.service.version).toBe(2);
  });
});
