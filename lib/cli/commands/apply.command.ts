import { Command } from 'commander';
import { resolve } from 'node:path';
import { writeFileAtomically } from '../../sources/atomic-write.js';
import { checkConfigFile, formatProblem } from '../check/config-check.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addSecretKeyFlag, printChanges, redactedChanges } from '../check/diff.format.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from '../shared/max-file-bytes.flag.js';
import {
  addValidationFlags,
  rulesFromFlags,
  type ValidationFlags,
} from '../check/validation-flags.js';

export function applyCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('apply')
    .description(
      'Validate a new config, show the diff, then replace the target atomically (temp file in ' +
        'the same directory, fsync, rename; mode and owner kept, a new target is created 0600), ' +
        'so a running reloader never sees a partial or invalid file. Nothing changes when it is ' +
        'invalid.',
    )
    .argument('<new-file>', 'the validated config to install')
    .requiredOption('-t, --to <config-path>', 'the config file the application watches')
    .option('-n, --dry-run', 'validate and show the diff, change nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader apply candidate.json --to /etc/bot/bot.json --schema bot.schema.json
  $ config-reloader apply candidate.json --to /etc/bot/bot.json --dry-run`,
    );
  return addMaxFileBytesFlag(addValidationFlags(addSecretKeyFlag(command))).action(
    async (
      newFile: string,
      flags: ValidationFlags &
        MaxFileBytesFlag & { to: string; dryRun?: boolean; secretKey?: string[] },
    ) => {
      const rules = await rulesFromFlags(flags);
      const candidate = await checkConfigFile(newFile, rules, flags.maxFileBytes);
      if (!candidate.valid) {
        output.err(`${output.paint('red', 'refused')} ${candidate.file}; ${flags.to} is unchanged`);
        for (const problem of candidate.problems) output.err(`  ${formatProblem(problem)}`);
        setExitCode(candidate.unreadable ? ExitCode.Io : ExitCode.Invalid);
        return;
      }
      const target = resolve(flags.to);
      // The current file may be missing or broken: then everything counts as new.
      const current = await checkConfigFile(target, {}, flags.maxFileBytes);
      const before = current.valid ? current.plain : {};
      printChanges(output, redactedChanges(before, candidate.plain, flags.secretKey));
      if (flags.dryRun) {
        output.out(output.paint('gray', `dry run: ${target} not changed`));
        return;
      }
      try {
        await writeFileAtomically(target, candidate.text);
      } catch (error) {
        output.err(`cannot write ${target}: ${(error as Error).message}`);
        setExitCode(ExitCode.Io);
        return;
      }
      output.out(`${output.paint('green', 'applied')} ${candidate.file} -> ${target}`);
    },
  );
}
