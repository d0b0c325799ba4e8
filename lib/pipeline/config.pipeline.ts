import type { Type } from '@nestjs/common';
import {
  ConfigValidationError,
  InsecureConfigFileError,
  type ConfigIssue,
} from '../config-reloader.errors.js';
import { findPermissionProblem, type FilePermissionPolicy } from '../sources/file/file-permissions.js';
import { readConfigFile, type RawConfigFile } from '../sources/file/config-file.reader.js';
import { parseConfigText } from './config.parser.js';
import { deepFreeze } from './deep-freeze.js';
import { validateDto } from './dto.validator.js';
import {
  createSchemaValidator,
  loadSchemaValidator,
  type SchemaValidator,
} from './schema.validator.js';
import type { JsonSchema } from '../interfaces/index.js';

/** A config that passed every check: the frozen value the app reads, and what it came from. */
export interface LoadedConfig<T> {
  /** The value the app reads: the DTO instance when a DTO is given, else the parsed object. */
  config: Readonly<T>;
  /** The parsed JSON (internal: frozen only when it is `config`); changes are computed on it so paths match the file. */
  plain: Readonly<Record<string, unknown>>;
  raw: RawConfigFile;
}

export interface ConfigValidationRules<T extends object> {
  schema?: SchemaValidator;
  dto?: Type<T>;
}

/**
 * Parses and validates config text: JSON (safely), then the JSON Schema, then the DTO. Shared by
 * the module and by anything that must accept exactly what the module accepts.
 * Throws `ConfigParseError` or `ConfigValidationError`.
 */
export async function validateConfigText<T extends object>(
  text: string,
  file: string,
  rules: ConfigValidationRules<T>,
): Promise<{ config: T; plain: Record<string, unknown> }> {
  const plain = parseConfigText(text, file);
  const schemaIssues: ConfigIssue[] = rules.schema ? rules.schema(plain) : [];
  // The DTO would only repeat what the schema already refused: report the schema's findings.
  if (schemaIssues.length > 0) throw new ConfigValidationError(file, schemaIssues);
  if (!rules.dto) return { config: plain as T, plain };
  // class-transformer copies the parsed object, so `plain` stays untouched for diffing.
  const result = await validateDto(rules.dto, plain);
  if (!result.ok) throw new ConfigValidationError(file, result.issues);
  return { config: result.instance, plain };
}

/** Builds the validation rules from module options: compiles the schema once. */
export async function createValidationRules<T extends object>(options: {
  schema?: JsonSchema;
  schemaPath?: string;
  dto?: Type<T>;
}): Promise<ConfigValidationRules<T>> {
  const schema = options.schema
    ? createSchemaValidator(options.schema)
    : options.schemaPath
      ? await loadSchemaValidator(options.schemaPath)
      : undefined;
  return { schema, dto: options.dto };
}

export interface ConfigLoaderOptions {
  maxFileBytes: number;
  filePermissions: FilePermissionPolicy;
  /** Told about a file with unsafe permissions under the 'warn' policy. */
  onInsecureFile: (problem: string) => void;
}

/** Reads a config file and turns its bytes into a validated, frozen config. */
export class ConfigLoader<T extends object> {
  constructor(
    readonly configPath: string,
    private readonly rules: ConfigValidationRules<T>,
    private readonly options: ConfigLoaderOptions,
  ) {}

  /** Reads the file; checks its permissions on every read, since they can change at any time. */
  async read(): Promise<RawConfigFile> {
    const raw = await readConfigFile(this.configPath, this.options.maxFileBytes);
    if (this.options.filePermissions !== 'ignore') {
      const problem = findPermissionProblem(this.configPath, raw.fingerprint);
      if (problem && this.options.filePermissions === 'refuse') {
        throw new InsecureConfigFileError(this.configPath, problem);
      }
      if (problem) this.options.onInsecureFile(problem);
    }
    return raw;
  }

  async materialize(raw: RawConfigFile): Promise<LoadedConfig<T>> {
    return { ...(await this.validate(raw.text)), raw };
  }

  /** Validates text that is not (yet) on disk, such as an earlier version about to be restored. */
  async validate(text: string): Promise<Omit<LoadedConfig<T>, 'raw'>> {
    const { config, plain } = await validateConfigText(text, this.configPath, this.rules);
    // With a DTO, `plain` is a separate object that never leaves the library: freezing the
    // config readers see is enough (and half the cost).
    return { config: deepFreeze(config), plain };
  }
}
