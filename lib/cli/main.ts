#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { applyCommand } from './commands/apply.command.js';
import { canaryCommand } from './canary/canary.command.js';
import { dashboardCommand } from './dashboard/dashboard.command.js';
import { CliFailure, ExitCode, terminalOutput } from './shared/cli-output.js';
import { diffCommand } from './commands/diff.command.js';
import { overlayCommand } from './overlay/overlay.command.js';
import { publishCommand } from './commands/publish.command.js';
import { rollbackCommand } from './commands/rollback.command.js';
import { schemaCommand } from './commands/schema.command.js';
import { statusCommand } from './commands/status.command.js';
import { validateCommand } from './commands/validate.command.js';

/**
 * `config-reloader`: validate, diff and install config files with exactly the parser and
 * validators the running module uses, so what passes here is what the app accepts.
 */
async function main(argv: string[]): Promise<number> {
  const output = terminalOutput();
  let exitCode: number = ExitCode.Ok;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const program = new Command('config-reloader')
    .description(
      'Validate, diff and safely apply JSON config files for nestjs-config-reloader; publish ' +
        'them to etcd (or roll back to an earlier revision), follow the rollout across a fleet, ' +
        'set the overlays that give some instances a variant of the config, run a new config ' +
        'on some instances first (a canary), and watch the fleet live on a dashboard.',
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 valid / applied / published / no difference, 1 invalid or over
            --max-file-bytes (diff: files differ; overlay set: the config with the
            patch merged over it is invalid; overlay list: a record is unreadable),
            2 wrong command line, 3 a file or module could not be read or written
            (diff, overlay set: or parsed; etcd: refused, wrong credentials, a TLS
            or password file unreadable; rollback: no earlier value, or its
            revision compacted; overlay rm: no such overlay; canary: no base, or
            the record unreadable), 4 publish, rollback, overlay set or canary lost
            a race: the key changed meanwhile, nothing written (canary promote: the
            key moved past the canary's base), 5 --wait or status: an instance
            rejected the config (canary --wait: a member rejected or vetoed it, or
            vanished; the canary is aborted), 6 --wait or status: instances behind,
            staged or vetoed (at the timeout; with --dry-run: did not answer the
            trial; canary --wait: the canary is left in place), 7 etcd did not
            answer, 8 publish --dry-run --wait: another trial is in progress; a
            canary is in progress (publish refused) or none is (canary promote,
            abort, set, status), 130 --wait ended by Ctrl+C.`,
    );
  for (const command of [
    validateCommand(output, setExitCode),
    diffCommand(output, setExitCode),
    applyCommand(output, setExitCode),
    publishCommand(output, setExitCode),
    rollbackCommand(output, setExitCode),
    statusCommand(output, setExitCode),
    overlayCommand(output, setExitCode),
    canaryCommand(output, setExitCode),
    dashboardCommand(output, setExitCode),
    schemaCommand(output, setExitCode),
  ]) {
    program.addCommand(command.exitOverride());
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliFailure) {
      output.err(`config-reloader: ${error.message}`);
      return error.exitCode;
    }
    output.err(`config-reloader: ${(error as Error).message}`);
    return ExitCode.Io;
  }
  return exitCode;
}

// `config-reloader --help | head` closes the pipe early: stop writing, as Unix tools do,
// instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.destroy();
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`config-reloader: ${String(error)}\n`);
    process.exitCode = ExitCode.Io;
  },
);
