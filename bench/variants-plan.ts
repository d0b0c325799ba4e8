import type { Etcd3 } from 'etcd3';
import { renderConfig, type SampleConfig } from './fixtures.js';
import type { FleetLayout } from './variants-fleet.js';

/** How much of the variants section to run: the full run, or `--quick` (fewer rounds). */
export interface VariantsPlan {
  quick: boolean;
  /** Every fleet of the section: 100 module instances over a few processes (2 cores). */
  fleet: FleetLayout;
  /** The fleets' debounceMs (the self-abort target is 250 ms + this). */
  debounceMs: number;
  /** Puts to the base whose watch events are counted. */
  fanOutPuts: number;
  /** Status records rewritten, one at a time, whose watch events are counted. */
  statusWrites: number;
  /** CLI runs of the trial, and as many of `status` (the baseline), taking turns. */
  trialRounds: number;
  /** Bad canaries aborted by their member, and as many good ones applied (the baseline). */
  abortRounds: number;
  /** Timed puts per fleet, with variants and without, taking turns. */
  hotPathRounds: number;
  /** Untimed puts per fleet before the timed ones (JIT, first-change costs). */
  warmupPuts: number;
  /** An instance that has not seen a put this long after it missed it, ms. */
  boundMs: number;
}

export function variantsPlan(quick: boolean): VariantsPlan {
  return {
    quick,
    fleet: { instances: 100, processes: 4 },
    debounceMs: 100,
    fanOutPuts: quick ? 2 : 5,
    statusWrites: quick ? 2 : 5,
    trialRounds: quick ? 5 : 20,
    abortRounds: quick ? 5 : 20,
    hotPathRounds: quick ? 5 : 20,
    warmupPuts: quick ? 1 : 2,
    boundMs: 5000,
  };
}

/** What every measurement of the section shares: the driver's client, etcd's metrics, markers. */
export class VariantsContext {
  private seq = 0;

  constructor(
    readonly plan: VariantsPlan,
    readonly etcd: Etcd3,
    /** The member's client URL, whose /metrics counts the watch events it sent. */
    readonly metricsUrl: string,
    private readonly sample: SampleConfig,
  ) {}

  /** A fresh sequence number: each document put differs, so every instance has a change. */
  next(): number {
    return ++this.seq;
  }

  /** The sample config carrying `seq` in its marker field. */
  render(seq: number): string {
    return renderConfig(this.sample, seq);
  }

  /** etcd's store revision now: how many writes a window saw. */
  async revision(key: string): Promise<bigint> {
    return BigInt((await this.etcd.get(key).exec()).header.revision);
  }
}
