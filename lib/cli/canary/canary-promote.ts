import type { CanaryRecord } from '../../sources/etcd/fleet/canary-record.js';
import type { StoredCanary } from '../../sources/etcd/fleet/canary.store.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { formatDuration } from '../shared/duration.flag.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { progressPrinter, reportRollout } from '../rollout/rollout.report.js';
import { canaryMessages as say } from './canary.messages.js';

/**
 * Promotes the canary: one transaction writes its candidate to `K` and deletes `K/canary`, only
 * while `K` is still at the canary's base revision and the record is as read; otherwise exit 4
 * and nothing changed. With `waitMs`, then waits for the whole fleet on the promoted revision,
 * as `publish --wait` does.
 */
export async function promote(
  output: CliOutput,
  etcd: EtcdConnection,
  key: string,
  read: StoredCanary & { record: CanaryRecord },
  waitMs: number | undefined,
): Promise<number> {
  const write = await etcd.canary.promote(read);
  if (!write.written) {
    const now = write.base?.modRevision;
    output.err(
      output.paint(
        'red',
        now !== read.record.baseRevision
          ? say.promoteBaseMoved(key, read.record.baseRevision, now)
          : say.changedMeanwhile(key, 'promoting it'),
      ),
    );
    return ExitCode.Conflict;
  }
  output.out(
    `${output.paint('green', 'promoted')} ${say.promoted(read.record.id, key, write.revision)}`,
  );
  return waitMs === undefined
    ? ExitCode.Ok
    : waitForFleet(output, etcd, key, write.revision, waitMs);
}

/** Every live instance on `revision` (or later): after a promote, and after an abort. */
export async function waitForFleet(
  output: CliOutput,
  etcd: EtcdConnection,
  key: string,
  revision: string,
  waitMs: number,
): Promise<number> {
  output.out(
    `waiting up to ${formatDuration(waitMs)} for every live instance to apply revision ${revision}`,
  );
  const result = await etcd.waitForRollout(revision, waitMs, progressPrinter(output));
  return reportRollout(output, result, key);
}
