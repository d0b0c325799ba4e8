import { Logger, type Type } from '@nestjs/common';
import {
  asReloadError,
  ConfigSchemaError,
  ConfigValidationError,
} from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import type { RelativePath } from '../config-reloader.paths.js';
import type { SourceSnapshot } from '../interfaces/config-source.interface.js';
import {
  DocumentParser,
  OFF_THREAD_MIN_CHARS,
  type ParsedDocument,
} from './document/document.parser.js';
import { deepFreeze, MAX_FREEZE_DEPTH, NestingTooDeepError } from './deep-freeze.js';
import { shareUnchanged } from './structural-sharing.js';
import { createSecretKeyMatcher, type SecretKeyMatcher } from '../change/secret-redaction.js';
import { validateDto } from './dto/dto.validator.js';
import { generateSchemaFromDto } from './dto-schema/dto-schema.generator.js';
import type { DtoReach } from './dto/dto-reach.analysis.js';
import { IncrementalDtoValidator } from './dto/incremental-dto.validator.js';
import { dtoValidatorOptions, editorKeyLeftOut } from './dto/unknown-keys.js';
import { incrementalValidationMessages } from './dto/incremental-validation.messages.js';
import {
  createSchemaValidator,
  loadSchemaValidator,
  parseAndCheckSchema,
  type SchemaValidator,
} from './document/schema.validator.js';
import type { JsonSchema, UnknownKeys } from '../interfaces/index.js';

/** A config that passed every check: the frozen value the app reads, and what it came from. */
export interface ValidatedConfig<T> {
  /** The value the app reads: the DTO instance when a DTO is given, else the parsed object. */
  config: Readonly<T>;
  /** The parsed JSON (internal: frozen only when it is `config`); changes are computed on it so paths match the file. */
  plain: Readonly<Record<string, unknown>>;
}

/** A validated config together with the source version it was read from. */
export interface Candidate<T> extends ValidatedConfig<T> {
  snapshot: SourceSnapshot;
}

export interface ConfigValidationRules<T extends object> {
  schema?: SchemaValidator;
  dto?: Type<T>;
  /** What the DTO does with a key it has no rules for. Default 'allow'. */
  unknownKeys?: UnknownKeys;
  /** Keys "did you mean" never names nor looks under. Default: the default secret keys. */
  isSecretKey?: SecretKeyMatcher;
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
  try {
    const plain = parseAndCheckSchema(text, file, rules.schema);
    if (!rules.dto) return { config: plain as T, plain };
    // class-transformer copies the parsed object, so `plain` stays untouched for diffing.
    const result = await validateDto(
      rules.dto,
      editorKeyLeftOut(rules.dto, rules.unknownKeys)(plain),
      dtoValidatorOptions(rules.unknownKeys),
      rules.isSecretKey,
    );
    if (!result.ok) throw new ConfigValidationError(file, result.issues);
    return { config: result.instance, plain };
  } catch (error) {
    // A validator that throws is a typed validation failure here too, as in the module.
    throw asReloadError(error, file);
  }
}

/** Builds the validation rules from module options: compiles the schema once. */
export async function createValidationRules<T extends object>(options: {
  schema?: JsonSchema | 'fromDto';
  schemaPath?: string;
  dto?: Type<T>;
  unknownKeys?: UnknownKeys;
  /** How an absolute `schemaPath` was given, when that was relative (the module resolves it). */
  relativePaths?: { schemaPath?: RelativePath };
  /** The module's `secretKeys`: "did you mean" never names nor looks under them. */
  secretKeys?: readonly (string | RegExp)[];
}): Promise<ConfigValidationRules<T>> {
  if (options.schema === 'fromDto' && !options.dto) {
    throw new ConfigSchemaError(messages.schemaFromDtoWithoutDto());
  }
  const isSecretKey = createSecretKeyMatcher(options.secretKeys);
  const schema = options.schema
    ? createSchemaValidator(
        options.schema === 'fromDto'
          ? generateSchemaFromDto(options.dto!, { unknownKeys: options.unknownKeys })
          : options.schema,
        isSecretKey,
      )
    : options.schemaPath
      ? await loadSchemaValidator(
          options.schemaPath,
          options.relativePaths?.schemaPath,
          isSecretKey,
        )
      : undefined;
  return { schema, dto: options.dto, unknownKeys: options.unknownKeys, isSecretKey };
}

