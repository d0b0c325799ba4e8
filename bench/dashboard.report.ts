import type { DashboardResult } from './dashboard.bench.js';
import type { Figure } from './figure.js';

const ms = (value: number) => value.toFixed(0);

/** The dashboard at fleet scale, in Chromium: the first paint, and a put's new state shown. */
export function dashboardFigures(result: DashboardResult): Figure[] {
  const { instances, firstPaint, putVisible } = result;
  return [
    {
      area: 'Dashboard',
      figure: `first complete paint in Chromium, ${instances} status records: goto -> every row and the counts`,
      value: `median ${ms(firstPaint.median)} ms, max ${ms(firstPaint.max)} ms (n=${firstPaint.n})`,
      target: '<= 1000 ms',
      result: firstPaint.max <= 1000 ? 'PASS' : 'MISS',
    },
    {
      area: 'Dashboard',
      figure: `a put's new state in the page, ${instances} instances: last record written -> all counted applied`,
      value: `median ${ms(putVisible.median)} ms, max ${ms(putVisible.max)} ms (n=${putVisible.n})`,
      target: '<= 500 ms',
      result: putVisible.max <= 500 ? 'PASS' : 'MISS',
    },
  ];
}
