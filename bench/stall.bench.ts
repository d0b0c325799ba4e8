import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createBarePipeline } from './bare-pipeline.js';
import { EventLoopGapProbe } from './event-loop-probe.js';
import {
  CONFIG_FILE_NAME,
  generateConfig,
  loadUncappedSchema,
  makeTempDir,
  removeTempDir,
  renderConfig,
  sameMarker,
  sleep,
  type SampleConfig,
} from './fixtures.js';
import { FullPathConfig } from './full-path.dto.js';
import { createReloaderApp, type ReloaderApp } from './nest-app.js';
import type { Plan } from './plan.js';
import { median, summarize, type Summary } from './stats.js';

/** How the DTO is validated: incrementally (the sample DTO), or in full on every reload. */
export type StallVariant = 'incremental' | 'full';
const VARIANTS: StallVariant[] = ['incremental', 'full'];

export interface StallSize {
  sizeKb: number;
  bytes: number;
  strategies: number;
  /** Longest event-loop turn while a one-field reload ran, ms, by variant. */
  longest: Record<StallVariant, Summary>;
  /** Wall time of that reload, ms. */
  reload: Record<StallVariant, Summary>;
  /** Longest turn over a window as long as the reloads, with no reload: the machine's own noise. */
  baseline: Summary;
  /** Wall time of a reload in which every strategy changed, ms. */
  rewrite: Record<StallVariant, Summary>;
}

export interface StallCpu {
  sizeKb: number;
  /** CPU time (user + system, every thread) of one one-field reload, ms. */
  library: Record<StallVariant, Summary>;
  /** readFile + JSON.parse + Ajv + plainToInstance + validate on the same file, ms. */
  bare: Summary;
  /** Median over rounds of (bare median / incremental median) within the round. */
  bareOverIncremental: number;
}

export interface StallResult {
  sizes: StallSize[];
  cpu: StallCpu;
}

/**
 * Every strategy's stop loss nudged (by 0.001 or 0.002, alternately): a content in which every
 * strategy differs from the one-field contents and from the previous rewrite.
 */
function renderRewrite(config: SampleConfig, seq: number): string {
  const nudge = (1 + (seq % 2)) / 1000;
  const strategies = config.strategies.map((strategy) => {
    const risk = strategy.risk as Record<string, number>;
    return { ...strategy, risk: { ...risk, stopLoss: risk.stopLoss + nudge } };
  });
  return renderConfig({ ...config, strategies }, seq);
}

interface Instance {
  variant: StallVariant;
  file: string;
  seq: number;
}

/**
 * What a reload costs the rest of the app: the longest event-loop block while a reload of a
 * one-field edit (`execution.slippageBps`) runs, at three sizes, for the sample DTO and for the
 * same DTO validated in full; a baseline window with no reload in the same run; a full rewrite;
 * and the CPU of a one-field reload at 50 KB against the bare pipeline on the same file.
 */
export async function runStall(plan: Plan['stall']): Promise<StallResult> {
  const schema = loadUncappedSchema();
  const sizes: StallSize[] = [];
  let cpu: StallCpu | undefined;
  for (const sizeKb of plan.sizesKb) {
    const config = generateConfig(sizeKb * 1024);
    const dir = await makeTempDir(`stall-${sizeKb}`);
    const instances: Instance[] = VARIANTS.map((variant) => ({
      variant,
      file: path.join(dir, `${variant}-${CONFIG_FILE_NAME}`),
      seq: 1,
    }));
    for (const instance of instances) writeFileSync(instance.file, renderConfig(config, 1));
    const app = await createReloaderApp(
      instances.map(({ variant, file }) => ({
        name: variant,
        configPath: file,
        schema,
        autoReload: false,
        ...(variant === 'full' ? { dto: FullPathConfig } : {}),
      })),
    );
    try {
      sizes.push(await measureSize(app, instances, config, sizeKb, plan));
      if (sizeKb === plan.cpuSizeKb) cpu = await measureCpu(app, instances, config, schema, plan);
    } finally {
      await app.close();
      await removeTempDir(dir);
    }
  }
  if (!cpu) throw new Error(`no ${plan.cpuSizeKb} KB size in the plan`);
  return { sizes, cpu };
}

/** Writes the next content for `instance` (rendering a 5 MB config takes a while: not timed). */
function writeNext(instance: Instance, text: (seq: number) => string): void {
  writeFileSync(instance.file, text(++instance.seq));
}

/** Reloads the content written last and checks that it was applied; resolves with the wall time. */
async function reloadWritten(app: ReloaderApp, instance: Instance): Promise<number> {
  const service = app.service(instance.variant);
  const started = performance.now();
  await service.reloadConfig();
  const elapsed = performance.now() - started;
  if (!sameMarker(service.config, instance.seq)) {
    throw new Error(`${instance.variant}: the content written was not applied`);
  }
  return elapsed;
}

