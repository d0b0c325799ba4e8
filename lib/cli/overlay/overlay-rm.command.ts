import { Command } from 'commander';
import { CliFailure, ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection } from '../etcd/etcd.connection.js';
import { parseExistingOverlayName } from './overlay-name.argument.js';
import { overlayMessages } from './overlay.messages.js';

export function overlayRmCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('rm')
    .description(
      'Delete the overlay <name> of an etcd key: every instance it matched goes back to the ' +
        'config without its patch, validated as any change. Exits 3 when there is no such overlay.',
    )
    .argument('<name>', 'the overlay, as overlay list shows it', parseExistingOverlayName)
    .addHelpText(
      'after',
      `
Example:
  $ config-reloader overlay rm btc --etcd http://10.0.0.1:2379 --key /bots/trend`,
    );
  return addEtcdFlags(command).action(async (name: string, flags: EtcdFlags) => {
    const etcd = await openEtcdConnection(flags);
    try {
      const { deleted, revision } = await etcd.deleteOverlay(name);
      if (deleted === undefined) {
        throw new CliFailure(ExitCode.Io, overlayMessages.noSuchOverlay(name, etcd.overlayKey('')));
      }
      const removed = overlayMessages.removed(name, etcd.overlayKey(name), revision);
      output.out(`${output.paint('green', 'removed')} ${removed}`);
      setExitCode(ExitCode.Ok);
    } finally {
      etcd.close();
    }
  });
}
