import { canaryKey, canaryRecordText } from '../lib/sources/etcd/fleet/canary-record.js';
import { overlaysPrefix } from '../lib/sources/etcd/fleet/overlay-record.js';
import { median } from './stats.js';
import type { VariantsContext } from './variants-plan.js';
import {
  summarizeOutcomes,
  type LatencySummary,
  type PutOutcome,
  type VariantsFleet,
} from './variants-fleet.js';

/** Every instance of both fleets carries these; the variants select on them. */
export const FLEET_LABELS = { symbol: 'BTC', ring: 'canary' };

/** Two overlays that both match every instance: one by label, one by percentage. */
const OVERLAYS = {
  btc: { match: { labels: { symbol: 'BTC' } }, patch: { execution: { maxRetries: 5 } } },
  everyone: { match: { percent: 100, seed: 'bench' }, patch: { botName: 'trend-follower-ab' } },
};
const CANARY_ID = 'hot-path';

export interface HotPathResult {
  instances: number;
  processes: number;
  debounceMs: number;
  rounds: number;
  /** Put to the canary's candidate -> 'config_reloaded', with two overlays merged over it. */
  variants: LatencySummary;
  /** Put to the base -> 'config_reloaded', on a fleet without overlays or canary. */
  none: LatencySummary;
  /** Median over rounds of (that round's variants p99 / its no-variants p99): one burst decides less. */
  roundRatio: number;
}

/** Writes the variant fleet's base, its two overlays and its canary, before that fleet starts. */
export async function seedVariants(context: VariantsContext, key: string): Promise<void> {
  const { etcd } = context;
  await etcd.put(key).value(context.render(context.next())).exec();
  for (const [name, record] of Object.entries(OVERLAYS)) {
    await etcd
      .put(`${overlaysPrefix(key)}${name}`)
      .value(JSON.stringify(record))
      .exec();
  }
  await etcd
    .put(canaryKey(key))
    .value(await canaryText(context, key, context.next()))
    .exec();
}

/** The canary every instance of the variant fleet is a member of, running `seq`'s document. */
async function canaryText(context: VariantsContext, key: string, seq: number): Promise<string> {
  const base = (await context.etcd.get(key).exec()).kvs[0]!;
  return canaryRecordText({
    id: CANARY_ID,
    candidate: context.render(seq),
    baseRevision: base.mod_revision,
    match: { labels: { ring: 'canary' } },
    abortOnReject: true,
    createdAt: new Date().toISOString(),
  });
}

/**
 * What variants cost on the hot path: put -> 'config_reloaded' in every instance of a fleet
 * whose instances are all members of an active canary and all matched by two overlays (the
 * change is a new candidate in K/canary: what reaches a member), against the same fleet
 * without variants (the change is a put to K). The two fleets take turns put for put, which
 * goes first alternating, so drift on the shared machine hits both alike.
 */
export async function measureHotPath(
  context: VariantsContext,
  none: VariantsFleet,
  variants: VariantsFleet,
  processes: number,
): Promise<HotPathResult> {
  const { plan, etcd } = context;
  const bound = plan.boundMs + plan.debounceMs;
  const putTo = async (fleet: VariantsFleet): Promise<PutOutcome> => {
    const seq = context.next();
    if (fleet === none) {
      fleet.lastSeq = seq;
      return fleet.timed(seq, bound, () => etcd.put(fleet.key).value(context.render(seq)).exec());
    }
    const text = await canaryText(context, fleet.key, seq);
    return fleet.timed(seq, bound, () => etcd.put(canaryKey(fleet.key)).value(text).exec());
  };
  const outcomes = new Map<VariantsFleet, PutOutcome[]>([
    [none, []],
    [variants, []],
  ]);
  for (let round = -plan.warmupPuts; round < plan.hotPathRounds; round++) {
    const order = round % 2 === 0 ? [none, variants] : [variants, none];
    for (const fleet of order) {
      await Promise.all([none.quiet(), variants.quiet()]);
      const outcome = await putTo(fleet);
      if (round >= 0) outcomes.get(fleet)!.push(outcome);
    }
  }
  const p99 = (outcome: PutOutcome) => summarizeOutcomes([outcome]).p99;
  const mine = outcomes.get(variants)!;
  const theirs = outcomes.get(none)!;
  return {
    instances: none.instances,
    processes,
    debounceMs: plan.debounceMs,
    rounds: plan.hotPathRounds,
    variants: summarizeOutcomes(mine),
    none: summarizeOutcomes(theirs),
    roundRatio: median(mine.map((outcome, round) => p99(outcome) / p99(theirs[round]!))),
  };
}
