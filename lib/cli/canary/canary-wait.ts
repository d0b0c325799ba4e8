import type { CanaryAbort } from '../../sources/fleet/canary-record.js';
import type { StoredCanary } from '../../sources/etcd/fleet/canary.store.js';
import type { CanaryScene } from '../../sources/etcd/fleet/canary.watcher.js';
import type { CliOutput } from '../shared/cli-output.js';
import { formatDuration } from '../shared/duration.flag.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { CanaryMembers, type CanaryMember } from './canary-members.js';
import { canaryWaitMessages as say, printMember } from './canary.report.js';

export type CanaryWaitEnd =
  /** Every member applied the candidate and none failed it up to the end of the bake. */
  | { end: 'healthy'; members: CanaryMember[] }
  /**
   * A member rejected it, vetoed it or vanished (`members` says which), or marked it aborted
   * (`aborted`); `canary` is the record as last seen, for the abort.
   */
  | { end: 'failed'; members: CanaryMember[]; aborted?: CanaryAbort; canary: StoredCanary }
  /** The timeout ended before every member applied it; or the bake ended with one that did not. */
  | { end: 'timeout' | 'unbaked'; members: CanaryMember[] }
  | { end: 'interrupted'; members: CanaryMember[]; signal: NodeJS.Signals }
  /** The canary was deleted or replaced by someone else. */
  | { end: 'removed'; members: CanaryMember[] };

export interface CanaryWait {
  key: string;
  id: string;
  timeoutMs: number;
  bakeMs: number;
}

/**
 * Follows the canary `id` from its creation: waits until there is a live member and every live
 * member applied it (members that start meanwhile join), then bakes for `bakeMs`. Any member that
 * rejects or vetoes it, vanishes, or marks it aborted ends the wait at once, during the bake too.
 * Prints each member as its state changes. Ctrl+C or SIGTERM ends it early; the canary is left
 * as it is.
 */
export async function waitForCanary(
  output: CliOutput,
  etcd: EtcdConnection,
  { key, id, timeoutMs, bakeMs }: CanaryWait,
): Promise<CanaryWaitEnd> {
  const members = new CanaryMembers(id);
  const timers: NodeJS.Timeout[] = [];
  let baking = false;
  let toldNobody = false;
  let settle!: (end: CanaryWaitEnd) => void;
  let fail!: (error: unknown) => void;
  const ended = new Promise<CanaryWaitEnd>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  let done = false;
  const end = (result: CanaryWaitEnd) => {
    if (done) return;
    done = true;
    timers.forEach(clearTimeout);
    settle(result);
  };
  const onChange = ({ canary, live }: CanaryScene, vanished: readonly string[]) => {
    const record = canary?.record;
    if (!canary || record?.id !== id) return end({ end: 'removed', members: members.all() });
    if (record.aborted) {
      return end({ end: 'failed', members: members.all(), aborted: record.aborted, canary });
    }
    for (const member of members.see(record, canary.modRevision, live, vanished)) {
      printMember(output, member);
    }
    if (members.failed.length > 0) return end({ end: 'failed', members: members.all(), canary });
    if (members.count === 0 && !toldNobody) {
      toldNobody = true;
      output.err(output.paint('yellow', say.nobody(key)));
    }
    if (baking || !members.allApplied) return;
    baking = true;
    timers.forEach(clearTimeout);
    output.out(say.allApplied(members.count, formatDuration(bakeMs)));
    timers.push(
      setTimeout(() => {
        const after = members.all();
        end({ end: members.allApplied ? 'healthy' : 'unbaked', members: after });
      }, bakeMs),
    );
  };
  const stop = (signal: NodeJS.Signals) =>
    end({ end: 'interrupted', members: members.all(), signal });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  output.out(say.waiting(formatDuration(timeoutMs)));
  timers.push(setTimeout(() => end({ end: 'timeout', members: members.all() }), timeoutMs));
  let follow: { close(): Promise<void> } | undefined;
  try {
    follow = await etcd.canary.follow({
      onChange,
      onError: (error) => {
        if (!done) {
          done = true;
          timers.forEach(clearTimeout);
          fail(error);
        }
      },
    });
    return await ended;
  } finally {
    timers.forEach(clearTimeout);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await follow?.close();
  }
}
