import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './fixtures.js';
import type { VariantsContext } from './variants-plan.js';
import { summarizeTimes, type LatencySummary, type VariantsFleet } from './variants-fleet.js';

/** The built CLI, as an operator runs it (`npm run build` writes it). */
export const CLI_PATH = path.join(REPO_ROOT, 'dist/cli/main.js');

export interface CliSeries {
  /** Process start to exit, ms. */
  latency: Omit<LatencySummary, 'missed'>;
  /** Exit codes other than 0, with the first one's output (for the report when it failed). */
  failures: number;
  firstFailure?: string;
}

export interface TrialResult {
  instances: number;
  /** `publish <file> --dry-run --wait`: the trial, to its verdict. */
  trial: CliSeries;
  /** How many instances the trial waited for (from its output), per run: the fleet. */
  askedMin: number;
  /** `status`: one read of the fleet, the same process start. */
  status: CliSeries;
}

interface CliRun {
  ms: number;
  code: number | null;
  output: string;
}

/** A generous timeout: a slow trial is a figure, not a failure. */
const TRIAL_TIMEOUT = '30s';

export function checkCliBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${path.relative(REPO_ROOT, CLI_PATH)} is missing: run npm run build first`);
  }
}

/**
 * A trial across the fleet as an operator runs it: `config-reloader publish <file> --dry-run
 * --wait`, from the command's start to its exit, which is its verdict. Against `status`, the
 * same CLI's one read of the fleet, run in turns with it, so the difference is the trial's
 * own cost (its lease and record, every instance judging the candidate and writing its answer,
 * the wait for all of them) and not Node's start.
 */
export async function measureTrial(
  context: VariantsContext,
  fleet: VariantsFleet,
  hosts: string[],
): Promise<TrialResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-variants-'));
  try {
    const file = path.join(dir, 'candidate.json');
    await writeFile(file, context.render(context.next()));
    const etcd = ['--etcd', hosts.join(','), '--key', fleet.key];
    const publish = ['publish', file, '--dry-run', '--wait', '--timeout', TRIAL_TIMEOUT, ...etcd];
    const trials: CliRun[] = [];
    const statuses: CliRun[] = [];
    for (let round = 0; round < context.plan.trialRounds; round++) {
      // Take turns as to which goes first, so neither always follows the other's leftovers.
      for (const which of round % 2 === 0 ? ['trial', 'status'] : ['status', 'trial']) {
        await fleet.quiet();
        if (which === 'trial') trials.push(await runCli(publish));
        else statuses.push(await runCli(['status', ...etcd]));
      }
    }
    const asked = trials.map((run) => /for (\d+) matching/.exec(run.output)?.[1]);
    return {
      instances: fleet.instances,
      trial: series(trials),
      askedMin: Math.min(...asked.map((count) => Number(count ?? 0))),
      status: series(statuses),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function series(runs: CliRun[]): CliSeries {
  const failed = runs.filter((run) => run.code !== 0);
  return {
    latency: summarizeTimes(runs.map((run) => run.ms)),
    failures: failed.length,
    ...(failed[0]
      ? { firstFailure: `exit ${failed[0].code}: ${failed[0].output.slice(-400)}` }
      : {}),
  };
}

function runCli(args: string[]): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ ms: performance.now() - started, code, output }));
  });
}
