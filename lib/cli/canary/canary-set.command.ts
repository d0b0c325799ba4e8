import { Command } from 'commander';
import { canaryRecordText } from '../../sources/etcd/fleet/canary-record.js';
import type { Selector } from '../../sources/etcd/fleet/selector.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { formatSelector, parseSelectorFlag } from '../shared/selector.flag.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection } from '../etcd/etcd.connection.js';
import { canaryMessages as say } from './canary.messages.js';
import { findCanary } from './canary-read.js';

export function canarySetCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('set')
    .description(
      "Rewrite the canary's selector: widen it (10% -> 50% keeps every member that was in, " +
        'with the same seed) or narrow it. Compare-and-swap on the record: exits 4 when it ' +
        'changed meanwhile, 8 when no canary is in progress.',
    )
    .argument(
      '<selector>',
      'which instances run the candidate: 10%, 50%..100%, seed=<text>, instance=<id>, ' +
        '<label>=<value>, comma-separated (100% for all)',
      parseSelectorFlag,
    )
    .addHelpText(
      'after',
      `
Example:
  $ config-reloader canary set 50% --etcd http://10.0.0.1:2379 --key /bots/trend`,
    );
  return addEtcdFlags(command).action(async (match: Selector, flags: EtcdFlags) => {
    const etcd = await openEtcdConnection(flags);
    try {
      const found = await findCanary(output, etcd, flags.key);
      if (!found.found) return setExitCode(found.exitCode);
      const { canary } = found;
      const selector = formatSelector(match);
      if (JSON.stringify(canary.record.match) === JSON.stringify(match)) {
        output.out(say.matchUnchanged(selector));
        return setExitCode(ExitCode.Ok);
      }
      const text = canaryRecordText({ ...canary.record, match });
      const write = await etcd.canary.replace(text, canary);
      if (!write.written) {
        output.err(output.paint('red', say.changedMeanwhile(flags.key, 'setting its selector')));
        return setExitCode(ExitCode.Conflict);
      }
      output.out(
        `${output.paint('green', 'set')} ${say.matchSet(canary.record.id, selector, write.revision)}`,
      );
      setExitCode(ExitCode.Ok);
    } finally {
      etcd.close();
    }
  });
}
