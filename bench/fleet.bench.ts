import { Etcd3 } from 'etcd3';
import { EtcdCluster, findEtcd } from '../test/support/etcd-cluster.js';
import { FleetClient, type FleetKind, type FleetStart } from './fleet-client.js';
import { epochNow, loadSampleConfig, renderConfig, sleep, type SampleConfig } from './fixtures.js';
import type { Plan } from './plan.js';
import { callsServed } from '../test/support/etcd-metrics.js';
import { processCpuMicros } from './process-cpu.js';
import { percentile } from './stats.js';
import { fleetBreakdown, type FleetBreakdown, type FleetDriver } from './fleet-breakdown.js';

export interface FleetSeries {
  kind: FleetKind;
  /** Put sent (driver) to 'config_reloaded' (module) or parsed 'put' event (bare), ms. */
  latency: { n: number; p50: number; p99: number; max: number };
  /** Per put, the time until the last instance had it, ms. */
  lastInstance: { p50: number; max: number };
  /** (instance, put) pairs that did not arrive within the bound, and the instances concerned. */
  missed: number;
  missedInstances: number;
  /**
   * CPU of the fleet's processes while untimed puts ran, per change seen by one instance, us
   * (their idle CPU over that time included: keepalives, leases, timers).
   */
  cpuPerChangeUs: number;
  /** Changes the CPU figure is divided by (puts x instances, unless some were missed). */
  cpuChanges: number;
  /** Instances whose config in force (or last value) was the last one put, at the end. */
  upToDate: number;
}

export interface FleetPhase {
  instances: number;
  processes: number;
  debounceMs: number;
  puts: number;
  module: FleetSeries;
  bare: FleetSeries;
  /** Bare watchers that validate each value as the module does (schema + DTO, in full). */
  validated: FleetSeries;
  /** How long the module fleet took to start (its processes in parallel), ms. */
  moduleStartMs: number;
  /** The largest clock offset measured between the driver and a fleet process, ms (applied). */
  maxClockOffsetMs: number;
}

/** One restart of etcd under a module fleet. */
export interface FleetRecoveryRound {
  /** Kill -> every instance's health 'degraded', ms. */
  allDegradedMs: number;
  /** The restarted member answers /health -> every instance's health 'up' again, ms. */
  allBackMs: number;
  /** What the restarted member served until then, per gRPC method (Range: reads of the key). */
  served: Record<string, number>;
  /** The first put after: every instance's latency, ms, and how many missed it. */
  putAfter: { p50: number; p99: number; missed: number };
}

export interface FleetRecovery {
  instances: number;
  processes: number;
  outageMs: number;
  rounds: FleetRecoveryRound[];
}

export interface FleetResult {
  etcdMembers: number;
  phases: FleetPhase[];
  breakdown: FleetBreakdown;
  recovery: FleetRecovery;
  /** Fleet processes that did not exit by themselves after closing every instance. */
  hungProcesses: number;
}

type FleetPlan = Plan['fleet'];

/** One fleet: its processes, the clock offset of each (its clock minus ours, ms), its key. */
interface Fleet {
  kind: FleetKind;
  key: string;
  instances: number;
  clients: FleetClient[];
  offsets: number[];
  /** The last sequence number put to its key. */
  lastSeq: number;
}

/** What one put to one fleet gave: per instance, latency in ms or null (missed). */
type PutOutcome = Array<number | null>;

type CpuFigures = Pick<FleetSeries, 'cpuPerChangeUs' | 'cpuChanges'>;

/** A pause after the last put, for what it leaves behind (settle checks, status writes). */
const SETTLE_MS = 200;
/**
 * etcdSource's `statusDelayMs`: each instance writes its status record 0.5x to 1.5x of it after
 * a change. The driver waits that out before the next put, so that no fleet's put is timed
 * while the other fleet is still writing status records.
 */
const STATUS_DELAY_MS = 100;

/** How long a fleet may take to notice an outage, or to come back after it. */
const RECOVERY_BOUND_MS = 30_000;

