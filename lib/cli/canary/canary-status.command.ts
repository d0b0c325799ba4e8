import { Command } from 'commander';
import { printable } from '../../change/printable.js';
import { validatedText } from '../check/pipeline.loader.js';
import { describeError } from '../../config-reloader.errors.js';
import { canaryKey } from '../../sources/fleet/canary-record.js';
import { addSecretKeyFlag, printChanges, redactedChanges } from '../check/diff.format.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { formatSelector } from '../shared/selector.flag.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection } from '../etcd/etcd.connection.js';
import { currentConfig } from '../rollout/publish-flow.js';
import { CanaryMembers } from './canary-members.js';
import { abortRow, printMember } from './canary.report.js';
import { findCanary } from './canary-read.js';

type StatusFlags = EtcdFlags & { json?: boolean; secretKey?: string[] };

export function canaryStatusCommand(
  output: CliOutput,
  setExitCode: (code: number) => void,
): Command {
  const command = new Command('status')
    .description(
      'Show the canary of an etcd key: its id, selector, whether it was aborted (by whom, ' +
        'why), one row per live member (applied, staged, behind, rejected, vetoed) and the ' +
        'redacted diff base -> candidate. Exits 8 when there is no canary record.',
    )
    .option(
      '--json',
      'print { id, match, aborted?, members: [{ instanceId, state, error? }], diff }',
    )
    .addHelpText(
      'after',
      `
Example:
  $ config-reloader canary status --etcd http://10.0.0.1:2379 --key /bots/trend`,
    );
  return addEtcdFlags(addSecretKeyFlag(command)).action(async (flags: StatusFlags) => {
    const etcd = await openEtcdConnection(flags);
    try {
      const found = await findCanary(output, etcd, flags.key, { allowAborted: true });
      if (!found.found) return setExitCode(found.exitCode);
      const { base, canary } = found;
      const { record } = canary;
      const fleet = await etcd.readFleet();
      const live = new Map(fleet.instances.map((instance) => [instance.instanceId, instance]));
      const members = new CanaryMembers(record.id).see(record, canary.modRevision, live, []);
      const before = (await currentConfig(output, flags.key, base)) ?? {};
      const candidate = await parsedCandidate(output, canaryKey(flags.key), record.candidate);
      const diff = redactedChanges(before, candidate, flags.secretKey);
      if (flags.json) {
        const document = {
          id: record.id,
          match: record.match,
          ...(record.aborted ? { aborted: record.aborted } : {}),
          members: members.map(({ instance, state }) => ({
            instanceId: instance.instanceId,
            state,
            ...((state === 'rejected' || state === 'vetoed') && instance.error
              ? { error: instance.error }
              : {}),
          })),
          diff,
        };
        output.out(JSON.stringify(document, null, 2));
        return setExitCode(ExitCode.Ok);
      }
      output.out(
        `canary ${printable(record.id)} of "${flags.key}", for the instances that match ` +
          `${formatSelector(record.match)} (base revision ${record.baseRevision}, record at ` +
          `revision ${canary.modRevision}, created ${printable(record.createdAt)})`,
      );
      if (record.aborted) output.out(output.paint('red', abortRow(record.aborted)));
      if (members.length === 0) output.out(output.paint('gray', '  no live member'));
      for (const member of members) printMember(output, member, false, !!record.aborted);
      output.out('the candidate against the base:');
      printChanges(output, diff);
      setExitCode(ExitCode.Ok);
    } finally {
      etcd.close();
    }
  });
}

async function parsedCandidate(
  output: CliOutput,
  where: string,
  text: string,
): Promise<Record<string, unknown>> {
  try {
    return (await validatedText(text, where, {})).plain;
  } catch (error) {
    // The parse error names a line and column, never a value.
    output.err(output.paint('yellow', `the candidate is no valid config: ${describeError(error)}`));
    return {};
  }
}
