import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CONFIG_FILE_NAME,
  loadSampleConfig,
  makeTempDir,
  markerKey,
  removeTempDir,
  renderConfig,
  SAMPLE_SCHEMA_PATH,
  sameMarker,
  sleep,
} from './fixtures.js';
import { CountingConfig, createReloaderApp } from './nest-app.js';
import type { Plan } from './plan.js';
import { WriterClient } from './writer-client.js';

export interface StormTrial {
  /** How long the writer took for all its writes, ms. */
  writeMs: number;
  /** Configs applied ('config_reloaded' events) during the trial. */
  reloads: number;
  /** Reloads that ran the whole pipeline (read, parse, schema, DTO), applied or not. */
  validations: number;
  /** The last content written is the config in force, and was the last one announced. */
  applied: boolean;
  /** End of the last write to the arrival of its content, ms (undefined if it never arrived). */
  settleMs: number | undefined;
  failedEvents: number;
}

export interface StormResult {
  debounceMs: number;
  writes: number;
  trials: StormTrial[];
  appliedTrials: number;
  maxReloads: number;
  medianReloads: number;
  maxValidations: number;
  medianValidations: number;
  versionsWentDown: boolean;
}

/**
 * A write storm: a separate process rewrites the file in place (truncate + write) as fast as it
 * can, each time with new content; the app must end on the last content, with few reloads.
 */
export async function runStorm(plan: Plan['storm']): Promise<StormResult> {
  const writer = await WriterClient.start();
  const dir = await makeTempDir('storm');
  const file = path.join(dir, CONFIG_FILE_NAME);
  let seq = 1;
  await writeFile(file, renderConfig(loadSampleConfig(), seq));
  const app = await createReloaderApp([
    {
      configPath: file,
      schemaPath: SAMPLE_SCHEMA_PATH,
      debounceMs: plan.debounceMs,
      dto: CountingConfig,
    },
  ]);
  const trials: StormTrial[] = [];
  try {
    for (let trial = 0; trial < plan.trials; trial++) {
      const reloadedBefore = app.probe.reloaded;
      const failedBefore = app.probe.failed;
      const validationsBefore = CountingConfig.created;
      const fromSeq = seq + 1;
      seq += plan.writes;
      const arrived = app.probe.waitFor(seq, 15_000);
      const reply = await writer.request({
        op: 'storm',
        file,
        fromSeq,
        count: plan.writes,
        style: 'in-place',
      });
      const at = await arrived;
      // Stay a while: a late extra reload (or a stale content) would show up here.
      await sleep(plan.debounceMs + 400);
      trials.push({
        writeMs: reply.endedAt - reply.startedAt,
        reloads: app.probe.reloaded - reloadedBefore,
        validations: CountingConfig.created - validationsBefore,
        applied:
          at !== undefined &&
          sameMarker(app.service().config, seq) &&
          app.probe.lastSeq === markerKey(seq),
        settleMs: at === undefined ? undefined : at - reply.endedAt,
        failedEvents: app.probe.failed - failedBefore,
      });
    }
  } finally {
    await app.close();
    await writer.stop();
    await removeTempDir(dir);
  }
  const reloads = trials.map((trial) => trial.reloads).sort((a, b) => a - b);
  const validations = trials.map((trial) => trial.validations).sort((a, b) => a - b);
  return {
    debounceMs: plan.debounceMs,
    writes: plan.writes,
    trials,
    appliedTrials: trials.filter((trial) => trial.applied).length,
    maxReloads: Math.max(...reloads),
    medianReloads: reloads[Math.floor(reloads.length / 2)],
    maxValidations: Math.max(...validations),
    medianValidations: validations[Math.floor(validations.length / 2)],
    versionsWentDown: app.probe.versionsWentDown,
  };
}
