import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Bench } from 'tinybench';
import { createBarePipeline } from './bare-pipeline.js';
import {
  CONFIG_FILE_NAME,
  generateConfig,
  loadUncappedSchema,
  makeTempDir,
  removeTempDir,
  renderConfig,
  sameMarker,
} from './fixtures.js';
import { createReloaderApp } from './nest-app.js';
import type { Plan } from './plan.js';
import { median, scalingExponent, summarize, type Summary } from './stats.js';
import { samplesOf } from './tinybench-samples.js';

export interface PipelineSize {
  /** Nominal size, KB (1 KB = 1024 bytes). */
  sizeKb: number;
  bytes: number;
  strategies: number;
  /** One `reloadConfig()` of a changed file, ms. */
  library: Summary;
  /** The bare pipeline on the same text, ms. */
  floor: Summary;
  /** Median over rounds of (library median / floor median) within the round. */
  ratio: number;
  libraryUsPerKb: number;
  floorUsPerKb: number;
}

export interface PipelineResult {
  sizes: PipelineSize[];
  /** Slope of log(cost) against log(size) from 50 KB up: 1 is linear. */
  libraryExponent: number;
  floorExponent: number;
}

/**
 * Cost of one reload with JSON Schema + DTO validation, by config size: `reloadConfig()` on a
 * file whose content changed (written before each call, outside the timing), against the bare
 * pipeline on the same text. The two run in short rounds, taking turns to go first, and the
 * ratio is taken within each round, so that drift and garbage collection hit both alike.
 */
export async function runPipeline(plan: Plan['pipeline']): Promise<PipelineResult> {
  const schema = loadUncappedSchema();
  const pipeline = createBarePipeline(schema);
  const sizes: PipelineSize[] = [];
  let sink = 0;

  for (const sizeKb of plan.sizesKb) {
    const config = generateConfig(sizeKb * 1024);
    // Two contents that differ in one number: each reload sees a new hash and applies it.
    const texts = [renderConfig(config, 1), renderConfig(config, 2)];
    const bytes = Buffer.byteLength(texts[0]);
    const dir = await makeTempDir(`pipeline-${sizeKb}`);
    const file = path.join(dir, CONFIG_FILE_NAME);
    writeFileSync(file, texts[0]);
    const app = await createReloaderApp([{ configPath: file, schema, autoReload: false }]);
    const service = app.service();
    const library: number[] = [];
    const floor: number[] = [];
    const ratios: number[] = [];
    let libraryTurn = 0;
    let floorTurn = 0;
    let skipped = 0;
    try {
      for (let round = 0; round < plan.rounds(sizeKb); round++) {
        const iterations = plan.iterations(sizeKb);
        const bench = new Bench({
          iterations,
          time: 0,
          // Large configs in a quick run: no warmup (each call takes about a second).
          warmup: round === 0 && !(plan.quick && sizeKb >= 5000),
          warmupIterations: Math.max(1, Math.ceil(iterations / 5)),
          warmupTime: 0,
          retainSamples: true,
          throws: true,
        });
        // Alternate which goes first, so that neither always pays for the other's garbage.
        const addLibrary = () =>
          bench.add(
            'library',
            async () => {
              const before = service.version;
              await service.reloadConfig();
              if (service.version === before) skipped++;
              sink += service.config.strategies.length;
            },
            {
              async: true,
              beforeEach: () => writeFileSync(file, texts[++libraryTurn % 2]),
            },
          );
        const addFloor = () =>
          bench.add(
            'floor',
            async () => {
              const result = await pipeline(texts[++floorTurn % 2]);
              sink += result.strategies.length;
            },
            { async: true },
          );
        if (round % 2 === 0) {
          addLibrary();
          addFloor();
        } else {
          addFloor();
          addLibrary();
        }
        await bench.run();
        const libraryRound = samplesOf(bench, 'library');
        const floorRound = samplesOf(bench, 'floor');
        library.push(...libraryRound);
        floor.push(...floorRound);
        ratios.push(median(libraryRound) / median(floorRound));
      }
      if (skipped > 0) throw new Error(`${skipped} reloads found no change at ${sizeKb} KB`);
      if (!sameMarker(service.config, libraryTurn % 2 === 0 ? 1 : 2)) {
        throw new Error(`the last content written was not applied at ${sizeKb} KB`);
      }
    } finally {
      await app.close();
      await removeTempDir(dir);
    }
    const librarySummary = summarize(library);
    const floorSummary = summarize(floor);
    sizes.push({
      sizeKb,
      bytes,
      strategies: config.strategies.length,
      library: librarySummary,
      floor: floorSummary,
      ratio: median(ratios),
      libraryUsPerKb: (librarySummary.median * 1000) / (bytes / 1024),
      floorUsPerKb: (floorSummary.median * 1000) / (bytes / 1024),
    });
  }
  if (sink < 0) console.log(sink);
  const from50 = sizes.filter((size) => size.sizeKb >= 50);
  return {
    sizes,
    libraryExponent: scalingExponent(from50.map((s) => ({ x: s.bytes, y: s.library.median }))),
    floorExponent: scalingExponent(from50.map((s) => ({ x: s.bytes, y: s.floor.median }))),
  };
}
