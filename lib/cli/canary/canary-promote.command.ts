import { Command } from 'commander';
import type { CliOutput } from '../shared/cli-output.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection } from '../etcd/etcd.connection.js';
import { findCanary } from './canary-read.js';
import { promote } from './canary-promote.js';
import { addWaitFlags, type WaitFlags } from './canary-waitable.flags.js';

export function canaryPromoteCommand(
  output: CliOutput,
  setExitCode: (code: number) => void,
): Command {
  const command = new Command('promote')
    .description(
      "Publish the canary's candidate to the key and remove the canary, in one transaction, " +
        "only while the key is still at the canary's base revision: otherwise exit 4 and " +
        'nothing changes. Exits 8 when no canary is in progress.',
    )
    .addHelpText(
      'after',
      `
Example:
  $ config-reloader canary promote --etcd http://10.0.0.1:2379 --key /bots/trend --wait`,
    );
  addWaitFlags(command, 'applied the promoted revision');
  return addEtcdFlags(command).action(async (flags: EtcdFlags & WaitFlags) => {
    const etcd = await openEtcdConnection(flags);
    try {
      const found = await findCanary(output, etcd, flags.key);
      if (!found.found) return setExitCode(found.exitCode);
      const waitMs = flags.wait ? flags.timeout : undefined;
      setExitCode(await promote(output, etcd, flags.key, found.canary, waitMs));
    } finally {
      etcd.close();
    }
  });
}
