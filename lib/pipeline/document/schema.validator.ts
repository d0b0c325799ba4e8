import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { readFile } from 'node:fs/promises';
import {
  ConfigSchemaError,
  ConfigValidationError,
  describeError,
  type ConfigIssue,
} from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import { relativePathOf, type RelativePath } from '../../config-reloader.paths.js';
import { jsonPointerToDottedPath, joinPath } from '../../change/config-path.js';
import { parseConfigText } from './config.parser.js';
import {
  createSecretKeyMatcher,
  isSecretPath,
  redactPath,
  type SecretKeyMatcher,
} from '../../change/secret-redaction.js';
import { suggestDeclaredKey, type UnknownKeyPlace } from '../unknown-key.suggestion.js';
import type { JsonSchema } from '../../interfaces/index.js';

/** Validates a parsed config; returns every issue found (empty when valid). */
export type SchemaValidator = (config: unknown) => ConfigIssue[];

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ??
  ajvFormats) as unknown as (ajv: Ajv) => Ajv;

function createAjv(schema: JsonSchema): Ajv {
  const dialect = typeof schema === 'object' ? String(schema.$schema ?? '') : '';
  // verbose: an error carries the schema object it failed in, whose keys "did you mean" offers.
  const options = { allErrors: true, strict: false, verbose: true } as const;
  // Pick the engine for the draft the schema declares; draft-07 when it declares none.
  const ajv = dialect.includes('2020-12')
    ? new Ajv2020(options)
    : dialect.includes('2019-09')
      ? new Ajv2019(options)
      : new Ajv(options);
  addFormats(ajv as Ajv);
  return ajv as Ajv;
}

/** The schema each validator was compiled from: the parse worker compiles its own copy. */
const sources = new WeakMap<SchemaValidator, JsonSchema>();

export function schemaSourceOf(validator: SchemaValidator): JsonSchema | undefined {
  return sources.get(validator);
}

/**
 * Compiles a JSON Schema once; the returned function is called on every reload. `isSecretKey`
 * keeps "did you mean" away from secret keys (default: the default secret keys).
 */
export function createSchemaValidator(
  schema: JsonSchema,
  isSecretKey?: SecretKeyMatcher,
): SchemaValidator {
  let validate: ValidateFunction;
  try {
    validate = createAjv(schema).compile(schema);
  } catch (error) {
    throw new ConfigSchemaError(messages.schemaInvalid(describeError(error)), undefined, {
      cause: error,
    });
  }
  // An `if` error only repeats that its branch failed; the branch's own errors say why.
  const validator: SchemaValidator = (config) =>
    validate(config)
      ? []
      : (validate.errors ?? [])
          .filter((error) => error.keyword !== 'if')
          .map((error) => toIssue(error, isSecretKey));
  sources.set(validator, schema);
  return validator;
}

/**
 * Reads and compiles a JSON Schema file, with the same safe parser as config files. `relative`
 * says how an absolute path was given, when that was relative; a relative path speaks for itself.
 */
export async function loadSchemaValidator(
  schemaPath: string,
  relative: RelativePath | undefined = relativePathOf(schemaPath),
  isSecretKey?: SecretKeyMatcher,
): Promise<SchemaValidator> {
  let text: string;
  try {
    text = await readFile(schemaPath, 'utf8');
  } catch (error) {
    throw new ConfigSchemaError(
      messages.schemaUnreadable(schemaPath, describeError(error), relative),
      schemaPath,
      {
        cause: error,
      },
    );
  }
  return createSchemaValidator(parseConfigText(text, schemaPath), isSecretKey);
}

const defaultSecretKeys = createSecretKeyMatcher();

/**
 * Ajv's finding as an issue. Under a secret path, the keyword alone (`failed Pattern`) and the
 * path without the key names below the secret key: an `enum` lists values, a `const` quotes one.
 */
function toIssue(
  error: ErrorObject,
  isSecretKey: SecretKeyMatcher = defaultSecretKeys,
): ConfigIssue {
  const issue = describeFinding(error, isSecretKey);
  if (!isSecretPath(issue.path, isSecretKey)) return issue;
  return {
    path: redactPath(issue.path, isSecretKey),
    message: messages.secretRuleFailed(error.keyword),
  };
}

function describeFinding(error: ErrorObject, isSecretKey: SecretKeyMatcher): ConfigIssue {
  const path = jsonPointerToDottedPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return { path: joinPath(path, String(params.missingProperty)), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    return {
      path: joinPath(path, key),
      message: messages.unknownKey(
        'is not an allowed property',
        suggestDeclaredKey(key, declaredPlace(error, path), isSecretKey),
      ),
    };
  }
  if (error.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map((value) => JSON.stringify(value));
    return { path, message: `must be one of ${allowed.join(', ')}` };
  }
  return { path, message: error.message ?? error.keyword };
}

/** The `properties` of the object schema an unknown key failed in, and the object itself. */
function declaredPlace(error: ErrorObject, parentPath: string): UnknownKeyPlace {
  const properties = (error.parentSchema as { properties?: unknown } | undefined)?.properties;
  const declared = typeof properties === 'object' && properties !== null ? properties : {};
  const holder = typeof error.data === 'object' && error.data !== null ? error.data : undefined;
  return { parentPath, declared: Object.keys(declared), holder };
}

/**
 * Parses config text and checks it against the JSON Schema (if any): the first two steps of
 * every validation: the module's, `validateConfigText`'s and the parse worker's. Throws
 * `ConfigParseError` or `ConfigValidationError` with the schema's findings.
 */
export function parseAndCheckSchema(
  text: string,
  where: string,
  schema: SchemaValidator | undefined,
): Record<string, unknown> {
  const parsed = parseConfigText(text, where);
  const issues = schema ? schema(parsed) : [];
  // The DTO would only repeat what the schema already refused: report the schema's findings.
  if (issues.length > 0) throw new ConfigValidationError(where, issues);
  return parsed;
}
