import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup: a fresh directory per run, in which buildOnce (build-once.ts) records
 * which builds were claimed and how they ended. Nothing is built here, so a run of a few unit
 * tests builds nothing. In watch mode every rerun gets a new directory: the sources may have
 * changed since the last build.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dirs: string[] = [];
  const fresh = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-reloader-build-once-'));
    dirs.push(dir);
    project.provide('buildOnceDir', dir);
  };
  await fresh();
  project.onTestsRerun(fresh);
  return async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  };
}
