import { Etcd3 } from 'etcd3';
import { EtcdCluster, findEtcd } from '../test/support/etcd-cluster.js';
import { loadSampleConfig } from './fixtures.js';
import { measureAbort, type AbortResult } from './variants-abort.js';
import { checkCliBuilt, measureTrial, type TrialResult } from './variants-cli.js';
import type { VariantsClient } from './variants-client.js';
import { measureFanOut, type FanOutResult } from './variants-fanout.js';
import { STATUS_DELAY_MS, VariantsFleet } from './variants-fleet.js';
import {
  FLEET_LABELS,
  measureHotPath,
  seedVariants,
  type HotPathResult,
} from './variants-hot-path.js';
import { VariantsContext, type VariantsPlan } from './variants-plan.js';

export interface VariantsResult {
  fanOut: FanOutResult;
  trial: TrialResult;
  abort: AbortResult;
  hotPath: HotPathResult;
  /** Fleet processes that did not exit by themselves after closing every instance. */
  hungProcesses: number;
  /** Where the section's time went, s: starting the fleets, then each measurement. */
  seconds: Record<'start' | 'hotPath' | 'fanOut' | 'trial' | 'abort', number>;
}

const PLAIN_KEY = '/bench/variants/plain';
const VARIANT_KEY = '/bench/variants/variants';

/**
 * Overlays, trials and canaries on a fleet of 100 module instances (a few processes) against
 * one real etcd member: the watch events a put and a status write cost, a trial from the CLI's
 * start to its verdict, a canary's self-abort, and what the variants add to put -> applied.
 * Each figure has its baseline measured in the same run, taking turns with it.
 */
export async function runVariants(plan: VariantsPlan): Promise<VariantsResult> {
  const found = findEtcd();
  if ('missing' in found) throw new Error(found.missing);
  checkCliBuilt();
  const cluster = await EtcdCluster.start(1);
  const etcd = new Etcd3({ hosts: cluster.hosts });
  const started: VariantsClient[] = [];
  try {
    const context = new VariantsContext(
      plan,
      etcd,
      cluster.members[0]!.clientUrl,
      loadSampleConfig(),
    );
    await etcd.put(PLAIN_KEY).value(context.render(context.next())).exec();
    await seedVariants(context, VARIANT_KEY);
    const common = {
      hosts: cluster.hosts,
      labels: FLEET_LABELS,
      debounceMs: plan.debounceMs,
      statusDelayMs: STATUS_DELAY_MS,
    };
    // The plain fleet has one instance that vetoes the self-abort's bad canaries.
    const memberIndex = Math.min(7, plan.fleet.instances - 1);
    let last = performance.now();
    const lap = () => {
      const now = performance.now();
      const seconds = Number(((now - last) / 1000).toFixed(1));
      last = now;
      return seconds;
    };
    // One fleet after the other: 200 Nest apps booting at once on 2 cores starve etcd's answers.
    const plain = await VariantsFleet.start(
      plan.fleet,
      { ...common, key: PLAIN_KEY, idPrefix: 'plain', vetoIndex: memberIndex },
      started,
    );
    const variants = await VariantsFleet.start(
      plan.fleet,
      { ...common, key: VARIANT_KEY, idPrefix: 'variant' },
      started,
    );
    plain.lastSeq = 1;

    const start = lap();
    const hotPath = await measureHotPath(context, plain, variants, plan.fleet.processes);
    let hungProcesses = await variants.stop();
    const hotPathSeconds = lap();
    // The rest on the plain fleet alone, without the other fleet's idle work.
    const fanOut = await measureFanOut(context, plain);
    const fanOutSeconds = lap();
    const trial = await measureTrial(context, plain, cluster.hosts);
    const trialSeconds = lap();
    const abort = await measureAbort(context, plain, memberIndex);
    hungProcesses += await plain.stop();
    const seconds = {
      start,
      hotPath: hotPathSeconds,
      fanOut: fanOutSeconds,
      trial: trialSeconds,
      abort: lap(),
    };
    return { fanOut, trial, abort, hotPath, hungProcesses, seconds };
  } finally {
    await Promise.all(started.map((client) => client.kill()));
    etcd.close();
    await cluster.stop();
  }
}
