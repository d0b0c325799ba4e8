import type { FleetStart } from './fleet-client.js';
import type { Plan } from './plan.js';
import { median } from './stats.js';

/** CPU per change of one variant, alone on etcd: what each layer of the module costs. */
export interface FleetCpuVariant {
  variant: 'bare' | 'bare + schema + DTO' | 'module, reportStatus: false' | 'module';
  /** The median of the rounds, us. */
  cpuPerChangeUs: number;
  /** Each round's figure, in the order the rounds ran, us. */
  roundsUs: number[];
  /** Changes the figures are divided by, over all rounds. */
  changes: number;
  /** etcd's own CPU per put beyond its idle CPU, median of the rounds (undefined where /proc is not readable), us. */
  etcdCpuPerPutUs: number | undefined;
}

export interface FleetBreakdown {
  instances: number;
  processes: number;
  puts: number;
  rounds: number;
  variants: FleetCpuVariant[];
}

/** What the breakdown needs of the fleet driver (`FleetRun` in fleet.bench.ts), fleets of type F. */
export interface FleetDriver<F> {
  etcdIdleRate(windowMs: number): Promise<number | undefined>;
  startFleet(
    start: Partial<FleetStart> & Pick<FleetStart, 'kind'>,
    instances: number,
    processes: number,
  ): Promise<F>;
  untimedPut(fleet: F, pauseMs: number): Promise<void>;
  cpuRun(
    fleets: F[],
    puts: number,
    debounceMs: number,
    spacing: (fleet: F) => number,
  ): Promise<{
    figures: Array<{ cpuPerChangeUs: number; cpuChanges: number }>;
    etcd?: { micros: number; spanMs: number };
  }>;
  stopFleet(fleet: F): Promise<number>;
}

const VARIANTS: Array<{ variant: FleetCpuVariant['variant']; start: Partial<FleetStart> }> = [
  { variant: 'bare', start: { kind: 'bare' } },
  { variant: 'bare + schema + DTO', start: { kind: 'validated' } },
  { variant: 'module, reportStatus: false', start: { kind: 'module', reportStatus: false } },
  { variant: 'module', start: { kind: 'module' } },
];

/**
 * CPU per change, one layer at a time: the bare watcher, plus the validation the module does,
 * the module without its fleet status record, the module. Each variant has etcd to itself, so
 * that etcd's CPU per put can be read too. The variants take turns, round after round (each round
 * starting one variant later), and each figure is the median of its rounds: on a shared machine
 * the load changes within a minute, and two variants measured a minute apart disagree by more
 * than the layer between them costs.
 */
export async function fleetBreakdown<F>(
  run: FleetDriver<F>,
  plan: Plan['fleet']['breakdown'],
): Promise<FleetBreakdown> {
  const { instances, processes, puts, warmupPuts, spacingMs, etcdIdleMs, rounds } = plan;
  const etcdIdleRate = await run.etcdIdleRate(etcdIdleMs);
  const samples = VARIANTS.map(() => ({ us: [] as number[], etcdUs: [] as number[], changes: 0 }));
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < VARIANTS.length; turn++) {
      const v = (round + turn) % VARIANTS.length;
      const fleet = await run.startFleet(
        { kind: 'bare', ...VARIANTS[v]!.start },
        instances,
        processes,
      );
      try {
        for (let i = 0; i < warmupPuts; i++) await run.untimedPut(fleet, spacingMs);
        const { figures, etcd } = await run.cpuRun([fleet], puts, 0, () => spacingMs);
        samples[v]!.us.push(figures[0]!.cpuPerChangeUs);
        samples[v]!.changes += figures[0]!.cpuChanges;
        if (etcd !== undefined && etcdIdleRate !== undefined) {
          samples[v]!.etcdUs.push((etcd.micros - etcdIdleRate * etcd.spanMs) / puts);
        }
      } finally {
        await run.stopFleet(fleet);
      }
    }
  }
  const variants = VARIANTS.map(({ variant }, v): FleetCpuVariant => {
    const { us, etcdUs, changes } = samples[v]!;
    return {
      variant,
      cpuPerChangeUs: median(us),
      roundsUs: us,
      changes,
      etcdCpuPerPutUs: etcdUs.length === us.length ? median(etcdUs) : undefined,
    };
  });
  return { instances, processes, puts, rounds, variants };
}
