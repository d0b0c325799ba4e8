import 'reflect-metadata';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { plainToInstance } from 'class-transformer';
import { TrendFollowingConfig } from '../sample-app/src/config/trend-following.config.js';
import {
  collectGarbage,
  CONFIG_FILE_NAME,
  loadSampleConfig,
  type SampleConfig,
  makeTempDir,
  removeTempDir,
  renderConfig,
  SAMPLE_SCHEMA_PATH,
  sameMarker,
} from './fixtures.js';
import { createReloaderApp } from './nest-app.js';
import type { Plan } from './plan.js';

export interface FootprintResult {
  instances: number;
  /** Heap of one config as the app reads it (one DTO instance), bytes: subtracted below. */
  configBytes: number;
  /** Per watching instance, beyond the config itself, bytes. */
  heapPerInstance: number;
  rssPerInstance: number;
  watching: number;
}

export interface HeapGrowthResult {
  /** Heap after GC, bytes, after the first `firstReloads` reloads and after `totalReloads`. */
  heapAfterFirst: number;
  heapAfterAll: number;
  heapGrowth: number;
  rssGrowth: number;
  firstReloads: number;
  totalReloads: number;
  /** Heap after GC every tenth of the run: [reloads, bytes]. */
  heapTrend: Array<[number, number]>;
}

function memory(): { heap: number; rss: number } {
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

/** Writes one sample config per instance, each in a directory of its own. */
async function prepareFiles(root: string, count: number, sample: SampleConfig): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `bot-${i}`);
    await mkdir(dir);
    files.push(path.join(dir, CONFIG_FILE_NAME));
    await writeFile(files[i], renderConfig(sample, i + 1));
  }
  return files;
}

/** Loads every code path once, so that the measurements see only per-instance data. */
async function warmUp(file: string): Promise<void> {
  const warmup = await createReloaderApp([
    { name: 'warmup', configPath: file, schemaPath: SAMPLE_SCHEMA_PATH },
  ]);
  await warmup.close();
}

/**
 * 100 instances, each watching its own file, in one app: heap and RSS per instance after GC,
 * beyond the config itself. Runs in a fresh process (RSS never shrinks), under --expose-gc.
 */
export async function runFootprint(plan: Plan['footprint']): Promise<FootprintResult> {
  const sample = loadSampleConfig();
  const root = await makeTempDir('footprint');
  try {
    const files = await prepareFiles(root, plan.instances, sample);
    const texts = await Promise.all(files.map((file) => readFile(file, 'utf8')));
    await warmUp(files[0]);

    // The config itself: what `service.config` is, one DTO instance.
    await collectGarbage();
    const beforeConfigs = memory();
    // Ten copies of each, so that the figure stands well above the heap's measuring noise.
    const copies = 10;
    let configs: TrendFollowingConfig[] | undefined = Array.from(
      { length: copies * texts.length },
      (_, i) =>
        plainToInstance(TrendFollowingConfig, JSON.parse(texts[i % texts.length]) as object),
    );
    await collectGarbage();
    const configBytes = (memory().heap - beforeConfigs.heap) / configs.length;
    // Used after the measurement, so that the copies are certainly alive during it.
    if (configs.some((config) => config.strategies.length === 0)) throw new Error('empty config');
    configs = undefined;

    await collectGarbage();
    const before = memory();
    const many = await createReloaderApp(
      files.map((configPath, i) => ({
        name: `bot-${i}`,
        configPath,
        schemaPath: SAMPLE_SCHEMA_PATH,
        debounceMs: 100,
      })),
    );
    let watching = 0;
    let heapPerInstance: number;
    let rssPerInstance: number;
    try {
      for (let i = 0; i < plan.instances; i++) {
        if (many.service(`bot-${i}`).isWatching) watching++;
      }
      await collectGarbage();
      const after = memory();
      heapPerInstance = (after.heap - before.heap) / plan.instances - configBytes;
      rssPerInstance = (after.rss - before.rss) / plan.instances - configBytes;
    } finally {
      await many.close();
    }

    return {
      instances: plan.instances,
      configBytes,
      heapPerInstance,
      rssPerInstance,
      watching,
    };
  } finally {
    await removeTempDir(root);
  }
}

/**
 * Heap after GC across many reloads of one instance (write a new content, `reloadConfig()`,
 * with a listener and an @OnEvent handler): after the first 100 against after all of them.
 */
export async function runHeapGrowth(plan: Plan['footprint']): Promise<HeapGrowthResult> {
  const sample = loadSampleConfig();
  const root = await makeTempDir('heap-growth');
  try {
    const [file] = await prepareFiles(root, 1, sample);
    await warmUp(file);

    // Many reloads of one instance: write a new content, reload, repeat (events and listeners on).
    const single = await createReloaderApp([
      { configPath: file, schemaPath: SAMPLE_SCHEMA_PATH, autoReload: false },
    ]);
    let heapAfterFirst = 0;
    let rssAfterFirst = 0;
    let heapAfterAll = 0;
    let rssAfterAll = 0;
    const heapTrend: Array<[number, number]> = [];
    const step = plan.totalReloads / 10;
    try {
      const service = single.service();
      let received = 0;
      const unsubscribe = service.onReload(() => {
        received++;
      });
      for (let reload = 1; reload <= plan.totalReloads; reload++) {
        const seq = 1000 + reload;
        await writeFile(file, renderConfig(sample, seq));
        await service.reloadConfig();
        if (!sameMarker(service.config, seq)) throw new Error(`reload ${reload} not applied`);
        if (reload === plan.firstReloads) {
          await collectGarbage();
          ({ heap: heapAfterFirst, rss: rssAfterFirst } = memory());
        }
        if (reload % step === 0) {
          await collectGarbage();
          heapTrend.push([reload, memory().heap]);
        }
      }
      await collectGarbage();
      ({ heap: heapAfterAll, rss: rssAfterAll } = memory());
      unsubscribe();
      if (received !== plan.totalReloads) {
        throw new Error(`${received} notifications for ${plan.totalReloads} reloads`);
      }
    } finally {
      await single.close();
    }

    return {
      heapAfterFirst,
      heapAfterAll,
      heapGrowth: heapAfterAll - heapAfterFirst,
      rssGrowth: rssAfterAll - rssAfterFirst,
      firstReloads: plan.firstReloads,
      totalReloads: plan.totalReloads,
      heapTrend,
    };
  } finally {
    await removeTempDir(root);
  }
}
