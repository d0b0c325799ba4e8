import type { IKeyValue } from 'etcd3';
import {
  canaryKey,
  canaryRecordText,
  type CanaryRecord,
} from '../lib/sources/etcd/fleet/canary-record.js';
import { epochNow } from './fixtures.js';
import type { VariantsContext } from './variants-plan.js';
import {
  summarizeOutcomes,
  summarizeTimes,
  type LatencySummary,
  type PutOutcome,
  type VariantsFleet,
} from './variants-fleet.js';
import { VETO_FROM } from './variants-client.js';

export interface AbortResult {
  instances: number;
  debounceMs: number;
  member: string;
  /** Put of a canary its member vetoes -> the driver sees K/canary marked aborted by it, ms. */
  abort: LatencySummary;
  /** Of that: put -> the member's `beforeApply` vetoed it, ms (the rest is the report and the write). */
  vetoed: Omit<LatencySummary, 'missed'>;
  /** Put of a canary its member accepts -> 'config_reloaded' in that member, ms. */
  accepted: LatencySummary;
  /** Aborts marked by anyone but the member, or with no error: should be none. */
  wrongAborts: number;
}

/**
 * Self-abort: a canary for one member of the fleet, whose `beforeApply` vetoes its candidate,
 * from the driver's put of K/canary to the record marked aborted by that member, as the driver's
 * own watch on K/canary sees it. Against a canary the member accepts, put -> its
 * 'config_reloaded', in turns with it: the same way in, the same debounce and validation, so the
 * difference is the veto and the compare-and-swap that marks the record.
 */
export async function measureAbort(
  context: VariantsContext,
  fleet: VariantsFleet,
  memberIndex: number,
): Promise<AbortResult> {
  const { plan, etcd } = context;
  const key = canaryKey(fleet.key);
  const member = fleet.instanceId(memberIndex);
  const baseRevision = (await etcd.get(fleet.key).exec()).kvs[0]!.mod_revision;
  const recordOf = (id: string, seq: number): string =>
    canaryRecordText({
      id,
      candidate: context.render(seq),
      baseRevision,
      match: { instances: [member] },
      abortOnReject: true,
      createdAt: new Date().toISOString(),
    });

  // The driver's watch: resolves the waiter of the canary the member marked aborted.
  let waiter: { id: string; resolve: (at: number, record: CanaryRecord) => void } | undefined;
  const watcher = await etcd.watch().key(key).create();
  watcher.on('put', (kv: IKeyValue) => {
    const at = epochNow();
    const record = JSON.parse(kv.value.toString('utf8')) as CanaryRecord;
    if (record.aborted && waiter?.id === record.id) waiter.resolve(at, record);
  });

  const aborts: number[] = [];
  const vetoed: number[] = [];
  const accepted: PutOutcome[] = [];
  let wrongAborts = 0;
  let missedAborts = 0;
  try {
    for (let round = 0; round < plan.abortRounds; round++) {
      for (const which of round % 2 === 0 ? ['abort', 'accept'] : ['accept', 'abort']) {
        await fleet.quiet();
        if (which === 'accept') {
          const seq = context.next();
          const put = () =>
            etcd
              .put(key)
              .value(recordOf(`good-${round}`, seq))
              .exec();
          accepted.push(await fleet.timed(seq, plan.boundMs, put, memberIndex));
          // The member goes back to the base before the next round.
          const back = () => etcd.delete().key(key).exec();
          await fleet.timed(fleet.lastSeq, plan.boundMs, back, memberIndex);
          continue;
        }
        const id = `bad-${round}`;
        const marked = new Promise<{ at: number; record: CanaryRecord } | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), plan.boundMs + plan.debounceMs);
          waiter = {
            id,
            resolve: (at, record) => {
              clearTimeout(timer);
              resolve({ at, record });
            },
          };
        });
        await fleet.vetoes(); // forget earlier ones (each veto is judged again later)
        const sentAt = epochNow();
        await etcd
          .put(key)
          .value(recordOf(id, VETO_FROM + round))
          .exec();
        const seen = await marked;
        waiter = undefined;
        const first = Math.min(...(await fleet.vetoes()).filter((at) => at >= sentAt));
        if (Number.isFinite(first)) vetoed.push(first - sentAt);
        if (!seen) missedAborts++;
        else aborts.push(seen.at - sentAt);
        if (seen && (seen.record.aborted?.by !== member || !seen.record.aborted.error.code)) {
          wrongAborts++;
        }
        await etcd.delete().key(key).exec();
      }
    }
  } finally {
    await watcher.cancel();
  }
  return {
    instances: fleet.instances,
    debounceMs: plan.debounceMs,
    member,
    abort: { ...summarizeTimes(aborts), missed: missedAborts },
    vetoed: summarizeTimes(vetoed),
    accepted: summarizeOutcomes(accepted),
    wrongAborts,
  };
}
