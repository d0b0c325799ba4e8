import { Command } from 'commander';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection, type EtcdConnection } from '../etcd/etcd.connection.js';
import { canaryMessages as say } from './canary.messages.js';
import { findCanary } from './canary-read.js';
import { waitForFleet } from './canary-promote.js';
import { addWaitFlags, type WaitFlags } from './canary-waitable.flags.js';

export function canaryAbortCommand(
  output: CliOutput,
  setExitCode: (code: number) => void,
): Command {
  const command = new Command('abort')
    .description(
      'Delete the canary (compare-and-swap on its record): every member goes back to the ' +
        'base, validated as any change. Exits 8 when no canary is in progress, 4 when it ' +
        'changed meanwhile.',
    )
    .addHelpText(
      'after',
      `
Example:
  $ config-reloader canary abort --etcd http://10.0.0.1:2379 --key /bots/trend --wait`,
    );
  addWaitFlags(command, 'is back on the base');
  return addEtcdFlags(command).action(async (flags: EtcdFlags & WaitFlags) => {
    const etcd = await openEtcdConnection(flags);
    try {
      const aborted = await abortCanary(output, etcd, flags.key);
      if (aborted.revision === undefined || !flags.wait) return setExitCode(aborted.exitCode);
      setExitCode(await waitForFleet(output, etcd, flags.key, aborted.revision, flags.timeout));
    } finally {
      etcd.close();
    }
  });
}

/**
 * Deletes the canary if its record is still as read (also one nobody can read: instances stop
 * on it). The exit code, and the revision of the delete when it happened.
 */
export async function abortCanary(
  output: CliOutput,
  etcd: EtcdConnection,
  key: string,
): Promise<{ exitCode: number; revision?: string }> {
  const found = await findCanary(output, etcd, key);
  const unreadable = !found.found && found.exitCode === ExitCode.Io ? found.canary : undefined;
  if (!found.found && unreadable === undefined) return { exitCode: found.exitCode };
  const canary = found.found ? found.canary : unreadable!;
  const write = await etcd.canary.remove(canary);
  if (!write.written) {
    output.err(output.paint('red', say.changedMeanwhile(key, 'aborting it')));
    return { exitCode: ExitCode.Conflict };
  }
  const id = found.found ? found.canary.record.id : '(unreadable)';
  output.out(`${output.paint('green', 'aborted')} ${say.aborted(id, write.revision)}`);
  return { exitCode: ExitCode.Ok, revision: write.revision };
}