function reloadOnce(
  app: ReloaderApp,
  instance: Instance,
  text: (seq: number) => string,
): Promise<number> {
  writeNext(instance, text);
  return reloadWritten(app, instance);
}

/** Lets the loop go idle between measurements: the write's own work is over. */
const settle = () => sleep(5);

async function measureSize(
  app: ReloaderApp,
  instances: Instance[],
  config: SampleConfig,
  sizeKb: number,
  plan: Plan['stall'],
): Promise<StallSize> {
  const probe = new EventLoopGapProbe();
  const oneField = (seq: number) => renderConfig(config, seq);
  const rewrite = (seq: number) => renderRewrite(config, seq);
  const longest = { incremental: [] as number[], full: [] as number[] };
  const reload = { incremental: [] as number[], full: [] as number[] };
  const rewriteTimes = { incremental: [] as number[], full: [] as number[] };
  const baseline: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  // One variant after the other, each from a collected heap, so that neither is measured
  // collecting the other's garbage (the full path leaves much more); each pays for its own.
  for (const instance of sizeKb % 2 === 0 ? instances : [...instances].reverse()) {
    gc?.();
    await reloadOnce(app, instance, oneField); // warm-up
    for (let round = 0; round < plan.rounds(sizeKb); round++) {
      writeNext(instance, oneField);
      await settle();
      probe.start();
      reload[instance.variant].push(await reloadWritten(app, instance));
      longest[instance.variant].push(await probe.stop());
      await settle();
      probe.start();
      await sleep(Math.max(1, median(reload[instance.variant])));
      baseline.push(await probe.stop());
    }
  }
  for (let round = 0; round < plan.rewriteRounds(sizeKb); round++) {
    // Take turns going first, so that neither always pays for the other's garbage.
    for (const instance of round % 2 === 0 ? instances : [...instances].reverse()) {
      writeNext(instance, rewrite);
      await settle();
      rewriteTimes[instance.variant].push(await reloadWritten(app, instance));
      // Back to the one-field content, so that the next edit is a one-field edit again.
      await reloadOnce(app, instance, oneField);
    }
  }
  const bytes = Buffer.byteLength(oneField(1));
  return {
    sizeKb,
    bytes,
    strategies: config.strategies.length,
    longest: { incremental: summarize(longest.incremental), full: summarize(longest.full) },
    reload: { incremental: summarize(reload.incremental), full: summarize(reload.full) },
    baseline: summarize(baseline),
    rewrite: {
      incremental: summarize(rewriteTimes.incremental),
      full: summarize(rewriteTimes.full),
    },
  };
}

/** CPU time of one awaited call, ms: user + system over the process (the read's thread too). */
async function cpuOf(run: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function measureCpu(
  app: ReloaderApp,
  instances: Instance[],
  config: SampleConfig,
  schema: Record<string, unknown>,
  plan: Plan['stall'],
): Promise<StallCpu> {
  const bare = createBarePipeline(schema);
  const oneField = (seq: number) => renderConfig(config, seq);
  const samples = { incremental: [] as number[], full: [] as number[], bare: [] as number[] };
  const ratios: number[] = [];
  let sink = 0;
  const one = {
    incremental: () => reloadCpu(app, instances[0], oneField),
    full: () => reloadCpu(app, instances[1], oneField),
    bare: () =>
      cpuOf(async () => {
        const result = await bare(await readFile(instances[0].file, 'utf8'));
        sink += result.strategies.length;
      }),
  };
  const tasks = Object.keys(one) as Array<keyof typeof one>;
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < plan.cpuRounds; round++) {
    const medians: Partial<Record<keyof typeof one, number>> = {};
    // Each task in a batch of its own, from a collected heap, so that it pays for the garbage
    // collection of its own garbage only; the order rotates between rounds.
    for (const task of [...tasks.slice(round % 3), ...tasks.slice(0, round % 3)]) {
      gc?.();
      const batch: number[] = [];
      for (let i = 0; i < plan.cpuSamples; i++) batch.push(await one[task]());
      samples[task].push(...batch);
      medians[task] = median(batch);
    }
    ratios.push(medians.bare! / medians.incremental!);
  }
  if (sink < 0) console.log(sink);
  return {
    sizeKb: plan.cpuSizeKb,
    library: { incremental: summarize(samples.incremental), full: summarize(samples.full) },
    bare: summarize(samples.bare),
    bareOverIncremental: median(ratios),
  };
}

/** CPU of one one-field reload of `instance` (the write before it is not counted). */
function reloadCpu(
  app: ReloaderApp,
  instance: Instance,
  text: (seq: number) => string,
): Promise<number> {
  writeFileSync(instance.file, text(++instance.seq));
  return cpuOf(() => app.service(instance.variant).reloadConfig());
}
