import { Command } from 'commander';
import { checkConfigFile, formatProblem } from '../check/config-check.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from '../shared/max-file-bytes.flag.js';
import { addOverlayFlag, type OverlayFlag } from '../check/overlay.flag.js';
import {
  addValidationFlags,
  noteWhenSyntaxOnly,
  rulesFromFlags,
  type ValidationFlags,
} from '../check/validation-flags.js';

export function validateCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('validate')
    .description('Check config files exactly as the running module would; nothing is changed.')
    .argument('<files...>', 'JSON config files')
    .option('--json', 'print a machine-readable result')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader validate config/bot.json --schema config/bot.schema.json
  $ config-reloader validate config/*.json --dto dist/config/bot.config.js#BotConfig --json
  $ config-reloader validate config/bot.json --max-file-bytes 1048576
  $ config-reloader validate config/bot.json --overlay config/btc.json --overlay config/eu.json`,
    );
  type Flags = ValidationFlags & MaxFileBytesFlag & OverlayFlag & { json?: boolean };
  return addOverlayFlag(addMaxFileBytesFlag(addValidationFlags(command))).action(
    async (files: string[], flags: Flags) => {
      const rules = await rulesFromFlags(flags);
      noteWhenSyntaxOnly(output, flags);
      const results = [];
      for (const file of files)
        results.push(await checkConfigFile(file, rules, flags.maxFileBytes, flags.overlay));
      const failed = results.filter((result) => !result.valid);
      if (flags.json) {
        output.out(
          JSON.stringify(
            {
              valid: failed.length === 0,
              ...(flags.overlay.length > 0 ? { overlays: flags.overlay } : {}),
              files: results.map((result) =>
                result.valid
                  ? { file: result.file, valid: true, problems: [] }
                  : { file: result.file, valid: false, problems: result.problems },
              ),
            },
            null,
            2,
          ),
        );
      } else {
        // Which document was checked: the file, or the file with the overlays over it.
        const layered = flags.overlay.length > 0 ? ` + ${flags.overlay.join(' + ')}` : '';
        for (const result of results) {
          if (result.valid) {
            output.out(`${output.paint('green', 'valid')}   ${result.file}${layered}`);
            continue;
          }
          output.err(`${output.paint('red', 'invalid')} ${result.file}${layered}`);
          for (const problem of result.problems) output.err(`  ${formatProblem(problem)}`);
        }
      }
      const unreadable = failed.some((result) => !result.valid && result.unreadable);
      setExitCode(failed.length === 0 ? ExitCode.Ok : unreadable ? ExitCode.Io : ExitCode.Invalid);
    },
  );
}
