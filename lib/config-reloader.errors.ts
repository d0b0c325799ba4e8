import { messages } from './config-reloader.messages.js';
import type { RelativePath } from './config-reloader.paths.js';

/** One problem found while validating a config: a dotted path (`strategies.3.risk.stopLoss`) and what is wrong. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ConfigErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_PARSE'
  | 'CONFIG_VALIDATION'
  | 'CONFIG_ACCESS'
  | 'CONFIG_TOO_LARGE'
  | 'CONFIG_INSECURE'
  | 'CONFIG_REJECTED'
  | 'CONFIG_OPTIONS'
  | 'CONFIG_SCHEMA'
  | 'CONFIG_CLOSED'
  | 'CONFIG_ROLLBACK'
  | 'CONFIG_CONFLICT'
  | 'CONFIG_UNAVAILABLE'
  | 'CONFIG_UNSTABLE'
  | 'CONFIG_AUDIT';

/** Base class of every error the config reloader reports; `code` is stable across releases. */
export class ConfigReloadError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    /** The config file (or source) the error is about, when there is one. */
    readonly configPath?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigNotFoundError extends ConfigReloadError {
  /**
   * `message` replaces the file-specific text, for a source that is not a file; `relative` is how
   * the path was given when it was relative, named in the message.
   */
  constructor(
    configPath: string,
    options?: { cause?: unknown; message?: string; relative?: RelativePath },
  ) {
    super(
      'CONFIG_NOT_FOUND',
      options?.message ?? messages.notFound(configPath, options?.relative),
      configPath,
      options,
    );
  }
}

export class ConfigParseError extends ConfigReloadError {
  constructor(
    configPath: string,
    /** 1-based line of the problem; 0 when the problem has no single place (empty file, root type). */
    readonly line: number,
    /** 1-based column of the problem; 0 when the problem has no single place. */
    readonly column: number,
    message: string,
    /** What is wrong, without the file and position (the message has them). */
    readonly reason: string = message,
    /** The JSON path of the value at fault (`strategies.2.fastPeriod`), when the problem is one value. */
    readonly path?: string,
  ) {
    super('CONFIG_PARSE', message, configPath);
  }
}

export class ConfigValidationError extends ConfigReloadError {
  /** `cause`: what a validator threw, kept out of the message (it may quote a secret value). */
  constructor(
    configPath: string,
    readonly issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super('CONFIG_VALIDATION', messages.invalid(configPath, issues), configPath, options);
  }
}

export class ConfigAccessError extends ConfigReloadError {
  constructor(configPath: string, message: string, options?: { cause?: unknown }) {
    super('CONFIG_ACCESS', message, configPath, options);
  }
}

export class ConfigTooLargeError extends ConfigReloadError {
  constructor(
    configPath: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super('CONFIG_TOO_LARGE', messages.tooLarge(configPath, size, limit), configPath);
  }
}

export class InsecureConfigFileError extends ConfigReloadError {
  constructor(configPath: string, message: string) {
    super('CONFIG_INSECURE', message, configPath);
  }
}

export class ConfigRejectedError extends ConfigReloadError {
  constructor(configPath: string, reason: unknown) {
    super('CONFIG_REJECTED', messages.rejected(configPath, describeError(reason)), configPath, {
      cause: reason,
    });
  }
}

/** Thrown at module creation when the options cannot work (missing configPath, negative debounce, ...). */
export class ConfigReloaderOptionsError extends ConfigReloadError {
  constructor(name: string, problem: string) {
    super('CONFIG_OPTIONS', messages.option(name, problem));
  }
}

/** A printable reason for anything thrown, without assuming it is an Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** `reloadConfig()` after the module was destroyed: the instance no longer reloads. */
export class ConfigReloaderClosedError extends ConfigReloadError {
  constructor(name: string, configPath: string) {
    super('CONFIG_CLOSED', messages.closed(name), configPath);
  }
}

/** `rollback()` cannot go that far back, or was given a bad number of steps. */
export class ConfigRollbackError extends ConfigReloadError {
  constructor(configPath: string, message: string) {
    super('CONFIG_ROLLBACK', message, configPath);
  }
}

/** The JSON Schema itself cannot be read, parsed or compiled (at module creation). */
export class ConfigSchemaError extends ConfigReloadError {
  constructor(message: string, schemaPath?: string, options?: { cause?: unknown }) {
    super('CONFIG_SCHEMA', message, schemaPath, options);
  }
}

/** A write lost a compare-and-swap: the source moved since the revision it was based on. Nothing changed. */
export class ConfigConflictError extends ConfigReloadError {
  constructor(
    configPath: string,
    /** The revision the write expected to replace. */
    readonly expectedRevision: string,
    /** The revision the source holds now, when known. */
    readonly actualRevision: string | undefined,
    message: string,
  ) {
    super('CONFIG_CONFLICT', message, configPath);
  }
}

/** A remote source cannot be reached; the current config stays. */
export class ConfigSourceUnavailableError extends ConfigReloadError {
  constructor(configPath: string, message: string, options?: { cause?: unknown }) {
    super('CONFIG_UNAVAILABLE', message, configPath, options);
  }
}

/** The source kept changing under every read: no whole version could be read in time. */
export class ConfigUnstableError extends ConfigReloadError {
  constructor(configPath: string, message: string) {
    super('CONFIG_UNSTABLE', message, configPath);
  }
}

/** With `auditFailure: 'refuse'`: the change's audit record could not be written, so it was not applied. */
export class ConfigAuditError extends ConfigReloadError {
  constructor(configPath: string, message: string, options?: { cause?: unknown }) {
    super('CONFIG_AUDIT', message, configPath, options);
  }
}

/**
 * Parsing and reading map every failure to a typed error; anything else comes from validation
 * code (a custom validator that throws): report it as a validation failure, never out of a timer.
 */
export function asReloadError(error: unknown, where: string): ConfigReloadError {
  if (error instanceof ConfigReloadError) return error;
  // Its text may quote the value it choked on (JSON.parse on a password): kept in `cause` only.
  const kind = error instanceof Error ? error.name : typeof error;
  return new ConfigValidationError(where, [{ path: '', message: messages.validatorThrew(kind) }], {
    cause: error,
  });
}
