import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createBarePipeline } from './bare-pipeline.js';
import {
  CONFIG_FILE_NAME,
  loadSampleConfig,
  loadSampleSchema,
  makeTempDir,
  removeTempDir,
  renderConfig,
  SAMPLE_SCHEMA_PATH,
  sameMarker,
  sleep,
  type WriteStyle,
} from './fixtures.js';
import { FloorWatcher } from './floor-watcher.js';
import { createReloaderApp, type ReloaderApp } from './nest-app.js';
import type { Plan } from './plan.js';
import { summarize, type Summary } from './stats.js';
import { WriterClient } from './writer-client.js';

export interface LatencySeries {
  /** 'library': the module in a Nest app; 'floor': raw fs.watch + bare pipeline. */
  kind: 'library' | 'floor';
  debounceMs: number;
  style: WriteStyle;
  /** Write start (in the writer process) to arrival (in the app), ms. */
  samples: number[];
  latency: Summary;
  /** How long the write itself took, ms. */
  write: Summary;
  /** Writes whose content never arrived within the timeout. */
  lost: number;
}

export interface ChunkedResult {
  debounceMs: number;
  chunks: number;
  gapMs: number;
  trials: number;
  /** Trials whose final content was applied (and is the config in force). */
  applied: number;
  /** Duration of the slow write, ms (median). */
  writeMs: number;
  /** End of the write to arrival of the final content, ms (median). */
  afterWriteMs: number;
  /** Reloads that applied something else than the final content (a torn write): must be 0. */
  otherApplies: number;
  /** 'config_reload_failed' events raised during the slow writes. */
  failedEvents: number;
}

export interface LatencyResult {
  series: LatencySeries[];
  chunked: ChunkedResult[];
  /** Clock offset between writer and app processes, ms (applied to every sample). */
  clockOffsetMs: number;
}

type Arrival = (seq: number, timeoutMs: number) => Promise<number | undefined>;

/** One stream of timed writes: the library or the floor, for one write style, on its own file. */
interface Target {
  kind: 'library' | 'floor';
  style: WriteStyle;
  file: string;
  arrival: Arrival;
  samples: number[];
  writes: number[];
  lost: number;
}

const STYLES: WriteStyle[] = ['in-place', 'atomic'];

/**
 * Detection latency end to end: a separate writer process writes the sample config (a new
 * marker value each time), and the time until an `@OnEvent('config_reloaded')` handler in a Nest
 * app receives it is recorded. Each write style has an app (and file) of its own. For debounce 0
 * the floor (raw fs.watch + bare pipeline) runs interleaved with the library, write for write,
 * so both see the same machine. For long debounce windows the two styles run at the same time,
 * half a cycle apart: their idle waits overlap, their work does not.
 */
