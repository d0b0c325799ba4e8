import { describe, expect, it } from 'vitest';
import { ConfigParseError, ConfigReloadError } from '../../../lib/config-reloader.errors.js';
import { lineAndColumn, parseConfigText } from '../../../lib/pipeline/document/config.parser.js';

const FILE = '/etc/bot/strategies.json';

/** Runs the parser on `text` and returns the ConfigParseError it must throw. */
function parseError(text: string, file = FILE): ConfigParseError {
  try {
    parseConfigText(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigParseError);
    return error as ConfigParseError;
  }
  throw new Error(`expected parseConfigText to throw for ${JSON.stringify(text)}`);
}

function expectNoPollution(): void {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

describe('parseConfigText', () => {
  describe('valid input', () => {
    it('returns the parsed object with nested objects, arrays and scalars', () => {
      const text = JSON.stringify({
        exchange: 'binance',
        dryRun: false,
        strategies: [
          { id: 'trend', risk: { stopLoss: 0.02 } },
          { id: 'mean', risk: null },
        ],
      });
      expect(parseConfigText(text, FILE)).toEqual({
        exchange: 'binance',
        dryRun: false,
        strategies: [
          { id: 'trend', risk: { stopLoss: 0.02 } },
          { id: 'mean', risk: null },
        ],
      });
    });

    it('accepts an empty object and surrounding whitespace', () => {
      expect(parseConfigText('\n  {}  \n', FILE)).toEqual({});
    });

    it('tolerates a UTF-8 byte order mark', () => {
      expect(parseConfigText('\uFEFF{"a": 1}', FILE)).toEqual({ a: 1 });
    });

    it('only strips a leading byte order mark, not one inside a string', () => {
      expect(parseConfigText('\uFEFF{"a": "\uFEFFx"}', FILE)).toEqual({ a: '\uFEFFx' });
    });

    it('accepts "__proto__" as a string value and a harmless "constructor" key', () => {
      expect(parseConfigText('{"note": "__proto__", "constructor": {"name": "x"}}', FILE)).toEqual({
        note: '__proto__',
        constructor: { name: 'x' },
      });
    });
  });

  describe('empty files', () => {
    it.each([
      ['an empty string', ''],
      ['whitespace only', '  \n\t\r\n  '],
      ['only a byte order mark', '\uFEFF'],
      ['a byte order mark and whitespace', '\uFEFF \n '],
    ])('refuses %s as empty', (_label, text) => {
      const error = parseError(text);
      expect(error.code).toBe('CONFIG_PARSE');
      expect(error.message).toMatch(/empty/i);
      expect(error.message).toContain(FILE);
      expect(error.configPath).toBe(FILE);
      expect(error.line).toBe(0);
      expect(error.column).toBe(0);
    });
  });

  describe('syntax errors report the 1-based line and column', () => {
    it('trailing comma in an object: points at the comma, not at the brace after it', () => {
      // Line 1 is '{"a": 1,': the comma is column 8; the "}" on line 2 is where JSON gives up.
      const error = parseError('{"a": 1,\n}');
      expect(error.code).toBe('CONFIG_PARSE');
      expect([error.line, error.column]).toEqual([1, 8]);
      expect(error.message).toContain(`${FILE} at line 1, column 8: a trailing comma`);
    });

    it('trailing comma in an array: points at the comma', () => {
      // Line 2 is '  "xs": [1, 2,]': the comma is column 14.
      const error = parseError('{\n  "xs": [1, 2,]\n}');
      expect([error.line, error.column]).toEqual([2, 14]);
      expect(error.message).toContain('line 2, column 14: a trailing comma');
      expect([parseError('[1,2,]').line, parseError('[1,2,]').column]).toEqual([1, 5]);
    });

    it('missing comma between properties: points at the next property', () => {
      // Line 3 is '  "b": 2': the '"b"' starts in column 3.
      const error = parseError('{\n  "a": 1\n  "b": 2\n}');
      expect([error.line, error.column]).toEqual([3, 3]);
      expect(error.message).toContain('line 3, column 3');
      expect(error.message).toContain('comma');
    });

    it('unquoted key: points at the key', () => {
      // Line 3 is '  name: "x"': "name" starts in column 3.
      const error = parseError('{\n  "ok": true,\n  name: "x"\n}');
      expect([error.line, error.column]).toEqual([3, 3]);
      expect(error.message).toContain('line 3, column 3');
      expect(error.message).toContain('found an unquoted name');
      expect(error.message).not.toContain('name"'); // the word itself is never repeated
    });

    it('unterminated string: points at its opening quote', () => {
      // Line 2 is '  "a": "abc': the opening quote of "abc" is column 8.
      const error = parseError('{\n  "a": "abc\n}');
      expect([error.line, error.column]).toEqual([2, 8]);
      expect(error.message).toContain('line 2, column 8');
      expect(error.message).toContain('unterminated string');
    });

    it('garbage after the value: points at the first extra character', () => {
      // Line 2 is '}': an extra closing brace after the complete object.
      const error = parseError('{"a": 1}\n}');
      expect([error.line, error.column]).toEqual([2, 1]);
      expect(error.message).toContain('line 2, column 1');
      expect(error.message).toContain('after the end of the JSON value');
    });

    it('an unexpected word after the value: points at the word', () => {
      // Line 2 is '  oops': "oops" starts in column 3.
      const error = parseError('{"a": 1}\n  oops');
      expect([error.line, error.column]).toEqual([2, 3]);
    });

    it('line comment: points at the "//"', () => {
      // Line 2 is '  // note': the comment starts in column 3.
      const error = parseError('{\n  // note\n  "a": 1\n}');
      expect([error.line, error.column]).toEqual([2, 3]);
      expect(error.message).toContain('line 2, column 3');
      expect(error.message).toContain('comments are not allowed');
    });

    it('block comment: points at the "/*"', () => {
      // '{"a": 1 /* x */}': "{"=1 '"'=2 a=3 '"'=4 ":"=5 " "=6 "1"=7 " "=8 "/"=9.
      const error = parseError('{"a": 1 /* x */}');
      expect([error.line, error.column]).toEqual([1, 9]);
      expect(error.message).toContain('comments are not allowed');
    });

    it('missing colon', () => {
      // Line 2 is '  "a" 1': the "1" is column 7.
      const error = parseError('{\n  "a" 1\n}');
      expect([error.line, error.column]).toEqual([2, 7]);
      expect(error.message).toContain('colon');
    });

    it('truncated file: points just past the last character and says end of file', () => {
      // '{"a": 1' is 7 characters; the error is at offset 7, column 8.
      const error = parseError('{"a": 1');
      expect([error.line, error.column]).toEqual([1, 8]);
      expect(error.message).toContain('end of file');
    });

    it('counts lines by "\\n" only with CRLF line endings', () => {
      // Lines: "{", '  "a": 1', '  "b": 2', "}" separated by CRLF: the missing comma shows at
      // the '"b"' in line 3, column 3.
      const error = parseError('{\r\n  "a": 1\r\n  "b": 2\r\n}');
      expect([error.line, error.column]).toEqual([3, 3]);
    });

    it('does not count a byte order mark in the column', () => {
      // Without the BOM: '{"a" 1}': the "1" is column 6, where an editor shows it.
      const error = parseError('\uFEFF{"a" 1}');
      expect([error.line, error.column]).toEqual([1, 6]);
    });

    it('reports the first of several errors', () => {
      // Line 2 '  "a": 1,,' : the second comma is column 10; line 3 has another error.
      const error = parseError('{\n  "a": 1,,\n  b: 2\n}');
      expect(error.line).toBe(2);
      expect(error.column).toBe(10);
    });

    it('puts the file path in every syntax error message', () => {
      const error = parseError('{"a": }', 'config/other file.json');
      expect(error.configPath).toBe('config/other file.json');
      expect(error.message).toContain('Invalid JSON in config/other file.json at line 1, column 7');
    });

    it('is a ConfigReloadError and an Error', () => {
      const error = parseError('{');
      expect(error).toBeInstanceOf(ConfigReloadError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('ConfigParseError');
    });
  });

  describe('prototype poisoning', () => {
    it('refuses a top-level "__proto__" key and leaves Object.prototype alone', () => {
      const error = parseError('{"__proto__": {"polluted": true}}');
      expect(error.code).toBe('CONFIG_PARSE');
      expect(error.message).toContain('__proto__');
      expect(error.message).toContain(FILE);
      expect([error.line, error.column]).toEqual([1, 2]);
      expectNoPollution();
    });

    it('refuses a nested "__proto__" key with its position', () => {
      // Line 3 is '    "__proto__": {"polluted": true}': the key starts in column 5.
      const text = '{\n  "risk": {\n    "__proto__": {"polluted": true}\n  }\n}';
      const error = parseError(text);
      expect(error.code).toBe('CONFIG_PARSE');
      expect(error.message).toContain('__proto__');
      expect([error.line, error.column]).toEqual([3, 5]);
      expectNoPollution();
    });

    it('refuses "__proto__" inside an array element', () => {
      const error = parseError('{"xs": [{"ok": 1}, {"__proto__": {"polluted": true}}]}');
      expect(error.code).toBe('CONFIG_PARSE');
      expect(error.message).toContain('__proto__');
      expectNoPollution();
    });

    it('refuses a "__proto__" key written with a unicode escape', () => {
      const error = parseError('{"\\u005f_proto__": {"polluted": true}}');
      expect(error.code).toBe('CONFIG_PARSE');
      expect(error.message).toContain('__proto__');
      expectNoPollution();
    });

    it('refuses {"constructor": {"prototype": ...}}', () => {
      const error = parseError('{"constructor": {"prototype": {"polluted": true}}}');
      expect(error.code).toBe('CONFIG_PARSE');
      expect(error.message).toContain(FILE);
      expect(error.message).toContain('prototype poisoning');
      expectNoPollution();
    });

    it('refuses a nested {"constructor": {"prototype": ...}}', () => {
      const error = parseError('{"a": {"constructor": {"prototype": {"polluted": true}}}}');
      expect(error.code).toBe('CONFIG_PARSE');
      expectNoPollution();
    });
  });

  describe('non-object roots', () => {
    it.each([
      ['[]', 'an array'],
      ['[{"a": 1}]', 'an array'],
      ['null', 'null'],
      ['42', 'number'],
      ['"s"', 'string'],
      ['true', 'boolean'],
    ])('refuses %s', (text, kind) => {
      const error = parseError(text);
      expect(error.code).toBe('CONFIG_PARSE');
      expect(error.message).toContain('object');
      expect(error.message).toContain(`found ${kind}`);
      expect(error.message).toContain(FILE);
      expect(error.configPath).toBe(FILE);
    });
  });
});

describe('lineAndColumn', () => {
  it('is 1:1 at the start of the text', () => {
    expect(lineAndColumn('{"a": 1}', 0)).toEqual({ line: 1, column: 1 });
  });

  it('counts columns from 1 on the first line', () => {
    expect(lineAndColumn('abcdef', 4)).toEqual({ line: 1, column: 5 });
  });

  it('starts a new line after each "\\n"', () => {
    const text = 'ab\ncd\n\nef';
    expect(lineAndColumn(text, 2)).toEqual({ line: 1, column: 3 }); // the first "\n"
    expect(lineAndColumn(text, 3)).toEqual({ line: 2, column: 1 }); // "c"
    expect(lineAndColumn(text, 4)).toEqual({ line: 2, column: 2 }); // "d"
    expect(lineAndColumn(text, 6)).toEqual({ line: 3, column: 1 }); // the empty line
    expect(lineAndColumn(text, 8)).toEqual({ line: 4, column: 2 }); // "f"
  });

  it('treats "\\r" as an ordinary character of the line', () => {
    expect(lineAndColumn('a\r\nb', 3)).toEqual({ line: 2, column: 1 });
    expect(lineAndColumn('a\r\nb', 1)).toEqual({ line: 1, column: 2 });
  });

  it('gives the position just past the end for an end-of-file offset', () => {
    expect(lineAndColumn('a\nbc', 4)).toEqual({ line: 2, column: 3 });
  });
});

describe('where a refused key sits', () => {
  it('names constructor.prototype and points at the "prototype" key', () => {
    const error = parseError('{\n  "x": 1,\n  "constructor": {"prototype": {}}\n}');
    expect(error.message).toContain('constructor.prototype');
    expect([error.line, error.column]).toEqual([3, 19]);
  });

  it('points at the __proto__ key, not at an earlier string that merely says __proto__', () => {
    const error = parseError('{"note": "__proto__",\n "a": {"__proto__": {}}}');
    expect([error.line, error.column]).toEqual([2, 8]);
  });

  it('finds an escaped __proto__ key', () => {
    const error = parseError('{"\\u005f_proto__": {}}');
    expect(error.message).toContain('__proto__');
    expect([error.line, error.column]).toEqual([1, 2]);
  });

  it('never quotes the inside of a string in a syntax error (it may be a secret)', () => {
    const error = parseError('{"apiKey": "sk-live-123456');
    expect(error.message).not.toContain('sk-live');
    expect(error.message).toContain('a string');
  });
});

describe('duplicate keys', () => {
  // Line 5 is '    {"id": "c", "fastPeriod": 5, "slowPeriod": 20, "fastPeriod": 0}'.
  const strategies = [
    '{',
    '  "strategies": [',
    '    {"id": "a", "fastPeriod": 5},',
    '    {"id": "b", "fastPeriod": 5},',
    '    {"id": "c", "fastPeriod": 5, "slowPeriod": 20, "fastPeriod": 0}',
    '  ]',
    '}',
  ].join('\n');

  it('refuses a key written twice in one object, at the second one, with its JSON path', () => {
    const error = parseError(strategies);
    expect(error.code).toBe('CONFIG_PARSE');
    // The second "fastPeriod" opens in column 52; the first in column 17.
    expect([error.line, error.column]).toEqual([5, 52]);
    expect(error.path).toBe('strategies.2.fastPeriod');
    expect(error.message).toContain(FILE);
    expect(error.message).toContain('line 5, column 52');
    expect(error.reason).toContain('duplicate key strategies.2.fastPeriod');
    expect(error.reason).toContain('line 5, column 17');
  });

  it('never quotes either value', () => {
    const error = parseError('{"apiKey": "sk-live-OLD",\n "apiKey": "sk-live-NEW"}');
    expect([error.line, error.column]).toEqual([2, 2]);
    expect(error.path).toBe('apiKey');
    expect(error.message).not.toMatch(/sk-live/);
  });

  it('compares keys decoded, as JSON.parse does', () => {
    const error = parseError('{"ab": 1, "\\u0061b": 2}');
    expect([error.line, error.column]).toEqual([1, 11]);
    expect(error.path).toBe('ab');
  });

  it('reports the first repeated key in the text', () => {
    const error = parseError('{"a": {"x": 1, "x": 2}, "b": 1, "b": 2}');
    expect(error.path).toBe('a.x');
  });

  it('accepts one key in several objects, and a key named like its parent', () => {
    const text = '{"a": {"x": 1}, "b": {"x": 2}, "x": {"x": [{"x": 3}]}}';
    expect(parseConfigText(text, FILE)).toEqual({ a: { x: 1 }, b: { x: 2 }, x: { x: [{ x: 3 }] } });
    // With a real duplicate after them, it is the one reported.
    const error = parseError('{"a": {"x": 1}, "b": {"x": 2}, "x": {"x": [{"x": 3}]}, "b": 0}');
    expect(error.path).toBe('b');
    expect([error.line, error.column]).toEqual([1, 56]);
  });

  it('is not fooled by colons, quotes and backslashes inside strings', () => {
    const text = String.raw`{"url": "http://x:80", "sep": ":", "pad": " : ", "q": "say \":\" and \\", "k\\": 1, "k": 2}`;
    expect(parseConfigText(text, FILE)).toMatchObject({ sep: ':', 'k\\': 1, k: 2 });
  });

  it('finds a repeated key however deep it sits', () => {
    const levels = 5000;
    const text = '{"next":'.repeat(levels) + '{"end": 1, "end": 2}' + '}'.repeat(levels);
    const error = parseError(text);
    expect(error.path).toBe(`${'next.'.repeat(levels)}end`);
  });
});

describe('numbers too large to represent', () => {
  it('refuses one that would become Infinity, with its line, column and path', () => {
    // Line 3 is '    "maxPositionSize": 1e400': the number starts in column 24.
    const error = parseError('{\n  "risk": {\n    "maxPositionSize": 1e400\n  }\n}');
    expect(error.code).toBe('CONFIG_PARSE');
    expect([error.line, error.column]).toEqual([3, 24]);
    expect(error.path).toBe('risk.maxPositionSize');
    expect(error.message).toContain(`${FILE} is refused at line 3, column 24`);
    expect(error.reason).toContain('risk.maxPositionSize is too large');
    expect(error.reason).toContain('Infinity');
    expect(error.message).not.toContain('1e400');
  });

  it('refuses -Infinity, and a number in an array, by its index', () => {
    const error = parseError('{"levels": [1, 2, -1e999]}');
    expect(error.path).toBe('levels.2');
    expect([error.line, error.column]).toEqual([1, 19]);
    expect(error.reason).toContain('-Infinity');
  });

  it('refuses a number written with too many digits, without quoting them', () => {
    const digits = '9'.repeat(400);
    const error = parseError(`{"pin": ${digits}}`);
    expect(error.path).toBe('pin');
    expect(error.message).not.toContain('9999');
  });

  it('accepts large finite numbers and numbers that round to zero', () => {
    expect(parseConfigText('{"big": 1.7e308, "tiny": 1e-400, "neg": -1e308}', FILE)).toEqual({
      big: 1.7e308,
      tiny: 0,
      neg: -1e308,
    });
  });

  it('reports whichever comes first in the text, an overflow or a duplicate key', () => {
    expect(parseError('{"a": 1e400, "b": 1, "b": 2}').path).toBe('a');
    expect(parseError('{"b": 1, "b": 2, "a": 1e400}').path).toBe('b');
  });
});

describe('integers a JSON number cannot hold exactly', () => {
  it('refuses one that would be rounded to another integer, with its place and a hint', () => {
    // Line 2 is '  "orderId": 9007199254740993': the number starts in column 14.
    const error = parseError('{\n  "orderId": 9007199254740993\n}');
    expect(error.code).toBe('CONFIG_PARSE');
    expect([error.line, error.column]).toEqual([2, 14]);
    expect(error.path).toBe('orderId');
    expect(error.reason).toContain('write it as a string');
    // Neither the number as written nor what it would have become.
    expect(error.message).not.toMatch(/900719925474099[23]/);
  });

  it('refuses a negative one, and one in an array, by its index', () => {
    expect(parseError('{"sizes": [1, -18014398509481985]}')).toMatchObject({
      path: 'sizes.1',
      line: 1,
      column: 15,
    });
  });

  it('accepts integers a double holds exactly, and fractions and exponents, which are approximate by nature', () => {
    const text =
      '{"a": 9007199254740992, "b": 1e20, "c": 12345678901234567890.5, "d": 9007199254740991}';
    expect(parseConfigText(text, FILE)).toEqual({
      a: 2 ** 53,
      b: 1e20,
      c: Number('12345678901234567890.5'),
      d: Number.MAX_SAFE_INTEGER,
    });
  });
});

describe('a syntax error never quotes the text it found', () => {
  it.each([
    ['a line comment', '{"a": 1 // password=hunter2S\n}', 'a line comment'],
    ['a block comment', '{"a": /* password=hunter2S */ 1}', 'a block comment'],
    ['an unquoted value', '{"password": hunter2S}', 'an unquoted word'],
    ['a word after the value', '{"a": 1}\n hunter2S', 'an unquoted word'],
    ['a single-quoted string', '{"password": \'hunter2S\'}', 'a string in single quotes'],
    ['a string where a comma belongs', '{"a": 1 "hunter2S": 2}', 'a string'],
    ['a number where a comma belongs', '{"pin": 1 2345678}', 'a number'],
    ['text that starts with a symbol', '{"password": #hunter2S}', 'text that is not JSON'],
  ])('%s: says what kind of token it is', (_label, text, kind) => {
    const error = parseError(text);
    expect(error.message).toContain(`(found ${kind})`);
    expect(error.message).not.toMatch(/hunter2S|2345678/);
    expect(error.reason).not.toMatch(/hunter2S|2345678/);
  });

  it('names a single punctuation character, which holds no secret', () => {
    expect(parseError('{"a": 1}}').reason).toContain('(found "}")');
    expect(parseError('{"a" = 1}').reason).toContain('(found "=")');
  });

  it('says how to write an unquoted property name, without quoting it (it may be a pasted secret)', () => {
    const error = parseError('{"ok": true, retries: 3}');
    expect(error.reason).toBe(
      'invalid JSON: a property name must be in double quotes (found an unquoted name)',
    );
    expect(error).toMatchObject({ line: 1, column: 14 });
  });

  it('does not take an unquoted value before a colon for a property name', () => {
    const error = parseError('{"password": hunter2S: 1}');
    expect(error.message).not.toContain('hunter2S');
  });
});

describe('a trailing comma', () => {
  it('in an object: says so at the comma, and what to do', () => {
    // Line 3 is '  "b": 2,': the comma is column 9; the "}" is line 4, column 1.
    const error = parseError('{\n  "a": 1,\n  "b": 2,\n}');
    expect([error.line, error.column]).toEqual([3, 9]);
    expect(error.reason).toBe(
      'invalid JSON: a trailing comma before "}" is not allowed in JSON: remove it, or add a ' +
        'property name and value after it',
    );
  });

  it('in an array, with blank lines before the bracket', () => {
    // '{"xs": [1, 2,': the comma is column 13.
    const error = parseError('{"xs": [1, 2,\r\n\n  ]}');
    expect([error.line, error.column]).toEqual([1, 13]);
    expect(error.reason).toBe(
      'invalid JSON: a trailing comma before "]" is not allowed in JSON: remove it, or add a ' +
        'value after it',
    );
  });

  it('is not claimed for a brace after something else', () => {
    expect(parseError('{"a": }').reason).not.toContain('trailing comma');
    expect(parseError('{"a": 1,, }').reason).not.toContain('trailing comma');
  });
});
