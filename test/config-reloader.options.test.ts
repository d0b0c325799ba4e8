import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigReloaderOptionsError, ConfigReloadError } from '../lib/config-reloader.errors.js';
import { DEFAULT_SECRET_KEYS } from '../lib/change/secret-redaction.js';
import { resolveOptions } from '../lib/config-reloader.options.js';
import type { ConfigReloaderOptions } from '../lib/interfaces/index.js';

const CONFIG = path.resolve('/srv/bot/config.json');

/** Calls resolveOptions with deliberately wrong input and returns the error it must throw. */
function optionsError(options: unknown): ConfigReloaderOptionsError {
  try {
    resolveOptions(options as ConfigReloaderOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigReloaderOptionsError);
    expect(error).toBeInstanceOf(ConfigReloadError);
    expect((error as ConfigReloaderOptionsError).code).toBe('CONFIG_OPTIONS');
    return error as ConfigReloaderOptionsError;
  }
  throw new Error(`expected resolveOptions to throw for ${JSON.stringify(options)}`);
}

describe('resolveOptions', () => {
  it('fills in every default', () => {
    const resolved = resolveOptions({ configPath: CONFIG });
    expect(resolved).toMatchObject({
      name: 'default',
      configPath: CONFIG,
      autoReload: true,
      debounceMs: 1000,
      usePolling: false,
      pollingIntervalMs: 100,
      verifyIntervalMs: 1000,
      maxFileBytes: 10 * 1024 * 1024,
      historySize: 10,
      isGlobal: false,
      filePermissions: 'warn',
      secretKeys: DEFAULT_SECRET_KEYS,
    });
    expect(resolved.schemaPath).toBeUndefined();
    expect(resolved.schema).toBeUndefined();
    expect(resolved.dto).toBeUndefined();
  });

  it('keeps the values given', () => {
    const onReload = () => undefined;
    const onError = () => undefined;
    const beforeApply = () => undefined;
    class Dto {}
    const schema = { type: 'object' };
    const resolved = resolveOptions({
      name: 'orders',
      configPath: CONFIG,
      schema,
      dto: Dto,
      autoReload: false,
      debounceMs: 0,
      onReload,
      onError,
      usePolling: true,
      pollingIntervalMs: 250,
      verifyIntervalMs: 0,
      maxFileBytes: 2048,
      historySize: 3,
      isGlobal: true,
      beforeApply,
      auditLogPath: '/var/log/bot/config-audit.jsonl',
      filePermissions: 'refuse',
      secretKeys: ['pin'],
      auditFailure: 'refuse',
    });
    expect(resolved).toEqual({
      name: 'orders',
      configPath: CONFIG,
      schema,
      schemaPath: undefined,
      dto: Dto,
      autoReload: false,
      debounceMs: 0,
      onReload,
      onError,
      usePolling: true,
      pollingIntervalMs: 250,
      verifyIntervalMs: 0,
      maxFileBytes: 2048,
      historySize: 3,
      isGlobal: true,
      beforeApply,
      auditLogPath: '/var/log/bot/config-audit.jsonl',
      filePermissions: 'refuse',
      secretKeys: ['pin'],
      auditFailure: 'refuse',
      relativePaths: {},
      overlays: [],
    });
  });

  it('makes a relative configPath absolute against the working directory', () => {
    const resolved = resolveOptions({ configPath: 'config/bot.json' });
    expect(path.isAbsolute(resolved.configPath!)).toBe(true);
    expect(resolved.configPath).toBe(path.join(process.cwd(), 'config', 'bot.json'));
    // Kept for messages: a missing file's error names the directory it was looked for from.
    expect(resolved.relativePaths.configPath).toEqual({
      given: 'config/bot.json',
      workingDirectory: process.cwd(),
    });
  });

  it('makes a relative schemaPath absolute', () => {
    const resolved = resolveOptions({ configPath: CONFIG, schemaPath: 'config/bot.schema.json' });
    expect(resolved.schemaPath).toBe(path.join(process.cwd(), 'config', 'bot.schema.json'));
  });

  it('keeps an absolute configPath as given', () => {
    expect(resolveOptions({ configPath: CONFIG }).configPath).toBe(CONFIG);
  });

  it('rounds historySize down to a whole number', () => {
    expect(resolveOptions({ configPath: CONFIG, historySize: 4.7 }).historySize).toBe(4);
  });

  it('does not modify the options object', () => {
    const options = { configPath: 'relative.json' };
    resolveOptions(options);
    expect(options).toEqual({ configPath: 'relative.json' });
  });

  describe('refuses bad input with ConfigReloaderOptionsError naming the option', () => {
    it('missing configPath', () => {
      expect(optionsError({}).message).toContain('"configPath"');
    });

    it('empty configPath', () => {
      expect(optionsError({ configPath: '' }).message).toContain('"configPath"');
      expect(optionsError({ configPath: '   ' }).message).toContain('"configPath"');
    });

    it('non-string configPath', () => {
      expect(optionsError({ configPath: 42 }).message).toContain('"configPath"');
    });

    it('negative debounceMs', () => {
      const error = optionsError({ configPath: CONFIG, debounceMs: -1 });
      expect(error.message).toContain('"debounceMs"');
      expect(error.message).toContain('-1');
    });

    it('NaN debounceMs', () => {
      const error = optionsError({ configPath: CONFIG, debounceMs: Number.NaN });
      expect(error.message).toContain('"debounceMs"');
      expect(error.message).toContain('NaN');
    });

    it('infinite or non-numeric debounceMs', () => {
      expect(
        optionsError({ configPath: CONFIG, debounceMs: Number.POSITIVE_INFINITY }).message,
      ).toContain('"debounceMs"');
      expect(optionsError({ configPath: CONFIG, debounceMs: '100' }).message).toContain(
        '"debounceMs"',
      );
    });

    it('both schema and schemaPath', () => {
      const error = optionsError({
        configPath: CONFIG,
        schema: { type: 'object' },
        schemaPath: 'schema.json',
      });
      expect(error.message).toContain('"schema"');
      expect(error.message).toContain('"schemaPath"');
    });

    it('a schema that is not an object', () => {
      expect(optionsError({ configPath: CONFIG, schema: 'schema.json' }).message).toContain(
        '"schema"',
      );
      expect(optionsError({ configPath: CONFIG, schema: null }).message).toContain('"schema"');
    });

    it('a non-string schemaPath', () => {
      expect(optionsError({ configPath: CONFIG, schemaPath: 1 }).message).toContain('"schemaPath"');
    });

    it('an unknown option key', () => {
      const error = optionsError({ configPath: CONFIG, debounce: 500 });
      expect(error.message).toContain('"debounce"');
      expect(error.message).toContain('unknown');
    });

    it('several unknown option keys, all named', () => {
      const error = optionsError({ configPath: CONFIG, debounce: 500, watch: true });
      expect(error.message).toContain('"debounce"');
      expect(error.message).toContain('"watch"');
    });

    it('non-function onReload', () => {
      expect(optionsError({ configPath: CONFIG, onReload: 'log' }).message).toContain('"onReload"');
    });

    it('metrics that are not a ConfigMetrics', () => {
      for (const metrics of [{ register: () => undefined }, 'prometheus', null]) {
        expect(optionsError({ configPath: CONFIG, metrics }).message).toContain(
          '"metrics" must be a ConfigMetrics, such as prometheusMetrics()',
        );
      }
    });

    it('non-function onError', () => {
      expect(optionsError({ configPath: CONFIG, onError: {} }).message).toContain('"onError"');
    });

    it('a dto that is not a class', () => {
      expect(optionsError({ configPath: CONFIG, dto: { stopLoss: 1 } }).message).toContain('"dto"');
    });

    it('non-boolean autoReload', () => {
      expect(optionsError({ configPath: CONFIG, autoReload: 'yes' }).message).toContain(
        '"autoReload"',
      );
      expect(optionsError({ configPath: CONFIG, autoReload: 1 }).message).toContain('"autoReload"');
    });

    it('non-boolean usePolling and isGlobal', () => {
      expect(optionsError({ configPath: CONFIG, usePolling: 'true' }).message).toContain(
        '"usePolling"',
      );
      expect(optionsError({ configPath: CONFIG, isGlobal: 0 }).message).toContain('"isGlobal"');
    });

    it('maxFileBytes 0', () => {
      const error = optionsError({ configPath: CONFIG, maxFileBytes: 0 });
      expect(error.message).toContain('"maxFileBytes"');
      expect(error.message).toContain('>= 1');
    });

    it('negative verifyIntervalMs', () => {
      expect(optionsError({ configPath: CONFIG, verifyIntervalMs: -5 }).message).toContain(
        '"verifyIntervalMs"',
      );
    });

    it('pollingIntervalMs 0', () => {
      expect(optionsError({ configPath: CONFIG, pollingIntervalMs: 0 }).message).toContain(
        '"pollingIntervalMs"',
      );
    });

    it('historySize 0', () => {
      expect(optionsError({ configPath: CONFIG, historySize: 0 }).message).toContain(
        '"historySize"',
      );
    });

    it('an empty name', () => {
      expect(optionsError({ configPath: CONFIG, name: ' ' }).message).toContain('"name"');
    });

    it('options that are not an object', () => {
      expect(optionsError(null).message).toContain('object');
      expect(optionsError('config.json').message).toContain('object');
    });

    it('puts the instance name in the message', () => {
      const error = optionsError({ name: 'orders', configPath: CONFIG, debounceMs: -1 });
      expect(error.message).toContain('"orders"');
    });
  });
});

