import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { prometheusMetrics } from '../lib/metrics/prometheus/index.js';
import {
  CONFIG_FILE_NAME,
  loadSampleConfig,
  makeTempDir,
  removeTempDir,
  renderConfig,
} from './fixtures.js';
import { createReloaderApp } from './nest-app.js';
import type { Plan } from './plan.js';
import { median, summarize, type Summary } from './stats.js';

export interface MetricsResult {
  /** CPU per manual reload of the sample config, ms, without metrics and with Prometheus. */
  plain: Summary;
  prometheus: Summary;
  /** Median over rounds of (Prometheus / plain), each round's medians; the two run in turn. */
  prometheusOverPlain: number;
  /** Wall time of one `registry.metrics()` of a registry holding one instance, ms. */
  scrape: Summary;
}

/**
 * What the Prometheus adapter costs: CPU per reload with it and without, in one process and in
 * turn (same file, same content sizes), and the time of one scrape of one instance.
 */
export async function runMetrics(plan: Plan['metrics']): Promise<MetricsResult> {
  const dir = await makeTempDir('metrics');
  const config = loadSampleConfig();
  const registry = new Registry();
  const variants = ['plain', 'prometheus'] as const;
  const files = Object.fromEntries(
    variants.map((name) => [name, path.join(dir, `${name}-${CONFIG_FILE_NAME}`)]),
  ) as Record<(typeof variants)[number], string>;
  for (const name of variants) writeFileSync(files[name], renderConfig(config, 0));
  const app = await createReloaderApp([
    { name: 'plain', configPath: files.plain, autoReload: false },
    {
      name: 'prometheus',
      configPath: files.prometheus,
      autoReload: false,
      metrics: prometheusMetrics({ registry }),
    },
  ]);
  try {
    let seq = 0;
    const reloadCpu = async (name: (typeof variants)[number]) => {
      writeFileSync(files[name], renderConfig(config, ++seq));
      const before = process.cpuUsage();
      await app.service(name).reloadConfig();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000;
    };
    const samples = { plain: [] as number[], prometheus: [] as number[] };
    const ratios: number[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let round = 0; round < plan.rounds; round++) {
      const medians = { plain: 0, prometheus: 0 };
      // Each in a batch of its own from a collected heap; the order alternates between rounds.
      for (const name of round % 2 === 0 ? variants : [...variants].reverse()) {
        gc?.();
        const batch: number[] = [];
        for (let i = 0; i < plan.reloadsPerRound; i++) batch.push(await reloadCpu(name));
        samples[name].push(...batch);
        medians[name] = median(batch);
      }
      ratios.push(medians.prometheus / medians.plain);
    }
    const scrapes: number[] = [];
    for (let i = 0; i < plan.scrapes; i++) {
      const started = performance.now();
      await registry.metrics();
      scrapes.push(performance.now() - started);
    }
    return {
      plain: summarize(samples.plain),
      prometheus: summarize(samples.prometheus),
      prometheusOverPlain: median(ratios),
      scrape: summarize(scrapes.slice(plan.warmupScrapes)),
    };
  } finally {
    await app.close();
    await removeTempDir(dir);
  }
}
