import type { CasGuard } from '../../sources/etcd/cas-put.js';
import { canaryKey } from '../../sources/etcd/fleet/canary-record.js';
import { canaryInProgress } from '../../sources/etcd/fleet/canary.store.js';
import type { CliOutput } from '../shared/cli-output.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { canaryMessages as say } from './canary.messages.js';

/**
 * What a plain publish needs from `K/canary`: refused (false, said why) while a canary is in
 * progress; otherwise the guard its compare-and-swap adds, so that a canary started between
 * this read and the write makes it fail (no canary, or the aborted one, still as read).
 */
export async function guardAgainstCanary(
  output: CliOutput,
  etcd: EtcdConnection,
  key: string,
): Promise<CasGuard | false> {
  const { canary } = await etcd.canary.read();
  if (canaryInProgress(canary)) {
    output.err(
      output.paint(
        'red',
        canary?.record ? say.inProgress(key, canary.record.id) : say.unreadableInProgress(key),
      ),
    );
    return false;
  }
  return { key: canaryKey(key), modRevision: canary?.modRevision };
}
