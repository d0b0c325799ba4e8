import { describe, expect, it } from 'vitest';
import type { CliOutput } from '../../../lib/cli/shared/cli-output.js';
import { printChanges } from '../../../lib/cli/check/diff.format.js';

function captured(): CliOutput & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    paint: (_, t) => t,
  };
}

describe('printChanges', () => {
  it('prints keys and values from etcd records on one line, every control character escaped', () => {
    // A record from etcd is anyone's text: a key or a value must not clear the screen or forge a line.
    const output = captured();
    printChanges(output, [
      { path: 'risk.x\u001b[2J\nFORGED', oldValue: undefined, newValue: 1 },
      { path: 'note', oldValue: 'a\u009b31mb', newValue: 'c\u2028d' },
      { path: 'gone\u0007', oldValue: 'e\u007f', newValue: undefined },
    ]);
    expect(output.lines).toEqual([
      '+ risk.x\\u001b[2J\\u000aFORGED: 1',
      '~ note: "a\\u009b31mb" -> "c\\u2028d"',
      '- gone\\u0007: "e\\u007f"',
    ]);
  });
});
