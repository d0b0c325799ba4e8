import type { Type } from '@nestjs/common';
import { ConfigValidationError, type ConfigIssue } from './config-reloader.errors.js';
import { readConfigFile, type RawConfigFile } from './config-file.reader.js';
import { parseConfigText } from './config.parser.js';
import { deepFreeze } from './deep-freeze.js';
import { validateDto } from './dto.validator.js';
import {
  createSchemaValidator,
  loadSchemaValidator,
  type SchemaValidator,
} from './schema.validator.js';
import type { JsonSchema } from './interfaces/index.js';

/** A config that passed every check: the frozen value the app reads, and what it came from. */
export interface LoadedConfig<T> {
  /** The value the app reads: the DTO instance when a DTO is given, else the parsed object. */
  config: Readonly<T>;
  /** The parsed JSON, frozen; changes are computed on it so that paths match the file. */
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

/** Reads a config file and turns its bytes into a validated, frozen config. */
export class ConfigLoader<T extends object> {
  constructor(
    readonly configPath: string,
    private readonly maxFileBytes: number,
    private readonly rules: ConfigValidationRules<T>,
  ) {}

  read(): Promise<RawConfigFile> {
    return readConfigFile(this.configPath, this.maxFileBytes);
  }

  async materialize(raw: RawConfigFile): Promise<LoadedConfig<T>> {
    const { config, plain } = await validateConfigText(raw.text, raw.path, this.rules);
    return { config: deepFreeze(config), plain: deepFreeze(plain), raw };
  }
}
