import { Command } from 'commander';
import type { CliOutput } from '../shared/cli-output.js';
import { overlayListCommand } from './overlay-list.command.js';
import { overlayRmCommand } from './overlay-rm.command.js';
import { overlaySetCommand } from './overlay-set.command.js';

/**
 * `overlay set | rm | list`: the records under `<key>/overlays/` that instances merge over the
 * key's config where their selector matches, written and read here as the instances read them.
 */
export function overlayCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('overlay').description(
    'Set, remove and list the overlays of an etcd key: JSON merge patches that each instance ' +
      "merges over the key's config, in name order, where the selector matches it.",
  );
  for (const subcommand of [
    overlaySetCommand(output, setExitCode),
    overlayRmCommand(output, setExitCode),
    overlayListCommand(output, setExitCode),
  ]) {
    command.addCommand(subcommand.exitOverride());
  }
  return command;
}
