import 'reflect-metadata';
import { runFleet, runFleetCpu } from './fleet.bench.js';
import { runFootprint, runHeapGrowth } from './footprint.bench.js';
import { runLatency } from './latency.bench.js';
import { runDashboard } from './dashboard.bench.js';
import { runMetrics } from './metrics.bench.js';
import { runOffThread } from './off-thread.bench.js';
import { runPipeline } from './pipeline.bench.js';
import { makePlan } from './plan.js';
import { runRead } from './read.bench.js';
import { runStall } from './stall.bench.js';
import { runStorm } from './storm.bench.js';
import { variantsPlan } from './variants-plan.js';
import { runVariants } from './variants.bench.js';

/** One benchmark in a process of its own (fresh heap and JIT); the result goes back over IPC. */
const sections = {
  latency: (quick: boolean) => runLatency(makePlan(quick).latency),
  pipeline: (quick: boolean) => runPipeline(makePlan(quick).pipeline),
  stall: (quick: boolean) => runStall(makePlan(quick).stall),
  offThread: (quick: boolean) => runOffThread(makePlan(quick).offThread),
  read: (quick: boolean) => runRead(makePlan(quick).read),
  storm: (quick: boolean) => runStorm(makePlan(quick).storm),
  footprint: (quick: boolean) => runFootprint(makePlan(quick).footprint),
  heapGrowth: (quick: boolean) => runHeapGrowth(makePlan(quick).footprint),
  fleet: (quick: boolean) => runFleet(makePlan(quick).fleet),
  fleetCpu: (quick: boolean) => runFleetCpu(makePlan(quick).fleet),
  variants: (quick: boolean) => runVariants(variantsPlan(quick)),
  metrics: (quick: boolean) => runMetrics(makePlan(quick).metrics),
  dashboard: (quick: boolean) => runDashboard(makePlan(quick).dashboard),
};

export type SectionName = keyof typeof sections;
export type SectionResults = {
  [K in SectionName]: Awaited<ReturnType<(typeof sections)[K]>>;
};

export interface SectionMessage {
  ok: boolean;
  result?: unknown;
  error?: string;
}

async function main(): Promise<void> {
  const name = process.argv[2] as SectionName;
  const quick = process.argv.includes('--quick');
  const run = sections[name];
  if (!run) throw new Error(`unknown section "${name}"`);
  const result = await run(quick);
  await send({ ok: true, result });
}

function send(message: SectionMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message, null, 2));
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}

// Only when started as a section process (run.ts imports the types and names above).
if (process.argv[1]?.endsWith('section.js') && process.argv[2]) {
  main()
    .catch(async (error: unknown) => {
      await send({
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      process.exitCode = 1;
    })
    .finally(() => process.disconnect?.());
}
