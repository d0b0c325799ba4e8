import type { LatencyResult } from './latency.bench.js';
import type { PipelineResult } from './pipeline.bench.js';
import { sizeLabel } from './report.js';

// Hand-written SVG: no chart library, and the output is stable text that diffs well.

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const COLORS = { library: '#2563eb', floor: '#6b7280', target: '#dc2626', grid: '#e5e7eb' };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const fixed = (value: number) => Number(value.toFixed(1));

function logScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain.map(Math.log10);
  return (value) => {
    const clamped = Math.min(Math.max(value, domain[0]), domain[1]);
    return fixed(range[0] + ((Math.log10(clamped) - d0) / (d1 - d0)) * (range[1] - range[0]));
  };
}

function decades(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
    ticks.push(10 ** e);
  return ticks;
}

const tickLabel = (value: number) => (value < 1 ? String(value) : value.toLocaleString('en-US'));

/** Deterministic jitter, so that the chart is the same for the same data. */
function jitter(index: number): number {
  const x = Math.sin(index * 12.9898) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

/**
 * Detection latency beyond debounceMs, one row per (setting, write style), the floor first: every
 * sample as a dot, p25-p75 as a box, p5-p95 as whiskers, the median as a bar, on a log axis.
 */
export function latencyChart(latency: LatencyResult, subtitle: string): string {
  const styleOrder = (style: string) => (style === 'in-place' ? 0 : 1);
  const rows = [...latency.series].sort(
    (a, b) =>
      (a.kind === 'floor' ? -1 : 0) - (b.kind === 'floor' ? -1 : 0) ||
      a.debounceMs - b.debounceMs ||
      styleOrder(a.style) - styleOrder(b.style),
  );
  const rowHeight = 40;
  const left = 250;
  const right = 110;
  const top = 70;
  const width = 960;
  const plotHeight = rows.length * rowHeight;
  const height = top + plotHeight + 60;
  const overheads = rows.flatMap((row) => row.samples.map((value) => value - row.debounceMs));
  const domain: [number, number] = [0.1, 10 ** Math.ceil(Math.log10(Math.max(20, ...overheads)))];
  const x = logScale(domain, [left, width - right]);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="600">Detection latency beyond debounceMs: write start to @OnEvent('config_reloaded'), ms (log)</text>`,
    `<text x="20" y="44" fill="#4b5563">${escapeXml(subtitle)}</text>`,
  );
  for (const tick of decades(domain[0], domain[1])) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + plotHeight}" stroke="${COLORS.grid}"/>`,
      `<text x="${x(tick)}" y="${top + plotHeight + 18}" text-anchor="middle" fill="#374151">${tickLabel(tick)}</text>`,
    );
  }
  parts.push(
    `<line x1="${x(15)}" y1="${top - 6}" x2="${x(15)}" y2="${top + plotHeight}" stroke="${COLORS.target}" stroke-dasharray="5 4"/>`,
    `<text x="${x(15) + 4}" y="${top - 10}" fill="${COLORS.target}">target: debounceMs + 15 ms</text>`,
    `<text x="${(left + width - right) / 2}" y="${top + plotHeight + 40}" text-anchor="middle" fill="#374151">ms after the debounce window (latency - debounceMs)</text>`,
  );
  rows.forEach((row, index) => {
    const cy = top + index * rowHeight + rowHeight / 2;
    const color = row.kind === 'floor' ? COLORS.floor : COLORS.library;
    const label =
      row.kind === 'floor'
        ? `floor (raw fs.watch), ${row.style}`
        : `debounceMs ${row.debounceMs}, ${row.style}`;
    const summary = row.latency;
    const d = row.debounceMs;
    parts.push(
      `<text x="${left - 10}" y="${cy + 4}" text-anchor="end" fill="#111827">${escapeXml(label)}</text>`,
    );
    row.samples.forEach((value, i) => {
      parts.push(
        `<circle cx="${x(value - d)}" cy="${fixed(cy + jitter(i + index * 1000) * 22)}" r="2" fill="${color}" fill-opacity="0.3"/>`,
      );
    });
    parts.push(
      `<line x1="${x(summary.p5 - d)}" y1="${cy}" x2="${x(summary.p95 - d)}" y2="${cy}" stroke="${color}" stroke-width="1.5"/>`,
      `<rect x="${x(summary.p25 - d)}" y="${cy - 8}" width="${fixed(Math.max(1, x(summary.p75 - d) - x(summary.p25 - d)))}" height="16" fill="${color}" fill-opacity="0.25" stroke="${color}"/>`,
      `<line x1="${x(summary.median - d)}" y1="${cy - 11}" x2="${x(summary.median - d)}" y2="${cy + 11}" stroke="#111827" stroke-width="2.5"/>`,
      `<text x="${width - right + 8}" y="${cy + 4}" fill="#111827">med ${summary.median.toFixed(1)} ms</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Cost of one reload against the bare pipeline, by config size, log-log. */
export function pipelineChart(pipeline: PipelineResult, subtitle: string): string {
  const width = 800;
  const height = 480;
  const left = 80;
  const right = 210;
  const top = 70;
  const bottom = 70;
  const sizes = pipeline.sizes;
  const values = sizes.flatMap((s) => [s.library.median, s.floor.median]);
  const xDomain: [number, number] = [1, 10_000];
  const yDomain: [number, number] = [
    10 ** Math.floor(Math.log10(Math.min(...values))),
    10 ** Math.ceil(Math.log10(Math.max(...values))),
  ];
  const x = logScale(xDomain, [left, width - right]);
  const y = logScale(yDomain, [height - bottom, top]);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="600">Cost of one reload by config size (median, log-log)</text>`,
    `<text x="${left}" y="44" fill="#4b5563">${escapeXml(subtitle)}</text>`,
  ];
  for (const tick of decades(xDomain[0], xDomain[1])) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${height - bottom}" stroke="${COLORS.grid}"/>`,
      `<text x="${x(tick)}" y="${height - bottom + 18}" text-anchor="middle" fill="#374151">${tickLabel(tick)}</text>`,
    );
  }
  for (const tick of decades(yDomain[0], yDomain[1])) {
    parts.push(
      `<line x1="${left}" y1="${y(tick)}" x2="${width - right}" y2="${y(tick)}" stroke="${COLORS.grid}"/>`,
      `<text x="${left - 8}" y="${y(tick) + 4}" text-anchor="end" fill="#374151">${tickLabel(tick)}</text>`,
    );
  }
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 30}" text-anchor="middle" fill="#374151">config size, KB</text>`,
    `<text x="20" y="${(top + height - bottom) / 2}" text-anchor="middle" fill="#374151" transform="rotate(-90 20 ${(top + height - bottom) / 2})">ms per reload</text>`,
  );
  const series = [
    {
      name: 'reloadConfig()',
      color: COLORS.library,
      value: (s: (typeof sizes)[number]) => s.library.median,
    },
    {
      name: 'bare pipeline (floor)',
      color: COLORS.floor,
      value: (s: (typeof sizes)[number]) => s.floor.median,
    },
  ];
  series.forEach((line, index) => {
    const points = sizes.map((s) => `${x(s.bytes / 1024)},${y(line.value(s))}`).join(' ');
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${line.color}" stroke-width="2"/>`,
    );
    for (const s of sizes) {
      parts.push(
        `<circle cx="${x(s.bytes / 1024)}" cy="${y(line.value(s))}" r="4" fill="${line.color}"/>`,
      );
    }
    const legendY = top + 10 + index * 20;
    parts.push(
      `<line x1="${width - right + 14}" y1="${legendY}" x2="${width - right + 34}" y2="${legendY}" stroke="${line.color}" stroke-width="2"/>`,
      `<text x="${width - right + 40}" y="${legendY + 4}" fill="#111827">${escapeXml(line.name)}</text>`,
    );
  });
  sizes.forEach((s, index) => {
    parts.push(
      `<text x="${width - right + 14}" y="${top + 70 + index * 36}" fill="#111827">${sizeLabel(s.sizeKb)}: ${s.ratio.toFixed(2)}x floor</text>`,
      `<text x="${width - right + 14}" y="${top + 86 + index * 36}" fill="#4b5563">${s.libraryUsPerKb.toFixed(0)} us/KB</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
