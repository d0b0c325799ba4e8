import { epochNow, sleep } from './fixtures.js';
import { percentile } from './stats.js';
import { VariantsClient, type VariantsStart } from './variants-client.js';

export interface FleetLayout {
  instances: number;
  processes: number;
}

/** Latency over every (instance, put) pair that arrived, ms, and the pairs that did not. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  missed: number;
}

/** One fleet's put: per armed instance, put -> 'config_reloaded' in ms, or null (missed). */
export type PutOutcome = Array<number | null>;

/**
 * etcdSource's `statusDelayMs` in every fleet of the section: an instance writes its status
 * record 0.5x to 1.5x of it after a decision, so a quiet fleet is waited on for 1.5x of it.
 */
export const STATUS_DELAY_MS = 100;

/** A fleet of module instances on one key, spread evenly over a few processes. */
export class VariantsFleet {
  /** The marker (sequence number) of the last base document put. */
  lastSeq = 0;
  private constructor(
    readonly key: string,
    readonly idPrefix: string,
    readonly instances: number,
    private readonly clients: VariantsClient[],
    private readonly firstIndexes: number[],
  ) {}

  /** Starts every process in parallel; each is added to `started` before it can fail. */
  static async start(
    { instances, processes }: FleetLayout,
    start: Omit<VariantsStart, 'count' | 'firstIndex'>,
    started: VariantsClient[],
  ): Promise<VariantsFleet> {
    const firstIndex = (p: number) => Math.floor((p * instances) / processes);
    const forks = Array.from({ length: processes }, (_, p) =>
      VariantsClient.fork({
        ...start,
        count: firstIndex(p + 1) - firstIndex(p),
        firstIndex: firstIndex(p),
      }),
    );
    started.push(...forks.map(({ client }) => client));
    await Promise.all(forks.map(({ started: ready }) => ready));
    const clients = forks.map(({ client }) => client);
    const firsts = Array.from({ length: processes }, (_, p) => firstIndex(p));
    return new VariantsFleet(start.key, start.idPrefix, instances, clients, firsts);
  }

  instanceId(index: number): string {
    return `${this.idPrefix}-${index}`;
  }

  /**
   * Waits until what the last change left behind is over: every process idle, then the status
   * records' delay, then idle again, so the next figure starts on a fleet with nothing to do.
   */
  async quiet(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.quiet()));
    await sleep(STATUS_DELAY_MS * 1.5);
    await Promise.all(this.clients.map((client) => client.quiet()));
  }

  /**
   * Arms every instance (or only the one with index `only`) for `seq`, then calls `write`:
   * resolves with each armed instance's latency from the write's start, ms (null: not within
   * `boundMs`), on our clock.
   */
  async timed(
    seq: number,
    boundMs: number,
    write: () => Promise<unknown>,
    only?: number,
  ): Promise<PutOutcome> {
    const owners = this.clients.filter((_, p) => only === undefined || this.owns(p, only));
    const armed = await Promise.all(owners.map((client) => client.arm(seq, boundMs, only)));
    const sentAt = epochNow();
    const written = write();
    const perProcess = await Promise.all(armed.map(({ arrived }) => arrived));
    await written;
    return perProcess.flatMap((times, p) =>
      times.map((at) => (at === null ? null : at - owners[p]!.offset - sentAt)),
    );
  }

  /** When the vetoing instance vetoed since the last ask, on our clock (epoch ms). */
  async vetoes(): Promise<number[]> {
    return (await Promise.all(this.clients.map((client) => client.vetoes()))).flat();
  }

  /** Closes every instance; resolves with the processes that had to be killed. */
  async stop(): Promise<number> {
    const exited = await Promise.all(this.clients.map((client) => client.stop()));
    return exited.filter((ok) => !ok).length;
  }

  private owns(process: number, index: number): boolean {
    const next = this.firstIndexes[process + 1] ?? this.instances;
    return index >= this.firstIndexes[process]! && index < next;
  }
}

/** p50, p99 and max over every pair that arrived; the rest counted as missed. */
export function summarizeOutcomes(outcomes: readonly PutOutcome[]): LatencySummary {
  const all = outcomes.flat();
  const arrived = all.filter((t): t is number => t !== null).sort((a, b) => a - b);
  return {
    n: arrived.length,
    p50: percentile(arrived, 0.5),
    p99: percentile(arrived, 0.99),
    max: arrived[arrived.length - 1] ?? Number.NaN,
    missed: all.length - arrived.length,
  };
}

/** p50, p99 and max of plain samples (ms). */
export function summarizeTimes(samples: readonly number[]): Omit<LatencySummary, 'missed'> {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
