import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigAccessError,
  ConfigNotFoundError,
  ConfigParseError,
  ConfigRejectedError,
  ConfigReloaderClosedError,
  ConfigReloaderOptionsError,
  ConfigReloadError,
  ConfigRollbackError,
  ConfigSchemaError,
  ConfigTooLargeError,
  ConfigValidationError,
  describeError,
  InsecureConfigFileError,
} from '../lib/config-reloader.errors.js';
import type { ConfigReloaderOptions } from '../lib/index.js';
import { createValidationRules } from '../lib/pipeline/config.pipeline.js';
import { ConfigDir } from './support/config-dir.js';
import { bootReloader } from './support/reloader-app.js';

const FILE = '/srv/bot/config.json';

describe('error classes', () => {
  const cases: [string, () => ConfigReloadError, string, string | undefined][] = [
    ['ConfigNotFoundError', () => new ConfigNotFoundError(FILE), 'CONFIG_NOT_FOUND', FILE],
    ['ConfigParseError', () => new ConfigParseError(FILE, 3, 7, 'bad json'), 'CONFIG_PARSE', FILE],
    [
      'ConfigValidationError',
      () => new ConfigValidationError(FILE, [{ path: 'a', message: 'must be number' }]),
      'CONFIG_VALIDATION',
      FILE,
    ],
    ['ConfigAccessError', () => new ConfigAccessError(FILE, 'denied'), 'CONFIG_ACCESS', FILE],
    [
      'ConfigTooLargeError',
      () => new ConfigTooLargeError(FILE, 200, 100),
      'CONFIG_TOO_LARGE',
      FILE,
    ],
    [
      'InsecureConfigFileError',
      () => new InsecureConfigFileError(FILE, 'world-writable'),
      'CONFIG_INSECURE',
      FILE,
    ],
    [
      'ConfigRejectedError',
      () => new ConfigRejectedError(FILE, new Error('open positions')),
      'CONFIG_REJECTED',
      FILE,
    ],
    [
      'ConfigReloaderOptionsError',
      () => new ConfigReloaderOptionsError('default', '"configPath" is required'),
      'CONFIG_OPTIONS',
      undefined,
    ],
    [
      'ConfigReloaderClosedError',
      () => new ConfigReloaderClosedError('orders', FILE),
      'CONFIG_CLOSED',
      FILE,
    ],
    [
      'ConfigRollbackError',
      () => new ConfigRollbackError(FILE, 'only 1 earlier version is kept'),
      'CONFIG_ROLLBACK',
      FILE,
    ],
    [
      'ConfigSchemaError',
      () => new ConfigSchemaError('cannot compile', '/srv/bot/config.schema.json'),
      'CONFIG_SCHEMA',
      '/srv/bot/config.schema.json',
    ],
  ];

  it.each(cases)(
    '%s extends ConfigReloadError and Error with its code, name and configPath',
    (className, create, code, configPath) => {
      const error = create();
      expect(error).toBeInstanceOf(ConfigReloadError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(className);
      expect(error.constructor.name).toBe(className);
      expect(error.configPath).toBe(configPath);
      expect(error.message).not.toBe('');
      expect(String(error)).toContain(className);
    },
  );

  it('covers every error code with a distinct class', () => {
    const codes = cases.map(([, create]) => create().code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.sort()).toEqual(
      [
        'CONFIG_ACCESS',
        'CONFIG_CLOSED',
        'CONFIG_INSECURE',
        'CONFIG_NOT_FOUND',
        'CONFIG_OPTIONS',
        'CONFIG_PARSE',
        'CONFIG_REJECTED',
        'CONFIG_TOO_LARGE',
        'CONFIG_VALIDATION',
        'CONFIG_ROLLBACK',
        'CONFIG_SCHEMA',
      ].sort(),
    );
  });

  it('ConfigReloadError itself carries code, message, configPath and cause', () => {
    const cause = new Error('low level');
    const error = new ConfigReloadError('CONFIG_OPTIONS', 'schema invalid', '/s.json', { cause });
    expect(error.name).toBe('ConfigReloadError');
    expect(error.code).toBe('CONFIG_OPTIONS');
    expect(error.message).toBe('schema invalid');
    expect(error.configPath).toBe('/s.json');
    expect(error.cause).toBe(cause);
  });

  it('ConfigNotFoundError names the file and keeps the cause', () => {
    const cause = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    const error = new ConfigNotFoundError(FILE, { cause });
    expect(error.message).toContain(FILE);
    expect(error.cause).toBe(cause);
  });

  it('ConfigParseError carries line and column', () => {
    const error = new ConfigParseError(FILE, 3, 7, 'Invalid JSON');
    expect(error.line).toBe(3);
    expect(error.column).toBe(7);
    expect(error.message).toBe('Invalid JSON');
  });

  it('ConfigValidationError carries the issues and lists each path in its message', () => {
    const issues = [
      { path: 'strategies.1.risk.stopLoss', message: 'must be <= 1' },
      { path: 'exchange', message: 'is required' },
      { path: '', message: 'must be object' },
    ];
    const error = new ConfigValidationError(FILE, issues);
    expect(error.issues).toEqual(issues);
    expect(error.message).toContain(FILE);
    expect(error.message).toContain('3 issue(s)');
    expect(error.message).toContain('- strategies.1.risk.stopLoss: must be <= 1');
    expect(error.message).toContain('- exchange: is required');
    expect(error.message).toContain('- (root): must be object');
  });

  it('ConfigTooLargeError carries size and limit and puts both in the message', () => {
    const error = new ConfigTooLargeError(FILE, 20_000_000, 10_485_760);
    expect(error.size).toBe(20_000_000);
    expect(error.limit).toBe(10_485_760);
    expect(error.message).toContain('20000000');
    expect(error.message).toContain('10485760');
    expect(error.message).toContain(FILE);
  });

  it('ConfigRejectedError keeps the veto reason as cause and in the message', () => {
    const reason = new Error('strategy "trend" holds open positions');
    const error = new ConfigRejectedError(FILE, reason);
    expect(error.cause).toBe(reason);
    expect(error.message).toContain('strategy "trend" holds open positions');
    expect(new ConfigRejectedError(FILE, 'not now').message).toContain('not now');
  });

  it('ConfigReloaderOptionsError names the instance and the problem', () => {
    const error = new ConfigReloaderOptionsError('orders', '"debounceMs" must be a finite number');
    expect(error.message).toContain('"orders"');
    expect(error.message).toContain('"debounceMs" must be a finite number');
  });

  it('ConfigReloaderClosedError names the instance', () => {
    expect(new ConfigReloaderClosedError('orders', FILE).message).toContain('[orders]');
  });
});

describe('describeError', () => {
  it('uses the message of an Error', () => {
    expect(describeError(new TypeError('bad type'))).toBe('bad type');
    expect(describeError(new ConfigAccessError(FILE, 'denied'))).toBe('denied');
  });

  it('returns a string as is', () => {
    expect(describeError('plain reason')).toBe('plain reason');
  });

  it('serializes an object as JSON', () => {
    expect(describeError({ code: 42, reason: 'nope' })).toBe('{"code":42,"reason":"nope"}');
    expect(describeError([1, 'a'])).toBe('[1,"a"]');
  });

  it('handles values JSON cannot describe', () => {
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError(null)).toBe('null');
    expect(describeError(7)).toBe('7');
    expect(describeError(10n)).toBe('10');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeError(circular)).toBe('[object Object]');
  });
});

