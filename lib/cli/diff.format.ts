import type { ConfigChange } from '../config.diff.js';
import type { CliOutput } from './cli-output.js';

const show = (value: unknown) => (value === undefined ? '(absent)' : JSON.stringify(value));

/** `~ path: old -> new`, `+ path: new`, `- path: old`, one change a line. */
export function printChanges(output: CliOutput, changes: readonly ConfigChange[]): void {
  if (changes.length === 0) {
    output.out(output.paint('gray', 'no changes'));
    return;
  }
  for (const { path, oldValue, newValue } of changes) {
    if (oldValue === undefined) output.out(output.paint('green', `+ ${path}: ${show(newValue)}`));
    else if (newValue === undefined)
      output.out(output.paint('red', `- ${path}: ${show(oldValue)}`));
    else output.out(output.paint('yellow', `~ ${path}: ${show(oldValue)} -> ${show(newValue)}`));
  }
}
