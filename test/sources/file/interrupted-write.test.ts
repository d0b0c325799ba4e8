import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from '../../support/build-once.js';
import { CapturingLogger } from '../../support/capturing-logger.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const rollbackLoop = join(root, 'test', 'fixtures', 'rollback-loop.mjs');

const CONTENT_A = { version: 'A', limits: { maxOrders: 10, maxExposure: 0.25 } };
const CONTENT_B = { version: 'B', limits: { maxOrders: 20, maxExposure: 0.5 } };
const KILLS = 30;

/** A child process with what it printed so far and how it ended. */
interface Child {
  process: ChildProcess;
  stdout: string;
  stderr: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

function start(args: string[]): Child {
  const child: Child = {
    process: spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }),
    stdout: '',
    stderr: '',
    exit: undefined,
  };
  child.process.stdout!.on('data', (chunk: Buffer) => void (child.stdout += chunk.toString()));
  child.process.stderr!.on('data', (chunk: Buffer) => void (child.stderr += chunk.toString()));
  child.process.on('exit', (code, signal) => void (child.exit = { code, signal }));
  return child;
}

/** The file as JSON; a torn write (half of one version, a mix of two) fails here. */
function parseWhole(text: string, kill: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`config file is not whole JSON after kill ${kill}: ${JSON.stringify(text)}`);
  }
}

async function exited(child: Child): Promise<NonNullable<Child['exit']>> {
  return waitFor(() => child.exit, { timeoutMs: 30_000, description: 'the child to exit' });
}

describe('a write interrupted by a crash', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<Record<string, unknown>> | undefined;
  let child: Child | undefined;

  afterEach(async () => {
    if (child && !child.exit) {
      child.process.kill('SIGKILL');
      await exited(child);
    }
    child = undefined;
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  describe('a process killed again and again while it rolls back', () => {
    beforeAll(async () => {
      // The child runs the library as shipped: compiled.
      await buildOnce('library');
    }, 120_000);

    it('never leaves a torn file, and the next start removes the temp files it left', async () => {
      dir = await ConfigDir.create(CONTENT_A);
      const debrisSeen = new Set<string>();
      let mostAtOnce = 0;
      for (let kill = 1; kill <= KILLS; kill++) {
        // Every run starts from A, writes B, then alternates between them.
        await dir.write(CONTENT_A);
        child = start([rollbackLoop, dir.file, JSON.stringify(CONTENT_B, null, 2)]);
        const running = child;
        await waitFor(() => running.stdout.includes('ready') || running.exit, {
          timeoutMs: 60_000,
          description: `child ${kill} to start rolling back`,
        });
        expect(running.exit, `child ${kill} ended on its own: ${running.stderr}`).toBeUndefined();
        await sleep(5 + Math.floor(Math.random() * 56));
        running.process.kill('SIGKILL');
        const { signal } = await exited(running);
        expect(signal, `child ${kill} ended before the kill: ${running.stderr}`).toBe('SIGKILL');

        const text = await readFile(dir.file, 'utf8');
        expect([CONTENT_A, CONTENT_B], `content after kill ${kill}`).toContainEqual(
          parseWhole(text, kill),
        );
        const debris = (await readdir(dir.dir)).filter((name) => name !== 'config.json');
        for (const name of debris) debrisSeen.add(name);
        mostAtOnce = Math.max(mostAtOnce, debris.length);
      }
      child = undefined;

      harness = await bootReloader({ configPath: dir.file, autoReload: false });
      expect([CONTENT_A, CONTENT_B]).toContainEqual(harness.service.config);
      expect(
        await readdir(dir.dir),
        `${debrisSeen.size} temp file(s) seen during ${KILLS} kills: ${[...debrisSeen].join(', ')}`,
      ).toEqual(['config.json']);
      // Each start cleaned up after the run before it: debris never piled up.
      expect(mostAtOnce, 'temp files beside the config at one time').toBeLessThanOrEqual(1);
    }, 600_000);
  });

  it('removes only the temp files of this config whose writer is dead', async () => {
    const finished = start(['-e', '']);
    await exited(finished);
    const deadPid = finished.process.pid!;
    dir = await ConfigDir.create(CONTENT_A);
    const dead = `.config.json.config-reloader-${deadPid}-0123456789ab.tmp`;
    const alive = `.config.json.config-reloader-${process.pid}-0123456789ab.tmp`;
    // Our own pid on a file older than this process: a previous run that had the same pid
    // (in a container the app is pid 1 after every restart).
    const ownPidEarlierRun = `.config.json.config-reloader-${process.pid}-ba9876543210.tmp`;
    const otherConfig = `.other.json.config-reloader-${deadPid}-0123456789ab.tmp`;
    const backup = 'config.json.20261201';
    for (const name of [dead, alive, ownPidEarlierRun, otherConfig, backup]) {
      await writeFile(join(dir.dir, name), JSON.stringify(CONTENT_B));
    }
    const beforeThisProcess = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    await utimes(join(dir.dir, ownPidEarlierRun), beforeThisProcess, beforeThisProcess);

    const logger = new CapturingLogger();
    harness = await bootReloader({ configPath: dir.file, autoReload: false }, { logger });

    expect(harness.service.config).toEqual(CONTENT_A);
    expect((await readdir(dir.dir)).sort()).toEqual(
      [alive, otherConfig, 'config.json', backup].sort(),
    );
    const warnings = logger.lines.filter(
      (line) => line.level === 'warn' && line.text.includes('temp file'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.text).toContain(
      `removed 2 temp file(s) that an interrupted write left beside ${dir.file}`,
    );
  });
});
