import type { Command } from 'commander';
import { diffConfigs, redactChanges, type ConfigChange } from '../../change/config.diff.js';
import { createSecretKeyMatcher, DEFAULT_SECRET_KEYS } from '../../change/secret-redaction.js';
import { escapeControlCharacters } from '../../change/printable.js';
import type { CliOutput } from '../shared/cli-output.js';

/** The `--secret-key` flag shared by diff and apply. */
export function addSecretKeyFlag(command: Command): Command {
  return command.option('--secret-key <key...>', 'more keys to redact, besides the defaults');
}

/** The changes between two parsed configs, redacted as in the audit log plus any extra keys. */
export function redactedChanges(
  before: object,
  after: object,
  extraSecretKeys: readonly string[] = [],
): ConfigChange[] {
  const isSecret = createSecretKeyMatcher([...DEFAULT_SECRET_KEYS, ...extraSecretKeys]);
  return redactChanges(diffConfigs(before, after), isSecret);
}

// JSON escapes the C0 controls only; the others (DEL, C1, line separators) are escaped here.
const show = (value: unknown) =>
  value === undefined ? '(absent)' : escapeControlCharacters(JSON.stringify(value));

/**
 * `~ path: old -> new`, `+ path: new`, `- path: old`, one change a line. Keys and values may come
 * from etcd, written by anyone: each is shown on its line with every control character escaped.
 */
export function printChanges(output: CliOutput, changes: readonly ConfigChange[]): void {
  if (changes.length === 0) {
    output.out(output.paint('gray', 'no changes'));
    return;
  }
  for (const change of changes) {
    const { oldValue, newValue } = change;
    const path = escapeControlCharacters(change.path);
    if (oldValue === undefined) output.out(output.paint('green', `+ ${path}: ${show(newValue)}`));
    else if (newValue === undefined)
      output.out(output.paint('red', `- ${path}: ${show(oldValue)}`));
    else output.out(output.paint('yellow', `~ ${path}: ${show(oldValue)} -> ${show(newValue)}`));
  }
}
