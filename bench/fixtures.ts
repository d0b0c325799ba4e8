import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../sample-app/src/market/seeded-random.js';

/** The repository root: the nearest folder above this file whose package.json is the library's. */
export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

export const SAMPLE_CONFIG_PATH = path.join(REPO_ROOT, 'sample-app/config/trend_following.json');
export const SAMPLE_SCHEMA_PATH = path.join(
  REPO_ROOT,
  'sample-app/config/trend_following.schema.json',
);
export const CONFIG_FILE_NAME = 'trend_following.json';

/** The parts of the sample config the benchmarks touch; everything else is carried as is. */
export interface SampleConfig {
  strategies: Array<Record<string, unknown>>;
  execution: { slippageBps: number } & Record<string, unknown>;
  [key: string]: unknown;
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'nestjs-config-reloader') return dir;
    }
    if (path.dirname(dir) === dir) throw new Error('repository root not found above the bench');
  }
}

export function loadSampleConfig(): SampleConfig {
  return JSON.parse(readFileSync(SAMPLE_CONFIG_PATH, 'utf8')) as SampleConfig;
}

export function loadSampleSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(SAMPLE_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

/**
 * The sample schema without its cap of 50 strategies, which the 50 KB to 5 MB configs exceed.
 * Every other rule is kept, so the generated configs are validated exactly like the sample.
 */
export function loadUncappedSchema(): Record<string, unknown> {
  const schema = loadSampleSchema();
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const strategies = { ...properties.strategies };
  delete strategies.maxItems;
  return { ...schema, properties: { ...properties, strategies } };
}

// Each written content must differ, so that the content hash changes: `execution.slippageBps`
// (a number from 0 to 500 in the schema) carries a sequence number in hundredths.
export const MARKER_RANGE = 50_000;

export function markerValue(seq: number): number {
  return (seq % MARKER_RANGE) / 100;
}

/** The sequence number a config carries (modulo 50,000). */
export function markerOf(config: { execution: { slippageBps: number } }): number {
  return Math.round(config.execution.slippageBps * 100);
}

/** What `markerOf` returns for a config written with `seq`. */
export function markerKey(seq: number): number {
  return seq % MARKER_RANGE;
}

export function sameMarker(config: { execution: { slippageBps: number } }, seq: number): boolean {
  return markerOf(config) === markerKey(seq);
}

/** The config text with `seq` in its marker field, formatted as an operator's editor would save it. */
export function renderConfig(config: SampleConfig, seq: number): string {
  const execution = { ...config.execution, slippageBps: markerValue(seq) };
  return `${JSON.stringify({ ...config, execution }, null, 2)}\n`;
}

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AVAX-USD', 'LINK-USD', 'DOT-USD', 'ADA-USD'];
const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'];
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** One more strategy in the sample's shape, valid against its schema and DTO. */
function makeStrategy(index: number, next: () => number): Record<string, unknown> {
  const fastPeriod = 5 + Math.floor(next() * 30);
  const symbolCount = 1 + Math.floor(next() * 3);
  const first = Math.floor(next() * SYMBOLS.length);
  const symbols = Array.from(
    { length: symbolCount },
    (_, k) => SYMBOLS[(first + k) % SYMBOLS.length],
  );
  return {
    id: `generated-${String(index).padStart(6, '0')}`,
    enabled: next() < 0.8,
    symbols,
    timeframe: TIMEFRAMES[Math.floor(next() * TIMEFRAMES.length)],
    parameters: {
      maType: next() < 0.5 ? 'ema' : 'sma',
      fastPeriod,
      slowPeriod: fastPeriod + 10 + Math.floor(next() * 100),
      atrPeriod: 10 + Math.floor(next() * 20),
      atrMultiplier: round(1 + next() * 3, 2),
      minTrendStrength: round(0.1 + next() * 0.4, 2),
    },
    risk: {
      stopLoss: round(0.01 + next() * 0.08, 3),
      takeProfit: round(0.03 + next() * 0.3, 3),
      maxPositionSize: round(0.02 + next() * 0.2, 3),
      riskPerTrade: round(0.002 + next() * 0.02, 4),
      trailingStop: next() < 0.5,
    },
  };
}

/** The sample config with generated strategies appended until its text is about `targetBytes`. */
export function generateConfig(targetBytes: number): SampleConfig {
  const sample = loadSampleConfig();
  const next = seededRandom(0x5eed + targetBytes);
  const strategies = [...sample.strategies];
  const sizeOf = (list: unknown[]) =>
    Buffer.byteLength(renderConfig({ ...sample, strategies: list } as SampleConfig, 0));
  let size = sizeOf(strategies);
  // Estimate the count from the size of one strategy, then adjust one at a time.
  const perStrategy = sizeOf([...strategies, makeStrategy(0, seededRandom(1))]) - size;
  const estimate = Math.max(0, Math.round((targetBytes - size) / perStrategy));
  for (let i = 0; i < estimate; i++) strategies.push(makeStrategy(strategies.length, next));
  size = sizeOf(strategies);
  while (size < targetBytes - perStrategy / 2) {
    strategies.push(makeStrategy(strategies.length, next));
    size += perStrategy;
  }
  while (size > targetBytes + perStrategy / 2 && strategies.length > 1) {
    strategies.pop();
    size -= perStrategy;
  }
  return { ...sample, strategies };
}

// ---- Files -------------------------------------------------------------------------------------

export type WriteStyle = 'in-place' | 'atomic';

/** A fresh directory under the OS temp dir; remove it with `removeTempDir`. */
export function makeTempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `config-reloader-bench-${label}-`));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** What an operator's tool does: truncate and rewrite the file, or write a temp file and rename it over. */
export async function writeConfigFile(
  file: string,
  text: string,
  style: WriteStyle,
  seq: number,
): Promise<void> {
  if (style === 'in-place') {
    await writeFile(file, text);
    return;
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${seq}.tmp`);
  await writeFile(temp, text);
  await rename(temp, file);
}

/** A slow writer: the content goes out in `chunks` pieces with `gapMs` between them. */
export async function writeChunked(
  file: string,
  text: string,
  chunks: number,
  gapMs: number,
): Promise<void> {
  const bytes = Buffer.from(text);
  const handle = await open(file, 'w');
  try {
    const size = Math.ceil(bytes.length / chunks);
    for (let offset = 0; offset < bytes.length; offset += size) {
      if (offset > 0) await sleep(gapMs);
      await handle.write(bytes, offset, Math.min(size, bytes.length - offset));
    }
  } finally {
    await handle.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** High-resolution wall-clock milliseconds, comparable between processes on one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Forces full garbage collections (the bench runs under --expose-gc) and lets finalizers run. */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(10);
  }
}
