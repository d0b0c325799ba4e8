/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface Sample {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape, comments left out. */
export function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ metric: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/**
 * The value of the one sample of `metric` whose labels include `labels`; undefined when there is
 * none, and an error when several match (the test asked an ambiguous question).
 */
export function valueOf(
  text: string,
  metric: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samplesOf(text).filter(
    (sample) =>
      sample.metric === metric &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${metric} match`);
  return found[0]?.value;
}
