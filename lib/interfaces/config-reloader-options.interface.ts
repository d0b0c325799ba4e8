import type { ModuleMetadata, Type } from '@nestjs/common';
import type { ConfigReloadError } from '../config-reloader.errors.js';
import type { ConfigMetrics } from './config-metrics.interface.js';
import type { ConfigSource } from './config-source.interface.js';

/**
 * What a DTO does with a key it has no rules for: `'allow'` takes it over as it is (class-
 * transformer's default), `'refuse'` makes it a validation issue at its path, so a misspelt key
 * is caught instead of silently leaving its setting at the default.
 */
export type UnknownKeys = 'allow' | 'refuse';

/** A JSON Schema document, as Ajv 8 accepts it (draft-07 by default). */
export type JsonSchema = Record<string, unknown> | boolean;

export interface ConfigReloaderOptions<T extends object = Record<string, unknown>> {
  /**
   * Name of this instance; give each instance in one app its own name and inject it with
   * `@InjectConfigReloader(name)`.
   * @default 'default'
   */
  name?: string;
  /**
   * Path of the JSON config file; relative paths are resolved against `process.cwd()`. Shorthand
   * for the file source; give exactly one of `configPath` and `configSource`.
   */
  configPath?: string;
  /**
   * Where the config lives when it is not a local file: any `ConfigSource` (etcd, your own).
   * Give exactly one of `configPath` and `configSource`.
   */
  configSource?: ConfigSource;
  /**
   * JSON merge-patch files (RFC 7386) layered over `configPath`, in this order: each names the
   * members it changes, `null` removes one, arrays are replaced whole. The merged document is what
   * is validated and applied, and its hash is the revision. Resolved like `configPath`, read with
   * the same size limit and permission checks, and watched like it: editing any of them reloads.
   * A missing or invalid overlay fails the start, or later the reload (the config in force stays).
   * `getHealth().variant.overlays` and each history entry name them as given here; `rollback()`
   * writes the base file only. File source only: not with `configSource`.
   * @default [] (no overlays)
   */
  overlayPaths?: string[];
  /** Path of a JSON Schema file to validate every config against (mutually exclusive with `schema`). */
  schemaPath?: string;
  /**
   * A JSON Schema object to validate every config against (mutually exclusive with `schemaPath`),
   * or `'fromDto'`: the schema generated once from `dto` (draft 2020-12; what
   * `config-reloader schema --dto` prints). It checks structure before the DTO and never refuses a
   * config the DTO accepts; rules it cannot express are left to the DTO.
   */
  schema?: JsonSchema | 'fromDto';
  /**
   * A class decorated with class-validator; every config is turned into an instance with
   * class-transformer's `plainToInstance` and validated (nested DTOs included). `config` is then
   * that instance, deep-frozen.
   */
  dto?: Type<T>;
  /**
   * What the DTO does with a key it has no rules for. `'allow'` keeps it in the config as it is;
   * `'refuse'` makes it a validation issue at its path ("property fastPeroid should not exist
   * (did you mean "fastPeriod"?)", when a declared key is missing), so a misspelt key fails the reload instead of leaving its setting at the default. A
   * top-level `$schema` (an editor's schema reference) is never refused: it is left out. With
   * `schema: 'fromDto'`, the generated schema refuses unknown keys too. Needs `dto`.
   * @default 'allow'
   */
  unknownKeys?: UnknownKeys;
  /**
   * Watch the file and reload on change. When false, only `reloadConfig()` changes the config.
   * @default true
   */
  autoReload?: boolean;
  /**
   * Quiet period after the last file event before the file is read (trailing debounce: the
   * final write of a burst is always the one applied).
   * @default 1000
   */
  debounceMs?: number;
  /** Called after a new config was applied (not for the initial load). Errors are logged and isolated. */
  onReload?: (newConfig: Readonly<T>, oldConfig: Readonly<T>) => void | Promise<void>;
  /** Called when an automatic reload failed; the current config is kept. Errors are logged and isolated. */
  onError?: (error: ConfigReloadError) => void | Promise<void>;
  /**
   * The app's own veto, run after schema and DTO validation and before the swap: throw or
   * reject to keep the current config (reported as `ConfigRejectedError`). For business rules
   * such as "never drop a strategy that holds positions".
   */
  beforeApply?: (next: Readonly<T>, current: Readonly<T>) => void | Promise<void>;
  /**
   * Append one JSON line per load, applied reload, rollback and failed reload to this file
   * (values under secret keys redacted). Created with mode 0600; never written through a
   * symbolic link at this path (the append fails, and `auditFailure` decides).
   */
  auditLogPath?: string;
  /**
   * What to do when an applied change's audit record cannot be written (full disk, unwritable
   * directory): 'warn' logs and applies it anyway; 'refuse' keeps the current config and reports
   * the change as failed (`ConfigAuditError`, CONFIG_AUDIT), as audited systems do. The record is
   * always written before the reload resolves and before anyone is notified.
   * @default 'warn'
   */
  auditFailure?: 'warn' | 'refuse';
  /**
   * What to do with a config file that is group- or world-writable or owned by another
   * non-root user: log a warning, refuse it (`InsecureConfigFileError`), or ignore it.
   * A file readable by everyone (o+r) is warned about under 'warn' and 'refuse', never refused
   * (ConfigMap volumes are 0644 by default). Checked on every read.
   * @default 'warn'
   */
  filePermissions?: 'warn' | 'refuse' | 'ignore';
  /**
   * Keys whose values never leave `config`: redacted in errors, logs, audit records and change
   * details, with every key name below them. A string matches a key that ends with it as whole
   * words, case and separators aside (`'key'`: `apiKey`, `hmac_key`, not `keyboard`); a RegExp
   * is tested against the key as written. Replaces the default list; extend it with
   * `[...DEFAULT_SECRET_KEYS, 'apiSignature']`.
   * @default DEFAULT_SECRET_KEYS (password, pass, pwd, secret, token, key, private, credentials, auth, authorization, bearer, jwt, session, cookie, dsn, connection string, mnemonic, seed, otp, pin, vcap_services, ...)
   */
  secretKeys?: readonly (string | RegExp)[];
  /**
   * Poll the directory instead of using native events: for network filesystems (NFS, SMB, some
   * container mounts) where inotify sees nothing.
   * @default false
   */
  usePolling?: boolean;
  /**
   * Polling interval with `usePolling`.
   * @default 100
   */
  pollingIntervalMs?: number;
  /**
   * Interval of a cheap stat check (size, mtime, inode, symlink target) that catches a change
   * the watcher missed; the content hash is read only when one of those moved. 0 disables it.
   * @default 1000
   */
  verifyIntervalMs?: number;
  /**
   * Files larger than this are refused with `ConfigTooLargeError`.
   * @default 10485760 (10 MiB)
   */
  maxFileBytes?: number;
  /**
   * How many applied versions `getHistory()` keeps (the current one included).
   * @default 10
   */
  historySize?: number;
  /**
   * Where to report reloads, their results and durations, and the state of the config in force:
   * `prometheusMetrics()` from `nestjs-config-reloader/prometheus`, `openTelemetryMetrics()` from
   * `nestjs-config-reloader/opentelemetry`, or your own `ConfigMetrics`. See docs/monitoring.md.
   * @default undefined (no metrics)
   */
  metrics?: ConfigMetrics;
  /**
   * Register the module globally, so that every module can inject the service.
   * @default false
   */
  isGlobal?: boolean;
}

/** `forRootAsync` options: the instance name and scope are static, the rest comes from a factory. */
export interface ConfigReloaderAsyncOptions<
  T extends object = Record<string, unknown>,
> extends Pick<ModuleMetadata, 'imports'> {
  /** @default 'default' */
  name?: string;
  /** @default false */
  isGlobal?: boolean;
  // Nest's own type for `inject` entries (tokens or optional-factory dependencies).
  inject?: NonNullable<import('@nestjs/common').FactoryProvider['inject']>;
  useFactory: (
    ...args: any[]
  ) =>
    | Omit<ConfigReloaderOptions<T>, 'name' | 'isGlobal'>
    | Promise<Omit<ConfigReloaderOptions<T>, 'name' | 'isGlobal'>>;
}