describe('what an options error shows', () => {
  it.each([
    [{ debounceMs: '500' }, '"debounceMs" must be a finite number >= 0, got the string "500"'],
    [{ debounceMs: -1 }, 'got the number -1'],
    [{ historySize: {} }, '"historySize" must be a finite number >= 1, got an object'],
    [{ name: 7 }, '"name" must be a non-empty string, got the number 7'],
    [{ autoReload: 'yes' }, '"autoReload" must be true or false, got the string "yes"'],
    [{ isGlobal: 0 }, '"isGlobal" must be true or false, got the number 0'],
    [{ onReload: 'log' }, '"onReload" must be a function, got the string "log"'],
    [{ dto: { stopLoss: 1 } }, '"dto" must be a class, got an object'],
    [{ schemaPath: 1 }, '"schemaPath" must be a string, got the number 1'],
    [
      { filePermissions: true },
      `"filePermissions" must be 'warn', 'refuse' or 'ignore', got the boolean true`,
    ],
    [{ secretKeys: 'apiKey' }, 'got the string "apiKey"'],
    [{ auditLogPath: ['a.log'] }, '"auditLogPath" must be a file path, got an array of 1 item(s)'],
  ])('%j: the value with its type', (bad, expected) => {
    expect(optionsError({ configPath: CONFIG, ...bad }).message).toContain(expected);
  });

  it('shortens a long string', () => {
    const message = optionsError({ configPath: CONFIG, debounceMs: 'x'.repeat(200) }).message;
    expect(message).toContain(`got the string "${'x'.repeat(40)}..."`);
    expect(message).not.toContain('x'.repeat(41));
  });

  it('suggests the nearest known name for an unknown option', () => {
    const error = optionsError({ configPath: CONFIG, debounce: 500 });
    expect(error.message).toContain('unknown option "debounce"; did you mean "debounceMs"?');
  });

  it('suggests a name for each unknown option it can, and none where nothing is close', () => {
    const error = optionsError({ configPath: CONFIG, usePoling: true, watch: true });
    expect(error.message).toContain(
      'unknown options "usePoling" (did you mean "usePolling"?), "watch"',
    );
    expect(optionsError({ configPath: CONFIG, watch: true }).message).toMatch(
      /unknown option "watch"$/,
    );
  });
});
