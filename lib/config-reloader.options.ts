import { resolve } from 'node:path';
import {
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_INSTANCE_NAME,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_POLLING_INTERVAL_MS,
  DEFAULT_VERIFY_INTERVAL_MS,
} from './config-reloader.constants.js';
import { ConfigReloaderOptionsError } from './config-reloader.errors.js';
import { messages } from './config-reloader.messages.js';
import { resolvePath, type RelativePath } from './config-reloader.paths.js';
import { closestName } from './config-reloader.suggest.js';
import { DEFAULT_SECRET_KEYS } from './change/secret-redaction.js';
import type { ConfigSource } from './interfaces/config-source.interface.js';
import type { ConfigReloaderOptions } from './interfaces/index.js';
import { timerProblem } from './config-reloader.timers.js';
import { resolveOverlayPaths } from './config-reloader.overlay-paths.js';
import type { FileOverlay } from './sources/file/file.source.js';

/** Options whose defaults are filled in by `resolveOptions`. */
type DefaultedOption =
  | 'name'
  | 'autoReload'
  | 'debounceMs'
  | 'usePolling'
  | 'pollingIntervalMs'
  | 'verifyIntervalMs'
  | 'maxFileBytes'
  | 'historySize'
  | 'isGlobal'
  | 'filePermissions'
  | 'secretKeys'
  | 'auditFailure';

/** Options with every default filled in and the file paths made absolute. */
export type ResolvedConfigReloaderOptions<T extends object> = Omit<
  ConfigReloaderOptions<T>,
  DefaultedOption
> &
  Required<Pick<ConfigReloaderOptions<T>, DefaultedOption>> & {
    /** How `configPath` and `schemaPath` were given, when relative: for messages. */
    relativePaths: { configPath?: RelativePath; schemaPath?: RelativePath };
    /** `overlayPaths` made absolute, each with how it was given; empty without overlays. */
    overlays: readonly FileOverlay[];
  };

// Every option key, once; the compiler refuses this object when the interface gains or loses one.
const OPTION_KEYS: Record<keyof ConfigReloaderOptions, true> = {
  name: true,
  configPath: true,
  configSource: true,
  overlayPaths: true,
  schemaPath: true,
  schema: true,
  dto: true,
  unknownKeys: true,
  autoReload: true,
  debounceMs: true,
  onReload: true,
  onError: true,
  beforeApply: true,
  auditLogPath: true,
  auditFailure: true,
  filePermissions: true,
  secretKeys: true,
  usePolling: true,
  pollingIntervalMs: true,
  verifyIntervalMs: true,
  maxFileBytes: true,
  historySize: true,
  isGlobal: true,
  metrics: true,
};
const KNOWN_OPTIONS = new Set<string>(Object.keys(OPTION_KEYS));

/**
 * Checks options when the module is created and fills in the defaults, so that a mistake shows
 * up at start with a clear message instead of as odd behaviour on the first reload.
 */
