import { describe, expect, it } from 'vitest';
import { printable } from '../../lib/change/printable.js';

describe('printable: untrusted text on one line', () => {
  it('folds line breaks, so a message cannot add a row of its own', () => {
    expect(printable('first line\r\n  applied bot-9 (revision 12)\nthird')).toBe(
      'first line / applied bot-9 (revision 12) / third',
    );
  });

  it('shows control characters escaped instead of sending them to the terminal', () => {
    expect(printable('x\u001b[2Jy\u0007')).toBe('x\\u001b[2Jy\\u0007');
  });

  it('shows a number as is and anything else that is not text as "?"', () => {
    expect(printable(12)).toBe('12');
    expect(printable({ toString: () => 'forged' })).toBe('?');
    expect(printable(undefined)).toBe('?');
  });
});
