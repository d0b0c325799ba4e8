import type { FleetBreakdown } from './fleet-breakdown.js';
import type { FleetPhase, FleetResult } from './fleet.bench.js';
import type { Figure } from './figure.js';

// NaN (nothing arrived) comes back from the section process as null.
const known = (value: number | null): value is number => value !== null && Number.isFinite(value);
const ms = (value: number) =>
  !known(value)
    ? 'n/a'
    : value >= 100
      ? value.toFixed(0)
      : value >= 10
        ? value.toFixed(1)
        : value.toFixed(2);
const us = (value: number) =>
  !known(value) ? 'n/a' : value >= 100 ? value.toFixed(0) : value.toFixed(1);

const plural = (count: number, word: string, suffix = 's') =>
  `${count} ${word}${count === 1 ? '' : suffix}`;
const layoutOf = ({ instances, processes }: { instances: number; processes: number }) =>
  `${plural(instances, 'instance')} in ${plural(processes, 'process', 'es')}`;

/** The issue's target: p99 <= 1.5x the bare fleet's p99 + debounceMs, and nobody missed a put. */
export function fleetTarget(phase: FleetPhase): { limitMs: number; met: boolean } {
  const limitMs = 1.5 * phase.bare.latency.p99 + phase.debounceMs;
  const { module, instances } = phase;
  const met = module.latency.p99 <= limitMs && module.missed === 0 && module.upToDate === instances;
  return { limitMs, met };
}

/** Rows of the fleet benchmark: per fleet size and debounce, the module, the bare fleet, CPU. */
export function fleetFigures(fleet: FleetResult): Figure[] {
  const figures: Figure[] = [];
  for (const phase of fleet.phases) {
    const { module, bare, instances, processes, debounceMs } = phase;
    const { limitMs, met } = fleetTarget(phase);
    const layout = layoutOf({ instances, processes });
    const missed = (series: FleetPhase['module']) =>
      `missed ${series.missed}` +
      (series.upToDate < instances ? `, ${instances - series.upToDate} not up to date` : '');
    const beyond = (module.latency.p99 - debounceMs) / bare.latency.p99;
    figures.push({
      area: 'Fleet',
      figure: `${layout}, debounceMs ${debounceMs}: put -> 'config_reloaded' in every instance`,
      value:
        `p50 ${ms(module.latency.p50)} ms, p99 ${ms(module.latency.p99)} ms; ` +
        `(p99 - debounceMs) / bare p99 = ${beyond.toFixed(2)}x (n=${module.latency.n}, ${missed(module)})`,
      target: `p99 <= 1.5x bare p99 + ${debounceMs} ms = ${ms(limitMs)} ms, none missed`,
      result: met ? 'PASS' : 'MISS',
    });
    figures.push({
      area: 'Fleet',
      figure: `bare etcd3 watchers + JSON.parse, same layout, same run`,
      value:
        `p50 ${ms(bare.latency.p50)} ms, p99 ${ms(bare.latency.p99)} ms ` +
        `(n=${bare.latency.n}, ${missed(bare)})`,
      target: 'reference',
      result: 'ref',
    });
    const { validated } = phase;
    const beyondValidated = (module.latency.p99 - debounceMs) / validated.latency.p99;
    figures.push({
      area: 'Fleet',
      figure: `bare etcd3 watchers + JSON.parse + schema + DTO in full, same layout, same run`,
      value:
        `p50 ${ms(validated.latency.p50)} ms, p99 ${ms(validated.latency.p99)} ms ` +
        `(n=${validated.latency.n}, ${missed(validated)}); module (p99 - debounceMs) / this p99 = ` +
        `${beyondValidated.toFixed(2)}x`,
      target: 'reference',
      result: 'ref',
    });
    figures.push({
      area: 'Fleet',
      figure: `CPU per applied change per instance (${layout}, debounceMs ${debounceMs})`,
      value:
        `module ${us(module.cpuPerChangeUs)} us, bare ${us(bare.cpuPerChangeUs)} us ` +
        `(${(module.cpuPerChangeUs / bare.cpuPerChangeUs).toFixed(1)}x), ` +
        `validated ${us(validated.cpuPerChangeUs)} us`,
      target: 'reference',
      result: 'ref',
    });
  }
  figures.push(...fleetCpuFigures(fleet.breakdown));
  const { recovery } = fleet;
  const rounds = recovery.rounds;
  const each = <T>(pick: (round: (typeof rounds)[number]) => T) => rounds.map(pick).join('; ');
  const served = (round: (typeof rounds)[number], method: string) => round.served[method] ?? 0;
  figures.push({
    area: 'Fleet',
    figure:
      `etcd killed for ${recovery.outageMs / 1000} s and restarted under ` +
      `${layoutOf(recovery)} (module): member answering -> every instance 'up' again`,
    value:
      `${each((round) => `${ms(round.allBackMs)} ms`)} ` +
      `(kill -> all 'degraded': ${each((round) => `${ms(round.allDegradedMs)} ms`)})`,
    target: 'reference',
    result: 'ref',
  });
  figures.push({
    area: 'Fleet',
    figure:
      'what the restarted member served until then: reads of the key (Range), watch streams, lease keepalive streams',
    value: each(
      (round) =>
        `${served(round, 'Range')} reads, ${served(round, 'Watch')} watches, ` +
        `${served(round, 'LeaseKeepAlive')} keepalives`,
    ),
    target: 'reference',
    result: 'ref',
  });
  const allReached = rounds.every((round) => round.putAfter.missed === 0);
  figures.push({
    area: 'Fleet',
    figure: "the first put after the restart: put -> 'config_reloaded' in every instance",
    value: each(
      (round) =>
        `p50 ${ms(round.putAfter.p50)} ms, p99 ${ms(round.putAfter.p99)} ms, missed ${round.putAfter.missed}`,
    ),
    target: 'none missed',
    result: allReached ? 'PASS' : 'MISS',
  });
  figures.push({
    area: 'Fleet',
    figure: 'fleet processes still running after every instance was closed',
    value: String(fleet.hungProcesses),
    target: '0',
    result: fleet.hungProcesses === 0 ? 'PASS' : 'MISS',
  });
  return figures;
}

