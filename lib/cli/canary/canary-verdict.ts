import { constants } from 'node:os';
import { printable } from '../../change/printable.js';
import { canaryRecordText } from '../../sources/etcd/fleet/canary-record.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { formatDuration } from '../shared/duration.flag.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { hasFailed, type CanaryMember } from './canary-members.js';
import { abortRow, canaryWaitMessages as say, printMember } from './canary.report.js';
import type { CanaryWaitEnd } from './canary-wait.js';

/** Who marks a canary aborted when `publish --canary --wait` finds it unhealthy. */
export const CLI_ABORTER = 'cli';
const MAX_REASON = 400;

/**
 * The end of `publish --canary --wait`, before any promotion: prints one row per member and
 * returns the exit code. 0 healthy; 5 a member rejected, vetoed or vanished, or one marked the
 * canary aborted: the canary is then marked aborted here (when no member did it first), so every
 * member goes back to the base; 6 the timeout ended first (the canary stays); 4 it was removed or
 * replaced from elsewhere; 128 + the signal's number when interrupted (the canary stays).
 */
export async function canaryVerdict(
  output: CliOutput,
  etcd: EtcdConnection,
  { key, id, timeoutMs }: { key: string; id: string; timeoutMs: number },
  result: CanaryWaitEnd,
): Promise<number> {
  const rows = (members: readonly CanaryMember[]) =>
    members.forEach((member) => printMember(output, member, true));
  switch (result.end) {
    case 'healthy':
      output.out(output.paint('green', say.healthy(id, result.members.length)));
      return ExitCode.Ok;
    case 'timeout':
    case 'unbaked':
      output.err(
        output.paint(
          'yellow',
          result.end === 'timeout'
            ? say.timedOut(formatDuration(timeoutMs))
            : say.notAppliedAfterBake(),
        ),
      );
      rows(result.members.filter((member) => member.state !== 'applied'));
      return ExitCode.Behind;
    case 'interrupted':
      output.err(output.paint('yellow', say.interrupted()));
      return 128 + constants.signals[result.signal];
    case 'removed':
      output.err(output.paint('red', say.removed(key)));
      return ExitCode.Conflict;
    case 'failed':
      break;
  }
  output.err(output.paint('red', say.failed(id)));
  if (result.aborted) output.err(output.paint('red', abortRow(result.aborted)));
  rows(result.members);
  if (result.aborted) {
    output.err(say.abortedAlready(id));
    return ExitCode.Rejected;
  }
  const { canary } = result;
  const aborted = {
    by: CLI_ABORTER,
    at: new Date().toISOString(),
    error: { code: 'CANARY_UNHEALTHY', message: reasonOf(result.members) },
  };
  const marked = await etcd.canary.replace(
    canaryRecordText({ ...canary.record!, aborted }),
    canary,
  );
  // Lost the race to a member that marked it first, or to someone who removed it: undone either way.
  if (marked.written) output.err(say.abortedByCli(id));
  else output.err(marked.canary?.record?.aborted ? say.abortedAlready(id) : say.removed(key));
  return ExitCode.Rejected;
}

/** One line for the record: which members failed it and how (codes only, never a message). */
function reasonOf(members: readonly CanaryMember[]): string {
  const reason = members
    .filter(hasFailed)
    .map(({ instance, state }) => {
      const code = instance.error && state !== 'gone' ? ` (${printable(instance.error.code)})` : '';
      return `${printable(instance.instanceId)} ${state === 'gone' ? 'vanished' : state}${code}`;
    })
    .join('; ');
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}
