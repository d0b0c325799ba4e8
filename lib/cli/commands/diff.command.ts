import { Command } from 'commander';
import { checkConfigFile, formatProblem } from '../check/config-check.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addSecretKeyFlag, printChanges, redactedChanges } from '../check/diff.format.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from '../shared/max-file-bytes.flag.js';
import { addOverlayFlag, type OverlayFlag } from '../check/overlay.flag.js';

export function diffCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('diff')
    .description(
      'Show what changes between two config files, secrets redacted as in the audit log. ' +
        'Exits 0 when they are the same, 1 when they differ, 3 when a file cannot be read or ' +
        'parsed (missing, over --max-file-bytes, not JSON).',
    )
    .argument('<old>', 'the current config file')
    .argument('<new>', 'the candidate config file')
    .option('--json', 'print the changes as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader diff config/bot.json candidate.json
  $ config-reloader diff old.json new.json --secret-key pin --json
  $ config-reloader diff config/bot.json candidate.json --overlay config/btc.json`,
    );
  type Flags = MaxFileBytesFlag & OverlayFlag & { json?: boolean; secretKey?: string[] };
  return addOverlayFlag(addMaxFileBytesFlag(addSecretKeyFlag(command))).action(
    async (oldFile: string, newFile: string, flags: Flags) => {
      // The same overlays over both: what changes in the document the app would run.
      const [before, after] = [
        await checkConfigFile(oldFile, {}, flags.maxFileBytes, flags.overlay),
        await checkConfigFile(newFile, {}, flags.maxFileBytes, flags.overlay),
      ];
      for (const result of [before, after]) {
        if (!result.valid) {
          for (const problem of result.problems) output.err(formatProblem(problem));
          // 1 means "the files differ": a file that cannot be compared at all is another answer.
          setExitCode(ExitCode.Io);
          return;
        }
      }
      if (!before.valid || !after.valid) return;
      const changes = redactedChanges(before.plain, after.plain, flags.secretKey);
      if (flags.json) output.out(JSON.stringify({ changes }, null, 2));
      else printChanges(output, changes);
      setExitCode(changes.length === 0 ? ExitCode.Ok : ExitCode.Invalid);
    },
  );
}
