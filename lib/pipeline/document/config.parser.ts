import * as jsonc from 'jsonc-parser';
import secureJson from 'secure-json-parse';
import { ConfigParseError } from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import { toDottedPath } from '../../change/config-path.js';
import { findLossyJson, type LossyJson } from './lossy-json.js';
import { createSecretKeyMatcher, redactPath } from '../../change/secret-redaction.js';

const defaultSecretKeys = createSecretKeyMatcher();

const BYTE_ORDER_MARK = '\uFEFF';

// Plain-language reasons for jsonc-parser's error codes (the codes themselves mean little to an operator).
const SYNTAX_REASONS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing "}" was expected',
  CloseBracketExpected: 'a closing "]" was expected',
  EndOfFileExpected: 'unexpected content after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string (control characters must be escaped)',
};

/**
 * Parses the text of a JSON config file into a plain object. Refuses prototype-poisoning keys
 * (`__proto__`, `constructor.prototype`), a key written twice in one object and a number too
 * large to represent, tolerates a UTF-8 byte order mark, and reports syntax errors with the
 * file, line and column.
 */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  const source = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  if (source.trim() === '') throw new ConfigParseError(file, 0, 0, messages.empty(file));

  let value: unknown;
  try {
    value = secureJson.parse(source, undefined, {
      protoAction: 'error',
      constructorAction: 'error',
    });
  } catch (error) {
    throw toParseError(source, file, error);
  }

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new ConfigParseError(
      file,
      1,
      1,
      messages.notAnObject(file, kind),
      `the root must be a JSON object, found ${kind}`,
    );
  }
  const lost = findLossyJson(source, value);
  if (lost) throw lossError(source, file, lost);
  return value as Record<string, unknown>;
}

// JSON.parse keeps the last of two equal keys and turns 1e400 into Infinity without a word.
function lossError(source: string, file: string, lost: LossyJson): ConfigParseError {
  const { line, column } = lineAndColumn(source, lost.offset);
  // Key names below a secret key are secret too; the parser knows the default keys only.
  const path = redactPath(toDottedPath(lost.path), defaultSecretKeys);
  let reason: string;
  if (lost.kind === 'duplicate-key') {
    const first = lineAndColumn(source, lost.firstOffset);
    reason = messages.duplicateKey(path, first.line, first.column);
  } else if (lost.kind === 'rounded-integer') {
    reason = messages.roundedInteger(path);
  } else {
    reason = messages.nonFiniteNumber(path, lost.value);
  }
  return new ConfigParseError(
    file,
    line,
    column,
    messages.refusedJson(file, line, column, reason),
    reason,
    path,
  );
}

function toParseError(source: string, file: string, error: unknown): ConfigParseError {
  const reason = error instanceof Error ? error.message : String(error);
  if (/forbidden prototype property/i.test(reason)) {
    const found = findPoisonedKey(source);
    const { line, column } = found ? lineAndColumn(source, found.offset) : { line: 0, column: 0 };
    const key = found?.key ?? '__proto__';
    return new ConfigParseError(
      file,
      line,
      column,
      messages.poisoned(file, key),
      `forbidden "${key}" key (prototype poisoning)`,
    );
  }
  return syntaxError(source, file, reason);
}

/**
 * Where the key that secure-json-parse refused sits: `__proto__`, or `prototype` inside a
 * `constructor` object. Keys are compared decoded, so an escaped `__proto__` is found too.
 */
function findPoisonedKey(source: string): { key: string; offset: number } | undefined {
  let found: { key: string; offset: number } | undefined;
  jsonc.visit(source, {
    onObjectProperty(property, offset, _length, _line, _column, pathSupplier) {
      if (found) return;
      if (property === '__proto__') found = { key: '__proto__', offset };
      else if (property === 'prototype' && pathSupplier().at(-1) === 'constructor') {
        found = { key: 'constructor.prototype', offset };
      }
    },
  });
  return found;
}

// JSON.parse on Node 20 does not say where the error is; a tolerant parser locates the first one.
function syntaxError(source: string, file: string, fallbackReason: string): ConfigParseError {
  const errors: jsonc.ParseError[] = [];
  jsonc.parse(source, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) {
    return new ConfigParseError(
      file,
      0,
      0,
      messages.syntax(file, 0, 0, fallbackReason),
      `invalid JSON: ${fallbackReason}`,
    );
  }
  const code = jsonc.printParseErrorCode(first.error);
  const comma = trailingComma(source, first.offset);
  // The parser stumbles on the closer, possibly lines later; the mistake is the comma.
  const { line, column } = lineAndColumn(source, comma?.offset ?? first.offset);
  const reason = comma
    ? messages.trailingComma(comma.closer)
    : isUnquotedName(source, errors)
      ? messages.unquotedName()
      : `${SYNTAX_REASONS[code] ?? code} (found ${describeToken(source, first.offset, first.length)})`;
  return new ConfigParseError(
    file,
    line,
    column,
    messages.syntax(file, line, column, reason),
    `invalid JSON: ${reason}`,
  );
}

/**
 * What kind of text sits at an error, for the message, never the text itself: a string, a
 * comment or an unquoted word may hold a secret. Only a single punctuation character, such as a
 * brace or a comma, is shown as it is.
 */
function describeToken(source: string, offset: number, length: number): string {
  if (offset >= source.length) return 'end of file';
  const first = source.charAt(offset);
  if (length <= 1 && PUNCTUATION.test(first)) return JSON.stringify(first);
  if (first === '"') return 'a string';
  if (first === "'") return 'a string in single quotes';
  if (source.startsWith('//', offset)) return 'a line comment';
  if (source.startsWith('/*', offset)) return 'a block comment';
  if (/[-+.\d]/.test(first)) return 'a number';
  if (/[\p{L}_$]/u.test(first)) return 'an unquoted word';
  return length <= 1 ? 'a character that JSON does not allow here' : 'text that is not JSON';
}

const PUNCTUATION = /^[!-/:-@[-`{-~]$/;

/**
 * The comma before a closing brace or bracket at `offset` (`{"a": 1,}`), where it came from
 * habit or from deleting the last entry. Only whitespace can sit between them: a comment would
 * have been the first error.
 */
function trailingComma(
  source: string,
  offset: number,
): { closer: '}' | ']'; offset: number } | undefined {
  const closer = source.charAt(offset);
  if (closer !== '}' && closer !== ']') return undefined;
  let before = offset - 1;
  while (before >= 0 && ' \t\r\n'.includes(source.charAt(before))) before--;
  if (before < 0 || source.charAt(before) !== ',') return undefined;
  return { closer, offset: before };
}

/**
 * A word where a property name belongs (`{ name: 1 }`): the tolerant parser, having refused
 * the word, then expects a property name at the colon that follows it.
 */
function isUnquotedName(source: string, errors: readonly jsonc.ParseError[]): boolean {
  const [first, next] = errors;
  return (
    first !== undefined &&
    next !== undefined &&
    jsonc.printParseErrorCode(first.error) === 'InvalidSymbol' &&
    jsonc.printParseErrorCode(next.error) === 'PropertyNameExpected' &&
    source.charAt(next.offset) === ':' &&
    /[\p{L}_$]/u.test(source.charAt(first.offset))
  );
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
