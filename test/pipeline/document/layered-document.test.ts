import { describe, expect, it } from 'vitest';
import { ConfigParseError } from '../../../lib/index.js';
import { assembleLayeredDocument } from '../../../lib/pipeline/document/layered-document.js';

describe('assembleLayeredDocument', () => {
  it('returns the base text byte for byte when there are no layers', () => {
    // Not even parsed: a BOM, odd spacing and invalid JSON come back untouched.
    for (const text of ['\uFEFF{ "a" :1 }', '{"a": 1, }', '']) {
      expect(assembleLayeredDocument(text, 'bot.json', [])).toEqual({
        text,
        baseText: text,
        overlays: [],
      });
    }
  });

  it('merges each layer in order, later ones winning, into indented JSON with a final newline', () => {
    const base = '{ "risk": { "max": 1, "stop": 0.05 }, "symbols": ["ETH"] }';
    const document = assembleLayeredDocument(base, 'bot.json', [
      { name: 'btc.json', patch: { symbols: ['BTC'], risk: { max: 2 } } },
      { name: 'eu.json', patch: { risk: { max: 3, stop: null }, region: 'eu' } },
    ]);
    expect(document.text).toBe(
      `${JSON.stringify({ risk: { max: 3 }, symbols: ['BTC'], region: 'eu' }, null, 2)}\n`,
    );
    expect(document.baseText).toBe(base);
    expect(document.overlays).toEqual(['btc.json', 'eu.json']);
  });

  it('parses the base strictly and names it, with line and column, when it is refused', () => {
    const layers = [{ name: 'btc.json', patch: { a: 1 } }];
    const attempt = (text: string) => {
      try {
        assembleLayeredDocument(text, '/srv/bot.json', layers);
      } catch (error) {
        return error;
      }
      throw new Error('the base was accepted');
    };
    expect(attempt('{\n  "a": 1,\n  "a": 2\n}')).toMatchObject({
      code: 'CONFIG_PARSE',
      configPath: '/srv/bot.json',
      line: 3,
      column: 3,
    });
    const syntax = attempt('{\n  "a": 1,\n}');
    expect(syntax).toBeInstanceOf(ConfigParseError);
    expect((syntax as Error).message).toMatch(/\/srv\/bot\.json at line 2, column 9/);
    expect(attempt('{"__proto__": {"x": 1}}')).toMatchObject({ code: 'CONFIG_PARSE' });
  });
});