const KEYS: Record<FleetKind, string> = {
  module: '/bench/fleet/module',
  bare: '/bench/fleet/bare',
  validated: '/bench/fleet/validated',
};

/**
 * put -> 'config_reloaded' in every instance of a fleet: 1, 10 and 100 Nest apps with
 * ConfigReloaderModule over etcdSource(), spread over a few processes, each with an etcd client
 * of its own (and, for the status records, the one the library shares per process), against two
 * same-size fleets of bare etcd3 watchers, laid out the same way, on the
 * same etcd (one member, loopback): one only parses the value (the baseline), the other
 * also validates it as the module does. The fleets watch keys of their own and take turns, put
 * for put, so that all see the same machine and none competes with another's work. Times: the put's send time here, the arrival in each instance's process.
 * Then the CPU of one change, layer by layer, each variant alone on etcd.
 */
export async function runFleet(plan: FleetPlan): Promise<FleetResult> {
  return withFleetRun(plan, async (run, cluster) => {
    const phases: FleetPhase[] = [];
    for (const { instances, processes } of plan.layouts) {
      phases.push(...(await run.layout(instances, processes)));
    }
    const breakdown = await fleetBreakdown(run, plan.breakdown);
    const recovery = await run.recovery(); // last: it restarts the member
    return {
      etcdMembers: cluster.members.length,
      phases,
      breakdown,
      recovery,
      hungProcesses: run.hungProcesses,
    };
  });
}

/** The layer-by-layer CPU part alone (`--only=fleetCpu`): a minute or two instead of six. */
export async function runFleetCpu(plan: FleetPlan): Promise<FleetBreakdown> {
  return withFleetRun(plan, (run) => fleetBreakdown(run, plan.breakdown));
}

/** A one-member etcd with the fleets' keys, a driver on it, and both gone after `work`. */
async function withFleetRun<T>(
  plan: FleetPlan,
  work: (run: FleetRun, cluster: EtcdCluster) => Promise<T>,
): Promise<T> {
  const found = findEtcd();
  if ('missing' in found) throw new Error(found.missing);
  const cluster = await EtcdCluster.start(1);
  const run = new FleetRun(new Etcd3({ hosts: cluster.hosts }), cluster, plan);
  try {
    await run.seedKeys();
    return await work(run, cluster);
  } finally {
    await run.close();
    await cluster.stop();
  }
}

/** The driver's side: the put client, the processes started, the sequence numbers. */
class FleetRun implements FleetDriver<Fleet> {
  hungProcesses = 0;
  private seq = 0;
  private readonly started: FleetClient[] = [];
  private readonly sample: SampleConfig = loadSampleConfig();

  constructor(
    private readonly etcd: Etcd3,
    private readonly cluster: EtcdCluster,
    private readonly plan: FleetPlan,
  ) {}

  /** Module instances read the key when they start: it must exist. */
  async seedKeys(): Promise<void> {
    const text = renderConfig(this.sample, ++this.seq);
    for (const key of Object.values(KEYS)) await this.etcd.put(key).value(text).exec();
  }

  /**
   * Every debounce setting for one fleet size; the two bare fleets (parse only, and parse +
   * validate) are measured next to each.
   */
  async layout(instances: number, processes: number): Promise<FleetPhase[]> {
    const bare = await this.startFleet({ kind: 'bare' }, instances, processes);
    const validated = await this.startFleet({ kind: 'validated' }, instances, processes);
    const phases: FleetPhase[] = [];
    for (const debounceMs of this.plan.debounces) {
      const started = performance.now();
      const module = await this.startFleet({ kind: 'module', debounceMs }, instances, processes);
      const moduleStartMs = performance.now() - started;
      const measured = await this.measure(module, bare, validated, debounceMs);
      measured.module.upToDate = await this.stopFleet(module);
      const offsets = [module, bare, validated].flatMap((fleet) => fleet.offsets);
      phases.push({
        instances,
        processes,
        moduleStartMs,
        maxClockOffsetMs: Math.max(...offsets.map(Math.abs)),
        ...measured,
      });
    }
    const bareUpToDate = await this.stopFleet(bare);
    const validatedUpToDate = await this.stopFleet(validated);
    for (const phase of phases) {
      phase.bare.upToDate = bareUpToDate;
      phase.validated.upToDate = validatedUpToDate;
    }
    return phases;
  }

