import type { ModuleMetadata, Type } from '@nestjs/common';
import type { ConfigReloadError } from '../config-reloader.errors.js';

/** A JSON Schema document, as Ajv 8 accepts it (draft-07 by default). */
export type JsonSchema = Record<string, unknown> | boolean;

export interface ConfigReloaderOptions<T extends object = Record<string, unknown>> {
  /**
   * Name of this instance; give each instance in one app its own name and inject it with
   * `@InjectConfigReloader(name)`.
   * @default 'default'
   */
  name?: string;
  /** Path of the JSON config file; relative paths are resolved against `process.cwd()`. */
  configPath: string;
  /** Path of a JSON Schema file to validate every config against (mutually exclusive with `schema`). */
  schemaPath?: string;
  /** A JSON Schema object to validate every config against (mutually exclusive with `schemaPath`). */
  schema?: JsonSchema;
  /**
   * A class decorated with class-validator; every config is turned into an instance with
   * class-transformer's `plainToInstance` and validated (nested DTOs included). `config` is then
   * that instance, deep-frozen.
   */
  dto?: Type<T>;
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
