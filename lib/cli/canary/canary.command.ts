import { Command } from 'commander';
import type { CliOutput } from '../shared/cli-output.js';
import { canaryAbortCommand } from './canary-abort.command.js';
import { canaryPromoteCommand } from './canary-promote.command.js';
import { canarySetCommand } from './canary-set.command.js';
import { canaryStatusCommand } from './canary-status.command.js';

/**
 * `canary status | set | promote | abort`: the canary `<key>/canary` that `publish --canary`
 * creates, read as instances read it and changed only with compare-and-swap.
 */
export function canaryCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('canary').description(
    'Show, re-target, promote or abort the canary of an etcd key: a candidate config that the ' +
      'instances its selector matches run in place of the published one.',
  );
  for (const subcommand of [
    canaryStatusCommand(output, setExitCode),
    canarySetCommand(output, setExitCode),
    canaryPromoteCommand(output, setExitCode),
    canaryAbortCommand(output, setExitCode),
  ]) {
    command.addCommand(subcommand.exitOverride());
  }
  return command;
}