/** What the fleet status record may cost, against the module's CPU per change without it. */
const STATUS_COST_TARGET = 0.3;

/**
 * The layer-by-layer rows: CPU per change per variant, etcd's CPU per put, and what the status
 * record adds to the module's CPU, (module - reportStatus: false) / reportStatus: false.
 */
export function fleetCpuFigures(breakdown: FleetBreakdown): Figure[] {
  const where =
    `${layoutOf(breakdown)}, each variant alone, median of ` +
    `${plural(breakdown.rounds, 'round')} of ${breakdown.puts} puts`;
  const rounds = (v: FleetBreakdown['variants'][number]) =>
    v.roundsUs.length > 1 ? ` (${v.roundsUs.map(us).join(', ')})` : '';
  const figures: Figure[] = [
    {
      area: 'Fleet',
      figure: `CPU per change per instance, layer by layer (${where})`,
      value: breakdown.variants
        .map((v) => `${v.variant} ${us(v.cpuPerChangeUs)} us${rounds(v)}`)
        .join('; '),
      target: 'reference',
      result: 'ref',
    },
    {
      area: 'Fleet',
      figure: `etcd CPU per put, with its watch events and status writes (${where})`,
      value: breakdown.variants
        .map(
          (v) =>
            `${v.variant} ${v.etcdCpuPerPutUs === undefined ? 'n/a' : `${us(v.etcdCpuPerPutUs)} us`}`,
        )
        .join('; '),
      target: 'reference',
      result: 'ref',
    },
  ];
  const without = breakdown.variants.find((v) => v.variant === 'module, reportStatus: false');
  const module = breakdown.variants.find((v) => v.variant === 'module');
  if (without && module) {
    const cost = (on: number, off: number) => (on - off) / off;
    const ratio = cost(module.cpuPerChangeUs, without.cpuPerChangeUs);
    const byRound = module.roundsUs.map((on, r) => cost(on, without.roundsUs[r]!));
    figures.push({
      area: 'Fleet',
      figure: `the fleet status record's CPU per change, against the module's without it (${where})`,
      value:
        `(module - reportStatus: false) / reportStatus: false = ${ratio.toFixed(2)}x` +
        (byRound.length > 1
          ? ` (round by round ${byRound.map((x) => x.toFixed(2)).join(', ')})`
          : ''),
      target: `<= ${STATUS_COST_TARGET}x`,
      result: ratio <= STATUS_COST_TARGET ? 'PASS' : 'MISS',
    });
  }
  return figures;
}
