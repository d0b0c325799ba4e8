import type { Bench } from 'tinybench';

/** The retained latency samples (ms) of one task; throws with the task's error if it failed. */
export function samplesOf(bench: Bench, name: string): number[] {
  const task = bench.getTask(name);
  if (!task) throw new Error(`no task "${name}"`);
  const result = task.result;
  if (result.state === 'errored') throw result.error;
  if (result.state !== 'completed' && result.state !== 'aborted-with-statistics') {
    throw new Error(`task "${name}" ended in state ${result.state}`);
  }
  return [...(result.latency.samples ?? [])];
}
