import { Command } from 'commander';
import { diffConfigs, redactChanges } from '../config.diff.js';
import { createSecretKeyMatcher, DEFAULT_SECRET_KEYS } from '../secret-redaction.js';
import { checkConfigFile, formatProblem } from './config-check.js';
import { ExitCode, type CliOutput } from './cli-output.js';
import { printChanges } from './diff.format.js';

export function diffCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  return new Command('diff')
    .description(
      'Show what changes between two config files, secrets redacted as in the audit log. ' +
        'Exits 0 when they are the same, 1 when they differ.',
    )
    .argument('<old>', 'the current config file')
    .argument('<new>', 'the candidate config file')
    .option('--json', 'print the changes as JSON')
    .option('--secret-key <key...>', 'more keys to redact, besides the defaults')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader diff config/bot.json candidate.json
  $ config-reloader diff old.json new.json --secret-key pin --json`,
    )
    .action(
      async (oldFile: string, newFile: string, flags: { json?: boolean; secretKey?: string[] }) => {
        const [before, after] = [
          await checkConfigFile(oldFile, {}),
          await checkConfigFile(newFile, {}),
        ];
        for (const result of [before, after]) {
          if (!result.valid) {
            for (const problem of result.problems) output.err(formatProblem(problem));
            setExitCode(result.unreadable ? ExitCode.Io : ExitCode.Invalid);
            return;
          }
        }
        if (!before.valid || !after.valid) return;
        const isSecret = createSecretKeyMatcher([
          ...DEFAULT_SECRET_KEYS,
          ...(flags.secretKey ?? []),
        ]);
        const changes = redactChanges(diffConfigs(before.plain, after.plain), isSecret);
        if (flags.json) output.out(JSON.stringify({ changes }, null, 2));
        else printChanges(output, changes);
        setExitCode(changes.length === 0 ? ExitCode.Ok : ExitCode.Invalid);
      },
    );
}
