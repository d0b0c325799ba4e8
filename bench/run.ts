import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { REPO_ROOT } from './fixtures.js';
import { describeMachine, describeRevision, formatMachine } from './machine.js';
import { buildFigures, renderTable } from './report.js';
import type { SectionMessage, SectionName, SectionResults } from './section.js';
import { latencyChart, pipelineChart } from './svg-chart.js';

/**
 * `npm run bench [-- --quick] [-- --only=read,storm]`: runs each benchmark in a process of its
 * own, prints the table of figures against their targets, and writes bench/results.json and
 * the charts. Exits 1 only when a benchmark could not complete (a MISS is a result, not an error).
 * `fleetCpu` (the fleet section's layer-by-layer CPU alone) runs only when `--only` names it.
 */
const SECTIONS: SectionName[] = [
  'read',
  'pipeline',
  'stall',
  'offThread',
  'footprint',
  'heapGrowth',
  'storm',
  'latency',
  'fleet',
  'fleetCpu',
  'variants',
  'metrics',
  'dashboard',
];
const BENCH_DIR = path.join(REPO_ROOT, 'bench');

interface SectionOutcome {
  message: SectionMessage;
  seconds: number;
  /** The process had to be stopped: something (a watcher, a timer) kept it alive. */
  hung: boolean;
}

function runSection(name: SectionName, quick: boolean): Promise<SectionOutcome> {
  const started = performance.now();
  const child = fork(
    fileURLToPath(new URL('./section.js', import.meta.url)),
    [name, ...(quick ? ['--quick'] : [])],
    { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  return new Promise((resolve) => {
    let message: SectionMessage | undefined;
    let hung = false;
    let exitTimer: NodeJS.Timeout | undefined;
    child.on('message', (received: SectionMessage) => {
      message = received;
      // Every app is closed by then: the process must be able to exit on its own.
      exitTimer = setTimeout(() => {
        hung = true;
        child.kill();
      }, 10_000);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(exitTimer);
      resolve({
        message: message ?? { ok: false, error: `exited (${signal ?? code}) without a result` },
        seconds: (performance.now() - started) / 1000,
        hung,
      });
    });
  });
}

async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  await writeFile(file, await prettier.format(text, { ...options, filepath: file }));
}

/**
 * tsc compiles lib/ as CommonJS (lib/package.json says so), but bench/dist/lib/ sits under the
 * root package.json, which says "module": mark it as the build does dist/, before any section
 * process loads it.
 */
function markLibAsCommonJs(): void {
  const lib = fileURLToPath(new URL('../lib/', import.meta.url));
  mkdirSync(lib, { recursive: true });
  writeFileSync(path.join(lib, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
}

async function main(): Promise<void> {
  markLibAsCommonJs();
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  // fleetCpu repeats a part of fleet: run only when asked for.
  const sections = SECTIONS.filter((name) => (only ? only.includes(name) : name !== 'fleetCpu'));
  const machine = describeMachine();
  const command = `npm run bench${quick ? ' -- --quick' : ''}`;
  console.log(`nestjs-config-reloader benchmarks (${quick ? 'quick' : 'full'} run)`);
  const revision = describeRevision(REPO_ROOT);
  console.log(`Machine: ${formatMachine(machine)}`);
  if (revision) console.log(`Revision: ${revision}`);
  console.log('');

  const started = performance.now();
  const results: Partial<SectionResults> = {};
  const errors: Partial<Record<SectionName, string>> = {};
  const seconds: Partial<Record<SectionName, number>> = {};
  for (const name of sections) {
    process.stdout.write(`  ${name} ... `);
    const outcome = await runSection(name, quick);
    seconds[name] = Number(outcome.seconds.toFixed(1));
    if (outcome.message.ok) {
      (results as Record<string, unknown>)[name] = outcome.message.result;
      if (outcome.hung) errors[name] = 'its process did not exit after closing every app';
      console.log(
        `${outcome.seconds.toFixed(1)} s${outcome.hung ? ' (process had to be stopped)' : ''}`,
      );
    } else {
      errors[name] = outcome.message.error ?? 'unknown error';
      console.log(`failed\n${errors[name]}`);
    }
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const loadAverageAtEnd = Number(os.loadavg()[0].toFixed(2));

  const figures = buildFigures(results, errors);
  const table = renderTable(figures);
  const passed = figures.filter((f) => f.result === 'PASS').length;
  const judged = figures.filter((f) => f.result !== 'ref').length;
  console.log(`\n${table}\n`);
  console.log(
    `${passed}/${judged} targets met; ${totalSeconds.toFixed(0)} s in the benchmarks; ` +
      `load average ${loadAverageAtEnd} at the end.`,
  );

  const subtitle = `${quick ? 'quick run, ' : ''}${machine.cores} cores, Node ${machine.node}; ${command}`;
  const written = ['bench/results.json'];
  if (results.latency) {
    await writeFile(path.join(BENCH_DIR, 'latency.svg'), latencyChart(results.latency, subtitle));
    written.push('bench/latency.svg');
  }
  if (results.pipeline) {
    await writeFile(
      path.join(BENCH_DIR, 'pipeline.svg'),
      pipelineChart(results.pipeline, subtitle),
    );
    written.push('bench/pipeline.svg');
  }
  await writeFormatted(
    path.join(BENCH_DIR, 'results.json'),
    JSON.stringify({
      mode: quick ? 'quick' : 'full',
      command,
      date: new Date().toISOString(),
      revision,
      machine,
      loadAverageAtEnd,
      seconds: { total: Number(totalSeconds.toFixed(1)), ...seconds },
      figures,
      results,
      errors,
    }),
  );
  console.log(`Wrote ${written.join(', ')}.`);
  if (Object.keys(errors).length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
