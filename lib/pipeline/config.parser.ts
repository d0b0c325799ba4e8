import * as jsonc from 'jsonc-parser';
import secureJson from 'secure-json-parse';
import { ConfigParseError } from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';

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
 * (`__proto__`, `constructor.prototype`), tolerates a UTF-8 byte order mark, and reports
 * syntax errors with the file, line and column.
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
  return value as Record<string, unknown>;
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
  const { line, column } = lineAndColumn(source, first.offset);
  const code = jsonc.printParseErrorCode(first.error);
  const found = describeToken(source, first.offset, first.length);
  const reason = `${SYNTAX_REASONS[code] ?? code} (found ${found})`;
  return new ConfigParseError(
    file,
    line,
    column,
    messages.syntax(file, line, column, reason),
    `invalid JSON: ${reason}`,
  );
}

// The text at an error, for the message; never the inside of a string, which may be a secret.
function describeToken(source: string, offset: number, length: number): string {
  if (offset >= source.length) return 'end of file';
  const token = source.slice(offset, offset + Math.max(1, Math.min(length, 20)));
  return token.startsWith('"') ? 'a string' : JSON.stringify(token);
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
