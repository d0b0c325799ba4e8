import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  MAX_OVERLAY_NAME_LENGTH,
  parseExistingOverlayName,
  parseOverlayName,
} from '../../../lib/cli/overlay/overlay-name.argument.js';

/** The usage error a name is refused with (commander exits 2 with its message). */
const refusal = (name: string, parse = parseOverlayName) => {
  try {
    parse(name);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(name)} to be refused`);
};

describe('an overlay name on the command line', () => {
  it('takes one printable segment, up to the longest name', () => {
    for (const name of [
      'btc',
      'exp-7-a',
      'a.b_c',
      'ünïcode',
      'x'.repeat(MAX_OVERLAY_NAME_LENGTH),
    ]) {
      expect(parseOverlayName(name)).toBe(name);
    }
  });

  it('refuses a "/", which would put the record below another name', () => {
    expect(refusal('eu/btc')).toContain('"/"');
    expect(refusal('/btc')).toContain('one segment');
    expect(refusal('btc/')).toContain('one segment');
  });

  it('refuses empty, too long, and the path steps "." and ".."', () => {
    expect(refusal('')).toContain('empty');
    expect(refusal('x'.repeat(MAX_OVERLAY_NAME_LENGTH + 1))).toContain(
      `${MAX_OVERLAY_NAME_LENGTH + 1} characters long`,
    );
    expect(refusal('.')).toContain('step of a path');
    expect(refusal('..')).toContain('step of a path');
  });

  it('refuses what would split a status row or a selector: spaces, commas, quotes', () => {
    expect(refusal('a b')).toContain('a space');
    expect(refusal('a,b')).toContain('holds a ","');
    expect(refusal('a"b')).toContain('holds a """');
  });

  it('refuses control and invisible characters, and never prints them raw', () => {
    for (const [name, code] of [
      ['a\u001b[2Jb', '\\u001b'],
      ['a\nb', '\\u000a'],
      ['a\tb', '\\u0009'],
      ['evil\u202etxt.exe', '\\u202e'],
      ['zero\u200bwidth', '\\u200b'],
      ['\ufeffbom', '\\ufeff'],
    ] as const) {
      const message = refusal(name);
      expect(message).toContain(code);
      // oxlint-disable-next-line no-control-regex -- the control characters are what it finds
      expect(message).not.toMatch(/[\u0000-\u001f\u202e\u200b\ufeff]/);
    }
  });

  it('lets rm name any overlay there is, a hand-written one with a "/" included', () => {
    expect(parseExistingOverlayName('eu/btc')).toBe('eu/btc');
    expect(parseExistingOverlayName('a b')).toBe('a b');
    expect(refusal('', parseExistingOverlayName)).toContain('empty');
  });
});