describe('a path given relative, which is resolved against the working directory', () => {
  const boot = (options: Partial<ConfigReloaderOptions<object>>) =>
    bootReloader({ configPath: join(tmpdir(), 'unused.json'), ...options });

  it('a missing config file names the working directory the path was resolved against', async () => {
    const error = await boot({ configPath: join('no-such-dir', 'bot.json') }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect((error as Error).message).toContain(
      `Config file not found: ${join(process.cwd(), 'no-such-dir', 'bot.json')} ("${join('no-such-dir', 'bot.json')}" is relative to the working directory ${process.cwd()}).`,
    );
  });

  it('an absolute config path is named as given, with no working directory', async () => {
    const missing = join(tmpdir(), 'no-such-dir', 'bot.json');
    const error = await boot({ configPath: missing }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect((error as Error).message).toContain(`Config file not found: ${missing}.`);
    expect((error as Error).message).not.toContain('working directory');
  });

  it('a schema file that cannot be loaded names the working directory too', async () => {
    const dir = await ConfigDir.create({ a: 1 });
    try {
      const error = await boot({
        configPath: dir.file,
        schemaPath: join('no-such-dir', 'bot.schema.json'),
      }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ConfigSchemaError);
      expect((error as Error).message).toContain(
        `Cannot load JSON Schema ${join(process.cwd(), 'no-such-dir', 'bot.schema.json')} ("${join('no-such-dir', 'bot.schema.json')}" is relative to the working directory ${process.cwd()}):`,
      );
    } finally {
      await dir.dispose();
    }
  });

  it('so does a schema path given relative on the command line', async () => {
    const error = await createValidationRules({ schemaPath: 'no-such.schema.json' }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigSchemaError);
    expect((error as Error).message).toContain(
      `("no-such.schema.json" is relative to the working directory ${process.cwd()})`,
    );
  });
});
