import type { Figure } from './figure.js';
import type { OffThreadSize } from './off-thread.bench.js';
import type { StallResult } from './stall.bench.js';

const ms = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const label = (sizeKb: number) => (sizeKb >= 1024 ? `${sizeKb / 1024} MB` : `${sizeKb} KB`);

/** The targets for the longest block of a one-field reload, ms, by nominal size. */
const STALL_TARGET_MS: Record<number, number> = { 50: 2, 500: 5, 5120: 10 };

/** The rows of the stall benchmark: event-loop blocks, the full rewrite, and the CPU at 50 KB. */
export function stallFigures(stall: StallResult): Figure[] {
  const figures: Figure[] = [];
  for (const size of stall.sizes) {
    const name = `${label(size.sizeKb)} (${kb(size.bytes)}, ${size.strategies} strategies)`;
    const target = STALL_TARGET_MS[size.sizeKb];
    const { incremental, full } = size.longest;
    figures.push({
      area: 'Stall',
      figure: `${name}: longest block, one-field edit`,
      value:
        `median ${ms(incremental.median)} ms, max ${ms(incremental.max)} ms; ` +
        `reload ${ms(size.reload.incremental.median)} ms (n=${incremental.n})`,
      target: target === undefined ? 'reference' : `median <= ${target} ms`,
      result: target === undefined ? 'ref' : incremental.median <= target ? 'PASS' : 'MISS',
    });
    figures.push({
      area: 'Stall',
      figure: `${name}: same, DTO validated in full`,
      value:
        `median ${ms(full.median)} ms, max ${ms(full.max)} ms; ` +
        `reload ${ms(size.reload.full.median)} ms`,
      target: 'reference',
      result: 'ref',
    });
    figures.push({
      area: 'Stall',
      figure: `${name}: baseline, no reload`,
      value: `median ${ms(size.baseline.median)} ms, max ${ms(size.baseline.max)} ms`,
      target: 'reference',
      result: 'ref',
    });
    const rewrite = size.rewrite.incremental.median / size.rewrite.full.median;
    figures.push({
      area: 'Stall',
      figure: `${name}: reload of a full rewrite (every strategy changed)`,
      value:
        `${ms(size.rewrite.incremental.median)} ms vs ${ms(size.rewrite.full.median)} ms ` +
        `in full = ${rewrite.toFixed(2)}x (n=${size.rewrite.incremental.n})`,
      target: '<= 1.1x the full path',
      result: rewrite <= 1.1 ? 'PASS' : 'MISS',
    });
  }
  const { cpu } = stall;
  const incremental = cpu.library.incremental.median;
  figures.push({
    area: 'Stall',
    figure: `CPU of a one-field reload at ${label(cpu.sizeKb)}`,
    value:
      `${ms(incremental)} ms (in full ${ms(cpu.library.full.median)} ms); ` +
      `bare read + parse + DTO ${ms(cpu.bare.median)} ms = ${cpu.bareOverIncremental.toFixed(1)}x`,
    target: '<= 1 ms and >= 5x below bare',
    result: incremental <= 1 && cpu.bareOverIncremental >= 5 ? 'PASS' : 'MISS',
  });
  return figures;
}

/** Parsing on this thread against the parse worker, by size: where the threshold belongs. */
export function offThreadFigures(sizes: OffThreadSize[]): Figure[] {
  return sizes.map((size) => ({
    area: 'Off thread',
    figure: `${label(size.sizeKb)}: longest block, parse + schema of a one-field edit`,
    value:
      `here ${ms(size.longest.here.median)} ms, worker ${ms(size.longest.worker.median)} ms; ` +
      `wall here ${ms(size.wall.here.median)} ms, worker ${ms(size.wall.worker.median)} ms ` +
      `(n=${size.longest.here.n})`,
    target: 'reference',
    result: 'ref',
  }));
}