export async function runLatency(plan: Plan['latency']): Promise<LatencyResult> {
  const writer = await WriterClient.start();
  const sample = loadSampleConfig();
  const pipeline = createBarePipeline(loadSampleSchema());
  const series: LatencySeries[] = [];
  const chunked: ChunkedResult[] = [];
  let seq = 0;

  const measure = async (target: Target, timeoutMs: number, record: boolean) => {
    const current = ++seq;
    const arrived = target.arrival(current, timeoutMs);
    const reply = await writer.request({
      op: 'write',
      file: target.file,
      seq: current,
      style: target.style,
    });
    const at = await arrived;
    // Let the reloader's follow-up check (its settle window) pass before the next write.
    await sleep(plan.gapMs + Math.random() * 20);
    if (!record) return;
    target.writes.push(reply.endedAt - reply.startedAt);
    if (at === undefined) target.lost++;
    else target.samples.push(at - reply.startedAt);
  };

  try {
    for (const debounceMs of plan.debounces) {
      const timeoutMs = debounceMs + 5000;
      const dirs: string[] = [];
      const closers: Array<() => unknown> = [];
      const targets: Target[] = [];
      const apps = new Map<WriteStyle, ReloaderApp>();
      const newFile = async (label: string) => {
        const dir = await makeTempDir(`${label}-${debounceMs}`);
        dirs.push(dir);
        const file = path.join(dir, CONFIG_FILE_NAME);
        await writeFile(file, renderConfig(sample, ++seq));
        return { dir, file };
      };
      const target = (kind: Target['kind'], style: WriteStyle, file: string, arrival: Arrival) =>
        targets.push({ kind, style, file, arrival, samples: [], writes: [], lost: 0 });

      try {
        for (const style of STYLES) {
          const { file } = await newFile(`latency-${style}`);
          const app = await createReloaderApp([
            { configPath: file, schemaPath: SAMPLE_SCHEMA_PATH, debounceMs },
          ]);
          closers.push(() => app.close());
          apps.set(style, app);
          target('library', style, file, (s, t) => app.probe.waitFor(s, t));
          if (debounceMs === 0) {
            const { dir, file: floorFile } = await newFile(`floor-${style}`);
            const floor = new FloorWatcher(dir, floorFile, pipeline);
            closers.push(() => floor.close());
            target('floor', style, floorFile, (s, t) => floor.waitFor(s, t));
          }
        }

        for (let i = 0; i < plan.warmupWrites(debounceMs); i++) {
          for (const t of targets) await measure(t, timeoutMs, false);
        }
        const writes = plan.writesPerStyle(debounceMs);
        if (debounceMs >= plan.concurrentFromMs) {
          const lane = async (style: WriteStyle) => {
            for (let i = 0; i < writes; i++) {
              for (const t of targets) if (t.style === style) await measure(t, timeoutMs, true);
            }
          };
          const stagger = (debounceMs + plan.gapMs) / 2;
          await Promise.all(STYLES.map((style, k) => sleep(k * stagger).then(() => lane(style))));
        } else {
          // Interleaved: style by style, library and floor write for write.
          for (let i = 0; i < writes; i++) {
            for (const t of targets) await measure(t, timeoutMs, true);
          }
        }
        for (const t of targets) {
          series.push({
            kind: t.kind,
            debounceMs,
            style: t.style,
            samples: t.samples.map((value) => Number(value.toFixed(3))),
            latency: summarize(t.samples),
            write: summarize(t.writes),
            lost: t.lost,
          });
        }

        chunked.push(await runChunked(apps.get('in-place')!, targets[0].file, debounceMs));
      } finally {
        for (const close of closers.reverse()) await close();
        for (const dir of dirs) await removeTempDir(dir);
      }
    }
    return { series, chunked, clockOffsetMs: writer.clockOffsetMs };
  } finally {
    await writer.stop();
  }

  /**
   * A slow chunked write whose pauses each outlast the debounce window, so that reloads run
   * while the file is half-written: the torn content must be refused and the final one applied.
   */
  async function runChunked(
    app: ReloaderApp,
    file: string,
    debounceMs: number,
  ): Promise<ChunkedResult> {
    const gapMs = debounceMs + 20;
    const trials = plan.chunkedTrials(debounceMs);
    const writeMs: number[] = [];
    const afterWriteMs: number[] = [];
    let applied = 0;
    let otherApplies = 0;
    const failedBefore = app.probe.failed;
    for (let trial = 0; trial < trials; trial++) {
      const current = ++seq;
      const reloadedBefore = app.probe.reloaded;
      const arrived = app.probe.waitFor(current, plan.chunks * gapMs + debounceMs + 5000);
      const reply = await writer.request({
        op: 'chunked',
        file,
        seq: current,
        chunks: plan.chunks,
        gapMs,
      });
      const at = await arrived;
      await sleep(Math.max(debounceMs, 50) + 150);
      writeMs.push(reply.endedAt - reply.startedAt);
      if (at !== undefined) afterWriteMs.push(at - reply.endedAt);
      if (at !== undefined && sameMarker(app.service().config, current)) applied++;
      otherApplies += app.probe.reloaded - reloadedBefore - (at === undefined ? 0 : 1);
    }
    return {
      debounceMs,
      chunks: plan.chunks,
      gapMs,
      trials,
      applied,
      writeMs: summarize(writeMs).median,
      afterWriteMs: summarize(afterWriteMs).median,
      otherApplies,
      failedEvents: app.probe.failed - failedBefore,
    };
  }
}
