import secureJson from 'secure-json-parse';
import { parseConfigText } from '../lib/pipeline/document/config.parser.js';
import { findLossyJson } from '../lib/pipeline/document/lossy-json.js';
import { generateConfig, renderConfig } from './fixtures.js';

/**
 * What the checks for duplicate keys and non-finite numbers add to the parse of one large config.
 * "before" is what the parser did without them (secure-json-parse and the root check); "after" is
 * the parser as it is. The variants run interleaved, round after round, so that they share the
 * machine's state; the figures are medians.
 *
 *   tsc -p bench/tsconfig.json && node --expose-gc bench/dist/bench/parse-cost.js [MiB] [rounds]
 */
const mib = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 40);

const text = renderConfig(generateConfig(mib * 1024 * 1024), 1);
// A string that starts with a colon throws the cheap upper bound off: the exact count decides.
const withColonString = text.replace('{', '{"separator": ":",');

function before(source: string): Record<string, unknown> {
  const value: unknown = secureJson.parse(source, undefined, {
    protoAction: 'error',
    constructorAction: 'error',
  });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('root');
  return value as Record<string, unknown>;
}

const parsed = before(text);
const parsedWithColon = before(withColonString);
const variants: Record<string, () => unknown> = {
  'JSON.parse alone': () => JSON.parse(text),
  'before (no checks)': () => before(text),
  'after (parseConfigText)': () => parseConfigText(text, 'bench.json'),
  'the checks alone': () => findLossyJson(text, parsed),
  'the checks, colon string': () => findLossyJson(withColonString, parsedWithColon),
  'after, colon string': () => parseConfigText(withColonString, 'bench.json'),
};

const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
const gc = (globalThis as { gc?: () => void }).gc;
for (let round = 0; round < rounds + 3; round++) {
  for (const [name, run] of Object.entries(variants)) {
    gc?.();
    const start = performance.now();
    run();
    const elapsed = performance.now() - start;
    if (round >= 3) samples.get(name)!.push(elapsed); // the first rounds warm the JIT up
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
console.log(
  `${(Buffer.byteLength(text) / 1024 / 1024).toFixed(2)} MiB, ${rounds} rounds, Node ${process.version}`,
);
for (const [name, values] of samples) {
  console.log(`${name.padEnd(26)} ${median(values).toFixed(2).padStart(7)} ms (median)`);
}
