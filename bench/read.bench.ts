import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Bench, type FnReturnedObject } from 'tinybench';
import type { ConfigReloaderService } from '../lib/index.js';
import type { TrendFollowingConfig } from '../sample-app/src/config/trend-following.config.js';
import {
  CONFIG_FILE_NAME,
  loadSampleConfig,
  makeTempDir,
  removeTempDir,
  renderConfig,
  SAMPLE_SCHEMA_PATH,
} from './fixtures.js';
import { createReloaderApp } from './nest-app.js';
import type { Plan } from './plan.js';
import { median } from './stats.js';
import { samplesOf } from './tinybench-samples.js';

export interface ReadResult {
  /** ns per read, median over all batches. */
  serviceNs: number;
  plainNs: number;
  configServiceNs: number;
  /** The loop, the reader call and the store alone, ns per read (included in every figure above). */
  harnessNs: number;
  /** Median over rounds of the per-round ratios. */
  serviceVsPlain: number;
  configServiceVsService: number;
  batch: number;
  batches: number;
}

const PATH = 'strategies.3.risk.stopLoss';

type PlainConfig = { strategies: Array<{ risk: { stopLoss: number } }> };

const pair = <R>(make: () => R): [R, R] => [make(), make()];

/** One sample: the mean time per read in the batch; the batch's whole time counts against the budget. */
const perRead = (elapsed: number, batch: number): FnReturnedObject => ({
  overriddenDuration: elapsed / batch,
  overriddenIterationCost: elapsed,
});

// One reader class per source, so that each call site sees one shape only.
class HarnessReader {
  constructor(private readonly value: number) {}
  read(): number {
    return this.value;
  }
}

class PlainReader {
  constructor(private readonly source: PlainConfig) {}
  read(): number {
    return this.source.strategies[3].risk.stopLoss;
  }
}

class ServiceReader {
  constructor(private readonly source: ConfigReloaderService<TrendFollowingConfig>) {}
  read(): number {
    return this.source.config.strategies[3].risk.stopLoss;
  }
}

class ConfigServiceReader {
  constructor(private readonly source: ConfigService) {}
  read(): number {
    return this.source.get<number>(PATH)!;
  }
}

/**
 * Steady-state read cost of `service.config.strategies[3].risk.stopLoss`, against the same read
 * on a plain parsed object and against @nestjs/config's `ConfigService.get(path)`, in one app.
 * Each sample is a batch of reads; every value read is stored into a typed array (summed at the
 * end), which the compiler can neither drop nor hoist out of the loop.
 */
export async function runRead(plan: Plan['read']): Promise<ReadResult> {
  const sample = loadSampleConfig();
  const text = renderConfig(sample, 1);
  const dir = await makeTempDir('read');
  const file = path.join(dir, CONFIG_FILE_NAME);
  await writeFile(file, text);
  const app = await createReloaderApp(
    [{ configPath: file, schemaPath: SAMPLE_SCHEMA_PATH, autoReload: false }],
    [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => JSON.parse(text) as object] })],
  );
  try {
    const service = app.service();
    const configService = app.app.get(ConfigService);
    const plain = JSON.parse(text) as PlainConfig;
    const expected = plain.strategies[3].risk.stopLoss;
    if (
      service.config.strategies[3].risk.stopLoss !== expected ||
      configService.get<number>(PATH) !== expected
    ) {
      throw new Error('the three reads disagree');
    }

    const { batch } = plan;
    const slowBatch = batch / 10;
    const out = new Float64Array(16);
    // Each read goes through a reader object, as a provider holding an injected reference would,
    // and two readers alternate: the compiler cannot treat the source as a constant and fold
    // the read away, yet it still has to do every load of the path. Each task has a loop of its
    // own (closures of one function literal would share type feedback and turn megamorphic).
    const harness = pair(() => new HarnessReader(expected));
    const plainReaders = pair(() => new PlainReader(plain));
    const serviceReaders = pair(() => new ServiceReader(service));
    const configServiceReaders = pair(() => new ConfigServiceReader(configService));
    const tasks: Record<string, () => FnReturnedObject> = {
      harness: () => {
        const start = performance.now();
        for (let i = 0; i < batch; i++) out[i & 15] = harness[i & 1].read();
        return perRead(performance.now() - start, batch);
      },
      plain: () => {
        const start = performance.now();
        for (let i = 0; i < batch; i++) out[i & 15] = plainReaders[i & 1].read();
        return perRead(performance.now() - start, batch);
      },
      service: () => {
        const start = performance.now();
        for (let i = 0; i < batch; i++) out[i & 15] = serviceReaders[i & 1].read();
        return perRead(performance.now() - start, batch);
      },
      // About a hundred times slower per read: a tenth of the batch is still far above the timer's grain.
      configService: () => {
        const start = performance.now();
        for (let i = 0; i < slowBatch; i++) out[i & 15] = configServiceReaders[i & 1].read();
        return perRead(performance.now() - start, slowBatch);
      },
    };
    const names = Object.keys(tasks);

    const perTask: Record<string, number[]> = {};
    const serviceVsPlain: number[] = [];
    const configServiceVsService: number[] = [];
    let checksum = 0;
    for (let round = 0; round < plan.rounds; round++) {
      const bench = new Bench({ time: 0, iterations: plan.iterations, retainSamples: true });
      // A different order each round, so that no task always runs first (or last).
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) bench.add(name, tasks[name], { async: false });
      await bench.run();
      const medians: Record<string, number> = {};
      for (const name of names) {
        const samples = samplesOf(bench, name).map((ms) => ms * 1e6);
        (perTask[name] ??= []).push(...samples);
        medians[name] = median(samples);
      }
      serviceVsPlain.push(medians.service / medians.plain);
      configServiceVsService.push(medians.configService / medians.service);
      for (const value of out) checksum += value;
    }
    if (!Number.isFinite(checksum)) throw new Error('reads returned a non-number');
    return {
      serviceNs: median(perTask.service),
      plainNs: median(perTask.plain),
      configServiceNs: median(perTask.configService),
      harnessNs: median(perTask.harness),
      serviceVsPlain: median(serviceVsPlain),
      configServiceVsService: median(configServiceVsService),
      batch,
      batches: perTask.service.length,
    };
  } finally {
    await app.close();
    await removeTempDir(dir);
  }
}
