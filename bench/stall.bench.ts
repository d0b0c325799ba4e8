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
  /** Longest turn over a window as long as a reload, with no reload: the machine's own noise. */
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

async function reloadOnce(
  app: ReloaderApp,
  instance: Instance,
  text: (seq: number) => string,
): Promise<number> {
  const service = app.service(instance.variant);
  writeFileSync(instance.file, text(++instance.seq));
  const started = performance.now();
  await service.reloadConfig();
  const elapsed = performance.now() - started;
  if (!sameMarker(service.config, instance.seq)) {
    throw new Error(`${instance.variant}: the content written was not applied`);
  }
  return elapsed;
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
  for (const instance of instances) await reloadOnce(app, instance, oneField); // warm-up
  for (let round = 0; round < plan.rounds(sizeKb); round++) {
    // Take turns going first, so that neither always pays for the other's garbage.
    const order = round % 2 === 0 ? instances : [...instances].reverse();
    for (const instance of order) {
      await settle();
      probe.start();
      reload[instance.variant].push(await reloadOnce(app, instance, oneField));
      longest[instance.variant].push(await probe.stop());
    }
    await settle();
    probe.start();
    await sleep(Math.max(1, median(reload.incremental)));
    baseline.push(await probe.stop());
    if (round < plan.rewriteRounds(sizeKb)) {
      for (const instance of order) {
        await settle();
        rewriteTimes[instance.variant].push(await reloadOnce(app, instance, rewrite));
        // Back to the one-field content, so that the next edit is a one-field edit again.
        await reloadOnce(app, instance, oneField);
      }
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
  const library = { incremental: [] as number[], full: [] as number[] };
  const floor: number[] = [];
  const ratios: number[] = [];
  let sink = 0;
  for (let round = 0; round < plan.cpuRounds; round++) {
    const roundLibrary: number[] = [];
    const roundFloor: number[] = [];
    for (let i = 0; i < plan.cpuSamples; i++) {
      for (const instance of instances) {
        const service = app.service(instance.variant);
        writeFileSync(instance.file, oneField(++instance.seq));
        const used = await cpuOf(() => service.reloadConfig());
        library[instance.variant].push(used);
        if (instance.variant === 'incremental') roundLibrary.push(used);
      }
      const file = instances[0].file;
      const used = await cpuOf(async () => {
        const result = await bare(await readFile(file, 'utf8'));
        sink += result.strategies.length;
      });
      floor.push(used);
      roundFloor.push(used);
    }
    ratios.push(median(roundFloor) / median(roundLibrary));
  }
  if (sink < 0) console.log(sink);
  return {
    sizeKb: plan.cpuSizeKb,
    library: { incremental: summarize(library.incremental), full: summarize(library.full) },
    bare: summarize(floor),
    bareOverIncremental: median(ratios),
  };
}