  /**
   * etcd killed and restarted (same data directory) under a fleet of module instances: how long
   * until every instance is back, what the member served meanwhile (the watches resume from the
   * revision they saw, so no instance needs to read the key), and whether the next put reaches
   * them all.
   */
  async recovery(): Promise<FleetRecovery> {
    const { instances, processes, rounds, outageMs } = this.plan.recovery;
    const fleet = await this.startFleet({ kind: 'module' }, instances, processes);
    const member = this.cluster.members[0]!;
    const healthy = async () =>
      (await Promise.all(fleet.clients.map((client) => client.healthy()))).reduce((a, b) => a + b);
    const until = async (done: (up: number) => boolean, what: string) => {
      const deadline = performance.now() + RECOVERY_BOUND_MS;
      while (!done(await healthy())) {
        if (performance.now() > deadline) throw new Error(`fleet recovery: ${what} took too long`);
        await sleep(20);
      }
    };
    const measured: FleetRecoveryRound[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        await Promise.all(fleet.clients.map((client) => client.quiet()));
        await sleep(STATUS_DELAY_MS * 1.5);
        const killedAt = performance.now();
        await member.kill();
        await until((up) => up === 0, 'noticing the outage');
        const allDegradedMs = performance.now() - killedAt;
        await sleep(outageMs);
        member.start();
        await member.ready();
        const readyAt = performance.now();
        await until((up) => up === instances, 'coming back');
        const allBackMs = performance.now() - readyAt;
        const served = await callsServed(member.clientUrl);
        await this.reachable();
        const latencies = await this.timedPut(fleet, this.plan.boundMs);
        const arrived = latencies
          .filter((value): value is number => value !== null)
          .sort((a, b) => a - b);
        measured.push({
          allDegradedMs,
          allBackMs,
          served,
          putAfter: {
            p50: percentile(arrived, 0.5),
            p99: percentile(arrived, 0.99),
            missed: latencies.length - arrived.length,
          },
        });
      }
    } finally {
      await this.stopFleet(fleet);
    }
    return { instances, processes, outageMs, rounds: measured };
  }

  async close(): Promise<void> {
    await Promise.all(this.started.map((client) => client.kill()));
    this.etcd.close();
  }

  /** The driver's own client reconnects on its own schedule: wait until it gets through. */
  private async reachable(): Promise<void> {
    const deadline = performance.now() + RECOVERY_BOUND_MS;
    for (;;) {
      try {
        await this.etcd.get(KEYS.module).exec();
        return;
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }

  /**
   * etcd's CPU per ms while nobody writes (raft ticks); it comes in 10 ms clock ticks, so only a
   * long window tells it. Undefined where /proc cannot be read.
   */
  async etcdIdleRate(windowMs: number): Promise<number | undefined> {
    const pid = this.cluster.members[0]?.pid;
    const from = { at: performance.now(), cpu: processCpuMicros(pid) };
    await sleep(windowMs);
    const to = processCpuMicros(pid);
    if (from.cpu === undefined || to === undefined) return undefined;
    return (to - from.cpu) / (performance.now() - from.at);
  }

  /** Starts `instances` spread evenly over `processes` processes, in parallel. */
  async startFleet(
    start: Partial<FleetStart> & Pick<FleetStart, 'kind'>,
    instances: number,
    processes: number,
  ): Promise<Fleet> {
    const { kind } = start;
    const firstIndex = (p: number) => Math.floor((p * instances) / processes);
    const outcomes = await Promise.allSettled(
      Array.from({ length: processes }, (_, p) =>
        FleetClient.start({
          debounceMs: 0,
          statusDelayMs: STATUS_DELAY_MS,
          ...start,
          count: firstIndex(p + 1) - firstIndex(p),
          firstIndex: firstIndex(p),
          hosts: this.cluster.hosts,
          key: KEYS[kind],
        }),
      ),
    );
    const clients: FleetClient[] = [];
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') clients.push(outcome.value.client);
    }
    this.started.push(...clients);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const offsets: number[] = [];
    for (const client of clients) offsets.push(await client.clockOffset());
    return { kind, key: KEYS[kind], instances, clients, offsets, lastSeq: this.seq };
  }

  /** Closes every instance; resolves with how many were up to date. */
  async stopFleet(fleet: Fleet): Promise<number> {
    let upToDate = 0;
    for (const client of fleet.clients) {
      const stopped = await client.stop(fleet.lastSeq);
      upToDate += stopped.upToDate;
      if (stopped.killed) this.hungProcesses++;
    }
    return upToDate;
  }

  /**
   * Warm-up puts, timed puts (each instance told which one to expect before it goes out), then
   * the CPU run: the same puts without any message to the fleet processes, so that the CPU read
   * from them is the fleets' alone.
   */
  private async measure(module: Fleet, bare: Fleet, validated: Fleet, debounceMs: number) {
    const { plan } = this;
    const fleets = [module, bare, validated];
    const bound = {
      module: debounceMs + plan.boundMs,
      bare: plan.boundMs,
      validated: plan.boundMs,
    };
    // Before the next put, every fleet is done with the last one (status writes included:
    // they start up to 1.5x STATUS_DELAY_MS after the change, while the processes look idle).
    const quiet = () =>
      Promise.all(fleets.flatMap((fleet) => fleet.clients).map((client) => client.quiet()));
    const settle = async () => {
      await quiet();
      await sleep(STATUS_DELAY_MS * 1.5);
      await quiet();
      await sleep(plan.gapMs);
    };
    for (let i = 0; i < plan.warmupPuts; i++) {
      for (const fleet of fleets) {
        await this.timedPut(fleet, bound[fleet.kind]);
        await settle();
      }
    }
    const outcomes: Record<FleetKind, PutOutcome[]> = { module: [], bare: [], validated: [] };
    const puts = plan.puts(module.instances);
    for (let i = 0; i < puts; i++) {
      // Rotate which fleet goes first: none always follows another's leftovers.
      for (const fleet of rotated(fleets, i)) {
        outcomes[fleet.kind].push(await this.timedPut(fleet, bound[fleet.kind]));
        await settle();
      }
    }
    const timed = {
      module: summarize(outcomes.module),
      bare: summarize(outcomes.bare),
      validated: summarize(outcomes.validated),
    };
    // Each put of the CPU run waits as long as the slowest instance took above, and a gap.
    const spacing = (fleet: Fleet) =>
      Math.min(timed[fleet.kind].lastInstance.max, bound[fleet.kind]) + plan.gapMs;
    const { figures } = await this.cpuRun(fleets, puts, debounceMs, spacing);
    const [moduleCpu, bareCpu, validatedCpu] = figures;
    return {
      debounceMs,
      puts,
      module: { kind: 'module' as const, ...timed.module, ...moduleCpu, upToDate: 0 },
      bare: { kind: 'bare' as const, ...timed.bare, ...bareCpu, upToDate: 0 },
      validated: { kind: 'validated' as const, ...timed.validated, ...validatedCpu, upToDate: 0 },
    };
  }

  /** One put to the fleet's key; resolves once every instance has it or its bound ran out. */
  private async timedPut(fleet: Fleet, boundMs: number): Promise<PutOutcome> {
    const seq = ++this.seq;
    fleet.lastSeq = seq;
    const text = renderConfig(this.sample, seq);
    const armed = await Promise.all(fleet.clients.map((client) => client.arm(seq, boundMs)));
    const sentAt = epochNow();
    const written = this.etcd.put(fleet.key).value(text).exec();
    const perProcess = await Promise.all(armed.map(({ arrived }) => arrived));
    await written;
    return perProcess.flatMap((times, p) =>
      times.map((at) => (at === null ? null : at - fleet.offsets[p] - sentAt)),
    );
  }

  /** A put nobody is told about, then a pause long enough for the fleet to take it. */
  async untimedPut(fleet: Fleet, pauseMs: number): Promise<void> {
    fleet.lastSeq = ++this.seq;
    await this.etcd.put(fleet.key).value(renderConfig(this.sample, this.seq)).exec();
    await sleep(pauseMs);
  }

  /**
   * CPU per change: each fleet's CPU over `puts` untimed puts, divided by the changes its
   * instances saw; and etcd's CPU over the same window. Idle CPU is not subtracted: measured
   * apart, it is small against a change, and a process that just went quiet is not idle yet
   * (V8 collects garbage then), which made the difference noisier than the figure itself.
   */
  async cpuRun(
    fleets: Fleet[],
    puts: number,
    debounceMs: number,
    spacing: (fleet: Fleet) => number,
  ): Promise<{ figures: CpuFigures[]; etcd?: { micros: number; spanMs: number } }> {
    const read = async () => ({
      at: performance.now(),
      etcd: processCpuMicros(this.cluster.members[0]?.pid),
      byFleet: await Promise.all(fleets.map(fleetCpu)),
    });
    // Leftovers of the last put (settle checks, status writes) are over first.
    const settleMs = Math.max(debounceMs, 50) + SETTLE_MS;
    await sleep(settleMs);
    const from = await read();
    for (let i = 0; i < puts; i++) {
      for (const fleet of rotated(fleets, i)) {
        await this.untimedPut(fleet, spacing(fleet));
      }
    }
    await sleep(settleMs);
    const to = await read();
    const figures = fleets.map((_, f): CpuFigures => {
      const changes = to.byFleet[f].changes - from.byFleet[f].changes;
      const cpu = to.byFleet[f].cpu - from.byFleet[f].cpu;
      return { cpuPerChangeUs: cpu / Math.max(1, changes), cpuChanges: changes };
    });
    const etcd =
      from.etcd === undefined || to.etcd === undefined
        ? undefined
        : { micros: to.etcd - from.etcd, spanMs: to.at - from.at };
    return { figures, etcd };
  }
}

