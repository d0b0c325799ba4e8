import { fleetCpuFigures, fleetFigures } from './fleet-report.js';
import type { SectionResults } from './section.js';
import { offThreadFigures, stallFigures } from './stall.report.js';
import type { Figure, Verdict } from './figure.js';
import { variantsFigures } from './variants-report.js';
import { metricsFigures } from './metrics.report.js';
import { dashboardFigures } from './dashboard.report.js';

const MB = 1024 * 1024;

const ms = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const ratio = (value: number) => `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}x`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

export function sizeLabel(sizeKb: number): string {
  return sizeKb >= 1024 ? `${sizeKb / 1024} MB` : `${sizeKb} KB`;
}

/** Every figure with its target, from whatever sections produced a result. */
export function buildFigures(
  results: Partial<SectionResults>,
  errors: Partial<Record<keyof SectionResults, string>>,
): Figure[] {
  const figures: Figure[] = [];
  for (const [section, error] of Object.entries(errors)) {
    figures.push({
      area: section,
      figure: 'benchmark did not complete',
      value: error.split('\n')[0].slice(0, 120),
      target: 'completes',
      result: 'ERROR',
    });
  }

  const { latency } = results;
  if (latency) {
    const find = (kind: string, debounceMs: number, style: string) =>
      latency.series.find(
        (s) => s.kind === kind && s.debounceMs === debounceMs && s.style === style,
      );
    const debounces = [...new Set(latency.series.map((s) => s.debounceMs))];
    for (const debounceMs of debounces) {
      for (const style of ['in-place', 'atomic']) {
        const series = find('library', debounceMs, style);
        if (!series) continue;
        const { latency: l } = series;
        const lost = series.lost > 0 ? `, ${series.lost} never arrived` : '';
        figures.push({
          area: 'Detection',
          figure: `debounceMs ${debounceMs}, ${style} write`,
          value: `median ${ms(l.median)} ms, p95 ${ms(l.p95)} ms (n=${l.n}${lost})`,
          target: `median <= ${debounceMs + 15} ms`,
          result: verdict(l.median <= debounceMs + 15 && series.lost === 0),
        });
        const floor = find('floor', debounceMs, style);
        if (!floor) continue;
        figures.push({
          area: 'Detection',
          figure: `floor: fs.watch + bare pipeline, ${style} write`,
          value: `median ${ms(floor.latency.median)} ms, p95 ${ms(floor.latency.p95)} ms (n=${floor.latency.n})`,
          target: 'reference',
          result: 'ref',
        });
        const factor = l.median / floor.latency.median;
        figures.push({
          area: 'Detection',
          figure: `debounceMs ${debounceMs} vs floor, ${style} write`,
          value: `${ratio(factor)} (median ${ms(l.median)} / ${ms(floor.latency.median)} ms)`,
          target: '<= 1.5x floor',
          result: verdict(factor <= 1.5),
        });
      }
    }
    for (const chunked of latency.chunked) {
      figures.push({
        area: 'Detection',
        figure: `slow write, ${chunked.chunks} chunks ${chunked.gapMs} ms apart, debounceMs ${chunked.debounceMs}`,
        value:
          `final content applied in ${chunked.applied}/${chunked.trials}, ` +
          `${ms(chunked.afterWriteMs)} ms after the ${ms(chunked.writeMs)} ms write; ` +
          `torn content applied ${chunked.otherApplies}x, failure events ${chunked.failedEvents}`,
        target: 'final content applied every time',
        result: verdict(chunked.applied === chunked.trials && chunked.otherApplies === 0),
      });
    }
  }

  const { pipeline } = results;
  if (pipeline) {
    for (const size of pipeline.sizes) {
      const is50 = size.sizeKb === 50;
      figures.push({
        area: 'Reload cost',
        figure: `${sizeLabel(size.sizeKb)} (${kb(size.bytes)}, ${size.strategies} strategies)`,
        value:
          `${ms(size.library.median)} ms vs floor ${ms(size.floor.median)} ms = ${ratio(size.ratio)}; ` +
          `${size.libraryUsPerKb.toFixed(1)} us/KB (floor ${size.floorUsPerKb.toFixed(1)})`,
        target: is50 ? '<= 1.3x floor' : 'reference',
        result: is50 ? verdict(size.ratio <= 1.3) : 'ref',
      });
    }
    figures.push({
      area: 'Reload cost',
      figure: 'growth with size, 50 KB to 5 MB (log-log slope)',
      value: `${pipeline.libraryExponent.toFixed(2)} (floor ${pipeline.floorExponent.toFixed(2)})`,
      target: '<= 1.1 (linear)',
      result: verdict(pipeline.libraryExponent <= 1.1),
    });
  }

  if (results.stall) figures.push(...stallFigures(results.stall));
  if (results.offThread) figures.push(...offThreadFigures(results.offThread));
  if (results.metrics) figures.push(...metricsFigures(results.metrics));
  if (results.dashboard) figures.push(...dashboardFigures(results.dashboard));

  const { read } = results;
  if (read) {
    figures.push({
      area: 'Read',
      figure: 'service.config.strategies[3].risk.stopLoss',
      value: `${read.serviceNs.toFixed(2)} ns/op`,
      target: 'reference',
      result: 'ref',
    });
    figures.push({
      area: 'Read',
      figure: 'plain object, same path',
      value: `${read.plainNs.toFixed(2)} ns/op (loop and store alone ${read.harnessNs.toFixed(2)} ns)`,
      target: 'reference',
      result: 'ref',
    });
    figures.push({
      area: 'Read',
      figure: "ConfigService.get('strategies.3.risk.stopLoss')",
      value: `${read.configServiceNs.toFixed(1)} ns/op`,
      target: 'reference',
      result: 'ref',
    });
    figures.push({
      area: 'Read',
      figure: 'service.config read vs plain object read',
      value: ratio(read.serviceVsPlain),
      target: '<= 4x',
      result: verdict(read.serviceVsPlain <= 4),
    });
    figures.push({
      area: 'Read',
      figure: 'service.config read vs ConfigService.get',
      value: `${ratio(read.configServiceVsService)} faster`,
      target: '>= 50x faster',
      result: verdict(read.configServiceVsService >= 50),
    });
  }

  const { storm } = results;
  if (storm) {
    const n = storm.trials.length;
    const settle = storm.trials
      .map((trial) => trial.settleMs)
      .filter((value): value is number => value !== undefined)
      .sort((a, b) => a - b);
    const writeMs = storm.trials.map((trial) => trial.writeMs).sort((a, b) => a - b)[
      Math.floor(n / 2)
    ];
    figures.push({
      area: 'Storm',
      figure: `${storm.writes} in-place writes, debounceMs ${storm.debounceMs}: final content applied`,
      value:
        `${storm.appliedTrials}/${n} trials; the writes took ${ms(writeMs)} ms, ` +
        `the last content was applied ${ms(settle[Math.floor(settle.length / 2)] ?? NaN)} ms after them (medians)`,
      target: `${n}/${n}`,
      result: verdict(storm.appliedTrials === n && !storm.versionsWentDown),
    });
    figures.push({
      area: 'Storm',
      figure: 'reloads per trial (full pipeline runs; applied)',
      value:
        `max ${storm.maxValidations}, median ${storm.medianValidations}; ` +
        `applied max ${storm.maxReloads}, median ${storm.medianReloads}`,
      target: '<= 5 in every trial',
      result: verdict(storm.maxValidations <= 5 && storm.maxReloads <= 5),
    });
  }

  const { footprint } = results;
  if (footprint) {
    figures.push({
      area: 'Footprint',
      figure: `heap per watching instance (${footprint.instances} in one app, beyond its ${kb(footprint.configBytes)} config)`,
      value: `${kb(footprint.heapPerInstance)} (${footprint.watching}/${footprint.instances} watching)`,
      target: '<= 1 MB',
      result: verdict(
        footprint.heapPerInstance <= MB && footprint.watching === footprint.instances,
      ),
    });
    figures.push({
      area: 'Footprint',
      figure: 'RSS per watching instance',
      value: kb(footprint.rssPerInstance),
      target: '<= 1 MB',
      result: verdict(footprint.rssPerInstance <= MB),
    });
  }
  const { heapGrowth } = results;
  if (heapGrowth) {
    const trend = heapGrowth.heapTrend.map(([, bytes]) => bytes);
    figures.push({
      area: 'Footprint',
      figure: `heap after ${heapGrowth.totalReloads} reloads vs after ${heapGrowth.firstReloads}`,
      value:
        `${heapGrowth.heapGrowth >= 0 ? '+' : ''}${kb(heapGrowth.heapGrowth)} ` +
        `(${kb(heapGrowth.heapAfterFirst)} -> ${kb(heapGrowth.heapAfterAll)}; ` +
        `range over the run ${kb(Math.max(...trend) - Math.min(...trend))})`,
      target: '<= +1 MB',
      result: verdict(heapGrowth.heapGrowth <= MB),
    });
  }
  if (results.fleet) figures.push(...fleetFigures(results.fleet));
  if (results.fleetCpu) figures.push(...fleetCpuFigures(results.fleetCpu));
  if (results.variants) figures.push(...variantsFigures(results.variants));
  return figures;
}

/** A Markdown table, padded so that it also reads well in a terminal. */
export function renderTable(figures: Figure[]): string {
  const header = ['Area', 'Figure', 'Value', 'Target', 'Result'];
  const rows = figures.map((f) => [f.area, f.figure, f.value, f.target, f.result]);
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const all = [header, ...rows].map((row) => row.map(escape));
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [
    line(all[0]),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...all.slice(1).map(line),
  ].join('\n');
}