export interface ConfigPipelineOptions {
  /** Where the start-up line about incremental validation goes, and a warning when it cannot be. */
  logger?: Pick<Logger, 'log'> & Partial<Pick<Logger, 'warn'>>;
  /** From this size (characters) documents are parsed in the parse worker; `Infinity`: never. */
  offThreadMinChars?: number;
}

/**
 * Parse, validate and freeze: turns a source's text into the frozen config the app reads, or
 * throws a typed `ConfigReloadError`. Pure apart from the DTO's own code; every source shares it.
 * A reload costs what the change costs: the parsed JSON is compared with the one the config in
 * force came from, and only what changed is transformed, validated and frozen.
 */
export class ConfigPipeline<T extends object> {
  private readonly dto?: IncrementalDtoValidator<T>;
  private readonly parser: DocumentParser;
  /** The parsed document each config made here came from: what the next text is compared with. */
  private readonly parsedOf = new WeakMap<object, ParsedDocument>();

  constructor(
    rules: ConfigValidationRules<T>,
    /** Where the text comes from, for error messages: the file path, or the source id. */
    private readonly where: string,
    {
      logger = new Logger('ConfigReloader'),
      offThreadMinChars = OFF_THREAD_MIN_CHARS,
    }: ConfigPipelineOptions = {},
  ) {
    this.parser = new DocumentParser(rules.schema, where, offThreadMinChars, logger);
    if (!rules.dto) return;
    this.dto = new IncrementalDtoValidator(rules.dto, where, {
      unknownKeys: rules.unknownKeys,
      isSecretKey: rules.isSecretKey,
      warn: (message) => (logger.warn ? logger.warn(message) : logger.log(message)),
    });
    logIncrementalReach(this.dto.reach, rules.dto, where, logger);
  }

  /**
   * `previous` is the config in force: every subtree whose value did not change keeps its
   * identity from it (structural sharing), and only new nodes are frozen.
   */
  async materialize(snapshot: SourceSnapshot, previous?: Readonly<T>): Promise<Candidate<T>> {
    return { ...(await this.validate(snapshot.text, previous)), snapshot };
  }

  /** Validates text that is not (yet) in force, such as an earlier version about to be restored. */
  async validate(text: string, previous?: Readonly<T>): Promise<ValidatedConfig<T>> {
    let result: { config: T; document: ParsedDocument; frozen: WeakSet<object> };
    try {
      result = await this.check(text, previous);
    } catch (error) {
      throw asReloadError(error, this.where);
    }
    let config: Readonly<T>;
    try {
      // With a DTO, `plain` is a separate object that never leaves the library: freezing the
      // config readers see is enough (and half the cost).
      config = deepFreeze(result.config, result.frozen);
    } catch (error) {
      if (!(error instanceof NestingTooDeepError)) throw asReloadError(error, this.where);
      throw new ConfigValidationError(this.where, [
        { path: '', message: messages.tooDeep(MAX_FREEZE_DEPTH) },
      ]);
    }
    this.parsedOf.set(config, result.document);
    return { config, plain: result.document.plain };
  }

  /** Ends the parse worker, if one was started. */
  close(): Promise<void> {
    return this.parser.close();
  }

  private async check(text: string, previous: Readonly<T> | undefined) {
    const before = previous ? this.parsedOf.get(previous) : undefined;
    const document = await this.parser.parse(text, before);
    if (!this.dto) {
      const { value, reused } = shareUnchanged(document.plain as T, previous);
      return {
        config: value,
        document: { ...document, plain: value as Record<string, unknown> },
        frozen: reused,
      };
    }
    const { instance, frozen } = await this.dto.validate(
      document.plain,
      previous && before ? { config: previous, plain: before.plain } : undefined,
    );
    return { config: instance, document, frozen };
  }
}

/** Says once, at start-up, what of the DTO cannot be validated incrementally, and why. */
function logIncrementalReach(
  reach: DtoReach,
  dto: Type<object>,
  where: string,
  logger: Pick<Logger, 'log'>,
): void {
  if (reach.full) {
    logger.log(incrementalValidationMessages.validatedInFull(where, dto.name, reach.full));
    return;
  }
  for (const [nested, { whole }] of reach.classes) {
    if (whole) logger.log(incrementalValidationMessages.validatedWhole(where, nested.name, whole));
  }
}