export function resolveOptions<T extends object>(
  options: ConfigReloaderOptions<T>,
): ResolvedConfigReloaderOptions<T> {
  const name = options?.name ?? DEFAULT_INSTANCE_NAME;
  const fail = (problem: string): never => {
    throw new ConfigReloaderOptionsError(String(name), problem);
  };
  const got = (value: unknown) => `, got ${messages.optionValue(value)}`;
  if (options === null || typeof options !== 'object')
    fail(`options must be an object${got(options)}`);
  if (typeof name !== 'string' || name.trim() === '') {
    fail(`"name" must be a non-empty string${got(name)}`);
  }

  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) {
    fail(
      messages.unknownOptions(
        unknown.map((key) => ({ key, suggestion: closestName(key, KNOWN_OPTIONS) })),
      ),
    );
  }
  if (options.configSource !== undefined) {
    if (options.configPath !== undefined)
      fail('give either "configPath" or "configSource", not both');
    if (!isConfigSource(options.configSource)) {
      fail(
        `"configSource" must be a ConfigSource: an object with id, read() and watch()${got(options.configSource)}`,
      );
    }
  } else if (options.configPath === undefined) {
    fail('"configPath" is required (the path of the JSON config file), or give a "configSource"');
  } else if (typeof options.configPath !== 'string' || options.configPath.trim() === '') {
    fail(
      `"configPath" must be the path of the JSON config file${got(options.configPath)}, or give a "configSource"`,
    );
  }
  if (options.schema !== undefined && options.schemaPath !== undefined) {
    fail('give either "schema" or "schemaPath", not both');
  }
  if (options.schemaPath !== undefined && typeof options.schemaPath !== 'string') {
    fail(`"schemaPath" must be a string${got(options.schemaPath)}`);
  }
  if (options.schema === 'fromDto') {
    if (options.dto === undefined) fail(messages.schemaFromDtoWithoutDto());
  } else if (
    options.schema !== undefined &&
    typeof options.schema !== 'boolean' &&
    (options.schema === null || typeof options.schema !== 'object')
  ) {
    fail(`"schema" must be a JSON Schema object or 'fromDto'${got(options.schema)}`);
  }
  if (options.unknownKeys !== undefined) {
    if (options.unknownKeys !== 'allow' && options.unknownKeys !== 'refuse') {
      fail(`"unknownKeys" must be 'allow' or 'refuse'${got(options.unknownKeys)}`);
    }
    if (options.dto === undefined) fail(messages.unknownKeysWithoutDto());
  }
  for (const key of ['dto', 'onReload', 'onError', 'beforeApply'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      fail(`"${key}" must be a ${key === 'dto' ? 'class' : 'function'}${got(options[key])}`);
    }
  }
  for (const key of ['autoReload', 'usePolling', 'isGlobal'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      fail(`"${key}" must be true or false${got(options[key])}`);
    }
  }

  if (
    options.auditLogPath !== undefined &&
    (typeof options.auditLogPath !== 'string' || options.auditLogPath === '')
  ) {
    fail(`"auditLogPath" must be a file path${got(options.auditLogPath)}`);
  }
  if (
    options.filePermissions !== undefined &&
    !['warn', 'refuse', 'ignore'].includes(options.filePermissions)
  ) {
    fail(`"filePermissions" must be 'warn', 'refuse' or 'ignore'${got(options.filePermissions)}`);
  }
  if (options.auditFailure !== undefined && !['warn', 'refuse'].includes(options.auditFailure)) {
    fail(`"auditFailure" must be 'warn' or 'refuse'${got(options.auditFailure)}`);
  }
  if (options.metrics !== undefined && typeof options.metrics?.attach !== 'function') {
    fail(`"metrics" must be a ConfigMetrics, such as prometheusMetrics()${got(options.metrics)}`);
  }
  if (
    options.secretKeys !== undefined &&
    (!Array.isArray(options.secretKeys) ||
      !options.secretKeys.every((key) => typeof key === 'string' || key instanceof RegExp))
  ) {
    fail(
      `"secretKeys" must be an array of strings and regular expressions${got(options.secretKeys)}`,
    );
  }

  const number = (key: string, value: number | undefined, fallback: number, min: number) => {
    const result = value ?? fallback;
    if (typeof result !== 'number' || !Number.isFinite(result) || result < min) {
      fail(`"${key}" must be a finite number >= ${min}${got(value)}`);
    }
    return result;
  };
  /** A delay in ms, which a timer must be able to hold. */
  const duration = (key: string, value: number | undefined, fallback: number, min: number) => {
    const result = number(key, value, fallback, min);
    const problem = timerProblem(result);
    if (problem) fail(`"${key}" must be ${problem}${got(value)}`);
    return result;
  };
  const configPath = options.configPath === undefined ? undefined : resolvePath(options.configPath);
  const schemaPath = options.schemaPath === undefined ? undefined : resolvePath(options.schemaPath);
  return {
    ...options,
    name,
    configPath: configPath?.path,
    schemaPath: schemaPath?.path,
    relativePaths: { configPath: configPath?.relative, schemaPath: schemaPath?.relative },
    overlays: resolveOverlayPaths(options, configPath?.path, fail, got),
    autoReload: options.autoReload ?? true,
    debounceMs: duration('debounceMs', options.debounceMs, DEFAULT_DEBOUNCE_MS, 0),
    usePolling: options.usePolling ?? false,
    pollingIntervalMs: duration(
      'pollingIntervalMs',
      options.pollingIntervalMs,
      DEFAULT_POLLING_INTERVAL_MS,
      1,
    ),
    verifyIntervalMs: duration(
      'verifyIntervalMs',
      options.verifyIntervalMs,
      DEFAULT_VERIFY_INTERVAL_MS,
      0,
    ),
    maxFileBytes: number('maxFileBytes', options.maxFileBytes, DEFAULT_MAX_FILE_BYTES, 1),
    historySize: Math.floor(number('historySize', options.historySize, DEFAULT_HISTORY_SIZE, 1)),
    isGlobal: options.isGlobal ?? false,
    auditLogPath: options.auditLogPath === undefined ? undefined : resolve(options.auditLogPath),
    filePermissions: options.filePermissions ?? 'warn',
    auditFailure: options.auditFailure ?? 'warn',
    secretKeys: options.secretKeys ?? DEFAULT_SECRET_KEYS,
  };
}

function isConfigSource(value: unknown): value is ConfigSource {
  const source = value as Partial<ConfigSource> | null;
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof source.id === 'string' &&
    source.id !== '' &&
    typeof source.read === 'function' &&
    typeof source.watch === 'function'
  );
}
