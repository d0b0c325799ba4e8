import { describe, expect, it } from 'vitest';
import { terminalOutput } from '../../../lib/cli/shared/cli-output.js';

/** A stream that keeps what was written, a terminal or not. */
const stream = (isTTY: boolean) => {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) > 0 };
};

const ESC = '\u001b[';

describe('colour on the command line', () => {
  it('colours each stream only when that stream is a terminal', () => {
    for (const [outTTY, errTTY] of [
      [false, true],
      [true, false],
      [true, true],
      [false, false],
    ]) {
      const stdout = stream(outTTY);
      const stderr = stream(errTTY);
      const output = terminalOutput(stdout, stderr, {});
      output.out(output.paint('green', 'published'));
      output.err(output.paint('red', 'refused'));
      expect(stdout.written.join('').includes(ESC), `stdout, ${outTTY}/${errTTY}`).toBe(outTTY);
      expect(stderr.written.join('').includes(ESC), `stderr, ${outTTY}/${errTTY}`).toBe(errTTY);
      expect(stdout.written.join('')).toContain('published');
      expect(stderr.written.join('')).toContain('refused');
    }
  });

  it('uses none at all with NO_COLOR', () => {
    const stdout = stream(true);
    const stderr = stream(true);
    const output = terminalOutput(stdout, stderr, { NO_COLOR: '1' });
    output.out(output.paint('green', 'published'));
    output.err(output.paint('red', 'refused'));
    expect(stdout.written.join('') + stderr.written.join('')).not.toContain(ESC);
  });
});
