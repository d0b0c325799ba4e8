import { instanceStatusKey } from '../lib/sources/etcd/index.js';
import { watchEventsSent } from '../test/support/etcd-metrics.js';
import { sleep } from './fixtures.js';
import type { VariantsContext } from './variants-plan.js';
import type { VariantsFleet } from './variants-fleet.js';

/** Watch events etcd sent, and writes it took, over one window. */
export interface EventWindow {
  events: number;
  /** Store revisions the window moved by: every write in it, ours and the fleet's. */
  writes: number;
}

export interface FanOutResult {
  instances: number;
  /** Per put to the base: the put, then every instance's status record after it. */
  basePuts: EventWindow[];
  /** Arrivals of those puts that missed their bound (they would lower the event count). */
  missed: number;
  /** Per rewrite of one instance's status record, by itself. */
  statusWrites: EventWindow[];
}

/** How long a status write's events (if any) would take to be counted: etcd sends at once. */
const STATUS_WINDOW_MS = 300;

/**
 * What a put costs the fleet in watch events, read from etcd's own counter
 * (`etcd_debugging_mvcc_events_total`, one per event per watcher it went to): a put to the
 * base should reach each instance once, and a status record nobody else's watch covers.
 * Each window opens on a quiet fleet and closes once the fleet is quiet again, and the store
 * revision is read at both ends, so the count belongs to the writes the window names and no
 * other.
 */
export async function measureFanOut(
  context: VariantsContext,
  fleet: VariantsFleet,
): Promise<FanOutResult> {
  const { plan, etcd } = context;
  const window = async (run: () => Promise<void>): Promise<EventWindow> => {
    await fleet.quiet();
    const from = { events: await watchEventsSent(context.metricsUrl), rev: await revision() };
    await run();
    await fleet.quiet();
    const events = (await watchEventsSent(context.metricsUrl)) - from.events;
    return { events, writes: Number((await revision()) - from.rev) };
  };
  const revision = () => context.revision(fleet.key);

  let missed = 0;
  const basePuts: EventWindow[] = [];
  for (let i = 0; i < plan.fanOutPuts; i++) {
    basePuts.push(
      await window(async () => {
        const seq = context.next();
        fleet.lastSeq = seq;
        const put = () => etcd.put(fleet.key).value(context.render(seq)).exec();
        const outcome = await fleet.timed(seq, plan.boundMs + plan.debounceMs, put);
        missed += outcome.filter((t) => t === null).length;
      }),
    );
  }

  // One instance's record, rewritten as its own writer would (its text with a new updatedAt,
  // on its own lease): no other instance watches it, so no event should go anywhere.
  const statusWrites: EventWindow[] = [];
  for (let i = 0; i < plan.statusWrites; i++) {
    const key = instanceStatusKey(fleet.key, fleet.instanceId(i % fleet.instances));
    const kv = (await etcd.get(key).exec()).kvs[0];
    if (!kv) throw new Error(`no status record at ${key}`);
    const record = JSON.parse(kv.value.toString('utf8')) as Record<string, unknown>;
    statusWrites.push(
      await window(async () => {
        const text = JSON.stringify({ ...record, updatedAt: new Date().toISOString() });
        await etcd.put(key).value(text).lease(kv.lease).exec();
        await sleep(STATUS_WINDOW_MS);
      }),
    );
  }
  return { instances: fleet.instances, basePuts, missed, statusWrites };
}
