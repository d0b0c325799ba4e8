import type { Figure, Verdict } from './figure.js';
import type { LatencySummary } from './variants-fleet.js';
import type { VariantsResult } from './variants.bench.js';

// NaN (nothing arrived) comes back from the section process as null.
const known = (value: number | null): value is number => value !== null && Number.isFinite(value);
const ms = (value: number) =>
  !known(value) ? 'n/a' : value >= 100 ? value.toFixed(0) : value.toFixed(1);
const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');
const area = 'Variants';

function latency(l: Omit<LatencySummary, 'missed'> & { missed?: number }): string {
  const missed = l.missed ? `, ${l.missed} missed` : '';
  return `p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms (n=${l.n}${missed})`;
}

/** Rows of the variants benchmark: fan-out, trial, self-abort, hot path, each with its baseline. */
export function variantsFigures(result: VariantsResult): Figure[] {
  const { fanOut, trial, abort, hotPath } = result;
  const figures: Figure[] = [];

  const perInstance = fanOut.basePuts.map((w) => w.events / fanOut.instances);
  figures.push({
    area,
    figure: `fan-out: a put to the base, ${fanOut.instances} instances on the key: watch events per put / instances`,
    value:
      `${perInstance.map((r) => r.toFixed(2)).join(', ')} ` +
      `(events ${fanOut.basePuts.map((w) => w.events).join(', ')}; writes in each window, ` +
      `the put and the status records after it: ${fanOut.basePuts.map((w) => w.writes).join(', ')}` +
      `${fanOut.missed ? `; ${fanOut.missed} arrivals missed` : ''})`,
    target: '1.00 (one event per instance, none for the status records)',
    result: verdict(fanOut.missed === 0 && perInstance.every((r) => r === 1)),
  });
  const isolated = fanOut.statusWrites.every((w) => w.writes === 1);
  figures.push({
    area,
    figure: "one instance's status record rewritten alone (its text, its lease): watch events",
    value:
      `${fanOut.statusWrites.map((w) => w.events).join(', ')} ` +
      `(${isolated ? 'each window held that one write and no other' : `writes per window: ${fanOut.statusWrites.map((w) => w.writes).join(', ')}`})`,
    target: '0 at the other instances (and the writer does not watch its own)',
    result: verdict(fanOut.statusWrites.every((w) => w.events === 0)),
  });

  const failed = (series: typeof trial.trial) =>
    series.failures ? `, ${series.failures} exited non-zero` : ', all exit 0';
  figures.push({
    area,
    figure: `trial across ${trial.instances} instances: publish --dry-run --wait, start -> verdict (exit)`,
    value: `${latency(trial.trial.latency)}${failed(trial.trial)}; ${trial.askedMin} instances asked`,
    target: 'p99 <= 2000 ms',
    result: verdict(trial.trial.latency.p99 <= 2000 && trial.trial.failures === 0),
  });
  const own = trial.trial.latency.p50 - trial.status.latency.p50;
  figures.push({
    area,
    figure: 'status, same CLI, same run, in turns (one read: the process start and connect)',
    value:
      `${latency(trial.status.latency)}${failed(trial.status)}; the trial's own cost ` +
      `(p50 - status p50) ${ms(own)} ms, trial p99 / status p99 = ` +
      `${(trial.trial.latency.p99 / trial.status.latency.p99).toFixed(2)}x`,
    target: 'reference',
    result: 'ref',
  });

  const abortLimit = 250 + abort.debounceMs;
  figures.push({
    area,
    figure:
      `self-abort: put of K/canary for one member whose beforeApply vetoes it -> record ` +
      `marked aborted by it (debounceMs ${abort.debounceMs}, ${abort.instances} instances)`,
    value:
      latency(abort.abort) +
      (abort.wrongAborts ? `, ${abort.wrongAborts} marked wrongly` : '') +
      `; of which put -> the member's veto ${latency(abort.vetoed)}`,
    target: `p99 <= 250 ms + debounceMs = ${abortLimit} ms`,
    result: verdict(
      abort.abort.p99 <= abortLimit && abort.abort.missed === 0 && abort.wrongAborts === 0,
    ),
  });
  figures.push({
    area,
    figure: "a canary that member accepts: put -> its 'config_reloaded', same run, in turns",
    value: `${latency(abort.accepted)}; abort p99 / this p99 = ${(abort.abort.p99 / abort.accepted.p99).toFixed(2)}x`,
    target: 'reference',
    result: 'ref',
  });

  const ratio = hotPath.variants.p99 / hotPath.none.p99;
  const where = `${hotPath.instances} instances in ${hotPath.processes} processes, debounceMs ${hotPath.debounceMs}`;
  figures.push({
    area,
    figure:
      `hot path: put -> 'config_reloaded' in every instance, each a canary member with two ` +
      `overlays (${where})`,
    value:
      `${latency(hotPath.variants)}; p99 / no-variants p99 = ${ratio.toFixed(2)}x ` +
      `(median of the rounds' own ratios ${hotPath.roundRatio.toFixed(2)}x)`,
    target: '<= 1.1x the same fleet without variants',
    result: verdict(ratio <= 1.1 && hotPath.variants.missed === 0),
  });
  figures.push({
    area,
    figure: 'the same fleet without overlays or canary (put to the base), same run, in turns',
    value: latency(hotPath.none),
    target: 'reference',
    result: 'ref',
  });
  figures.push({
    area,
    figure: 'fleet processes still running after every instance was closed',
    value: String(result.hungProcesses),
    target: '0',
    result: verdict(result.hungProcesses === 0),
  });
  const { seconds } = result;
  figures.push({
    area,
    figure: 'where the section took its time (starting the two fleets, then each measurement)',
    value:
      `start ${seconds.start} s, hot path ${seconds.hotPath} s, fan-out ${seconds.fanOut} s, ` +
      `trial ${seconds.trial} s, self-abort ${seconds.abort} s`,
    target: 'reference',
    result: 'ref',
  });
  return figures;
}
