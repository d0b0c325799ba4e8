/**
 * Something `JSON.parse` accepted but silently lost: a key written twice in one object (the
 * last one wins), a number too large for a double (it becomes `Infinity`), or an integer a
 * double cannot hold exactly (`9007199254740993` becomes `...992`: an order id, a size in
 * satoshis). Offsets are into the parsed text; `path` is the JSON path of the second key, or of
 * the number.
 */
export type LossyJson =
  | { kind: 'duplicate-key'; offset: number; firstOffset: number; path: (string | number)[] }
  | { kind: 'non-finite'; offset: number; path: (string | number)[]; value: number }
  | { kind: 'rounded-integer'; offset: number; path: (string | number)[] };

/**
 * Finds the first thing `JSON.parse` lost in `text`, given what it parsed `text` into.
 *
 * The parser is on the path of every reload, so the common case (nothing lost) must be cheap:
 * one walk over the parsed value counts its keys and looks for non-finite numbers, and one scan
 * of the text counts the keys written there. They agree exactly when no key repeats. Only when
 * they disagree (or a number overflowed) does a slower walk through the text find where.
 * `text` must be JSON that `JSON.parse` accepted.
 */
export function findLossyJson(text: string, parsed: object): LossyJson | undefined {
  const { keys, suspect } = inspectParsed(parsed);
  // An upper bound first (one indexOf per colon); when it is off, the exact count decides.
  if (!suspect && (keys === countKeysAtMost(text) || keys === countKeys(text))) return undefined;
  return locate(text);
}

/**
 * A number to look at in the text: not finite, or an integer beyond 2^53, where a double no
 * longer holds every integer (it may be exact, such as 2^53 or 1e20; the text decides).
 */
function isSuspect(value: number): boolean {
  return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
}

/** How many keys the parsed value holds, and whether any number in it may have been lost. */
function inspectParsed(root: object): { keys: number; suspect: boolean } {
  let keys = 0;
  let suspect = false;
  // for...in allocates nothing (Object.values cost twice as much) but also yields inherited
  // keys: only when someone made one enumerable on Object.prototype must each key be checked.
  const inherits = hasEnumerableKey(Object.prototype);
  // An explicit stack: a config may nest deeper than the call stack allows.
  const pending: object[] = [root];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        if (typeof item === 'object') {
          if (item !== null) pending.push(item);
        } else if (typeof item === 'number' && isSuspect(item)) suspect = true;
      }
      continue;
    }
    for (const key in value) {
      if (inherits && !Object.hasOwn(value, key)) continue;
      keys++;
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object') {
        if (child !== null) pending.push(child);
      } else if (typeof child === 'number' && isSuspect(child)) suspect = true;
    }
  }
  return { keys, suspect };
}

function hasEnumerableKey(value: object): boolean {
  for (const _key in value) return true;
  return false;
}

/**
 * At least the number of keys in valid JSON text: every colon outside a string follows a key's
 * closing quote. A string that begins with a colon (`":"`) is counted too, hence "at most".
 */
function countKeysAtMost(text: string): number {
  let keys = 0;
  for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', colon + 1)) {
    let before = colon - 1;
    while (isWhitespace(text.charCodeAt(before))) before--;
    if (text.charCodeAt(before) === QUOTE && !isEscaped(text, before)) keys++;
  }
  return keys;
}

/** The exact number of keys in valid JSON text: the strings followed by a colon. */
function countKeys(text: string): number {
  let keys = 0;
  // Outside strings, valid JSON has no quote but the ones that open strings.
  for (let open = text.indexOf('"'); open >= 0;) {
    const close = closingQuote(text, open);
    if (close < 0) break; // not valid JSON: never the case after JSON.parse
    let after = close + 1;
    while (isWhitespace(text.charCodeAt(after))) after++;
    if (text.charCodeAt(after) === COLON) keys++;
    open = text.indexOf('"', after);
  }
  return keys;
}

/** Where the walk through the text is: the keys of an open object, or the index in an array. */
type Frame = { keys: Map<string, number>; key: string } | { index: number };

/**
 * The first repeated key or non-finite number, in text order. A walk of its own rather than a
 * tolerant parser's: this one keeps its stack on the heap, so no nesting is too deep for it.
 */
function locate(text: string): LossyJson | undefined {
  const frames: Frame[] = [];
  const path = () => frames.map((frame) => ('keys' in frame ? frame.key : frame.index));
  let expectingKey = false;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    const frame = frames.at(-1);
    if (code === QUOTE) {
      const close = closingQuote(text, at);
      if (expectingKey && frame && 'keys' in frame) {
        // Compared decoded, as JSON.parse compares them: "a" and "\u0061" are one key.
        const key = JSON.parse(text.slice(at, close + 1)) as string;
        const first = frame.keys.get(key);
        frame.key = key;
        if (first !== undefined) {
          return { kind: 'duplicate-key', offset: at, firstOffset: first, path: path() };
        }
        frame.keys.set(key, at);
        expectingKey = false;
      }
      at = close;
    } else if (code === OPEN_BRACE) {
      frames.push({ keys: new Map(), key: '' });
      expectingKey = true;
    } else if (code === OPEN_BRACKET) {
      frames.push({ index: 0 });
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      frames.pop();
      expectingKey = false;
    } else if (code === COMMA && frame) {
      if ('keys' in frame) expectingKey = true;
      else frame.index++;
    } else if (code === MINUS || (code >= DIGIT_0 && code <= DIGIT_9)) {
      let end = at + 1;
      while (end < text.length && isNumberCharacter(text.charCodeAt(end))) end++;
      const literal = text.slice(at, end);
      const value = Number(literal);
      if (!Number.isFinite(value)) return { kind: 'non-finite', offset: at, path: path(), value };
      if (isRounded(literal, value)) return { kind: 'rounded-integer', offset: at, path: path() };
      at = end - 1;
    }
  }
  return undefined;
}

/** An integer written with digits only whose double is another integer. */
function isRounded(literal: string, value: number): boolean {
  if (Number.isSafeInteger(value) || !/^-?\d+$/.test(literal)) return false;
  return BigInt(literal) !== BigInt(value);
}

const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const COLON = 58;
const UPPER_E = 69;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const LOWER_E = 101;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

function isWhitespace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

/** Digits, sign, decimal point and exponent: what follows the first character of a number. */
function isNumberCharacter(code: number): boolean {
  return (
    (code >= DIGIT_0 && code <= DIGIT_9) ||
    code === DOT ||
    code === PLUS ||
    code === MINUS ||
    code === LOWER_E ||
    code === UPPER_E
  );
}

/** The index of the quote that closes the string opened at `open`. */
function closingQuote(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close > 0 && isEscaped(text, close)) close = text.indexOf('"', close + 1);
  return close;
}

/** Whether the character at `index` follows an odd number of backslashes. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}
