export type Verdict = 'PASS' | 'MISS' | 'ref' | 'ERROR';

/** One row of the table: a measured figure, its target, and whether it was met. */
export interface Figure {
  area: string;
  figure: string;
  value: string;
  target: string;
  result: Verdict;
}