/** `items` starting at item `turn` (modulo their count), then the ones before it. */
function rotated<T>(items: T[], turn: number): T[] {
  const first = turn % items.length;
  return [...items.slice(first), ...items.slice(0, first)];
}

/** CPU used so far by a fleet's processes (us), and the changes its instances have seen. */
async function fleetCpu(fleet: Fleet): Promise<{ cpu: number; changes: number }> {
  const each = await Promise.all(fleet.clients.map((client) => client.cpu()));
  return {
    cpu: each.reduce((total, { cpuMicros }) => total + cpuMicros, 0),
    changes: each.reduce((total, { changes }) => total + changes, 0),
  };
}

/** Latency over every instance and put; per put, the slowest instance; who missed what. */
function summarize(
  outcomes: PutOutcome[],
): Omit<FleetSeries, 'kind' | 'upToDate' | keyof CpuFigures> {
  const arrived = outcomes.flat().filter((t): t is number => t !== null);
  arrived.sort((a, b) => a - b);
  const last = outcomes
    .map((times) => Math.max(...times.map((t) => t ?? Number.POSITIVE_INFINITY)))
    .sort((a, b) => a - b);
  const missedInstances = new Set<number>();
  for (const times of outcomes) times.forEach((t, i) => t === null && missedInstances.add(i));
  return {
    latency: {
      n: arrived.length,
      p50: percentile(arrived, 0.5),
      p99: percentile(arrived, 0.99),
      max: arrived[arrived.length - 1] ?? Number.NaN,
    },
    lastInstance: { p50: percentile(last, 0.5), max: last[last.length - 1] ?? Number.NaN },
    missed: outcomes.flat().length - arrived.length,
    missedInstances: missedInstances.size,
  };
}
