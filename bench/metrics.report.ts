import type { Figure } from './figure.js';
import type { MetricsResult } from './metrics.bench.js';

const ms = (value: number) => (value >= 10 ? value.toFixed(1) : value.toFixed(3));

/** The Prometheus adapter's cost: per reload against no metrics, and one scrape. */
export function metricsFigures(result: MetricsResult): Figure[] {
  const { plain, prometheus, prometheusOverPlain, scrape } = result;
  return [
    {
      area: 'Metrics',
      figure: 'CPU per reload, Prometheus adapter vs none (same run)',
      value:
        `${prometheusOverPlain.toFixed(3)}x (median ${ms(prometheus.median)} / ` +
        `${ms(plain.median)} ms, n=${prometheus.n})`,
      target: '<= 1.05x',
      result: prometheusOverPlain <= 1.05 ? 'PASS' : 'MISS',
    },
    {
      area: 'Metrics',
      figure: 'one scrape of one instance (registry.metrics())',
      value: `median ${ms(scrape.median)} ms, p95 ${ms(scrape.p95)} ms (n=${scrape.n})`,
      target: '<= 1 ms',
      result: scrape.median <= 1 ? 'PASS' : 'MISS',
    },
  ];
}
