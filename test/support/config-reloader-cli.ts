import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from './build-once.js';
import { EtcdCluster } from './etcd-cluster.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');

/**
 * Builds dist/ as shipped, once per test run: the etcd commands are tested compiled, as a user
 * runs them.
 */
export async function buildCli(): Promise<void> {
  await buildOnce('library');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** Settles when the process has exited, with everything it printed. */
  result: Promise<CliResult>;
  /** What it printed on stdout so far. */
  stdout(): string;
  /** What it printed on stderr so far. */
  stderr(): string;
}

/**
 * Starts the built CLI; `preload` files are loaded first with --require (test hooks such as a
 * race on the next transaction). The process is killed after `killAfterMs`, so a hang fails the
 * test instead of stalling it.
 */
export function startCli(
  args: string[],
  {
    preload = [],
    env = {},
    killAfterMs = 60_000,
  }: { preload?: string[]; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {},
): RunningCli {
  const started = Date.now();
  const requires = preload.flatMap((file) => ['--require', file]);
  const child = spawn(process.execPath, [...requires, cli, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
  return { child, result, stdout: () => stdout, stderr: () => stderr };
}

/** Runs the built CLI to the end; never throws on a non-zero exit. */
export function configReloader(...args: string[]): Promise<CliResult> {
  return startCli(args).result;
}

/**
 * One etcd member and the built CLI, made side by side. When either fails the other is not left
 * behind: a member started while the build failed would otherwise outlive the suite (the suite's
 * afterAll never learns of it).
 */
export async function etcdMemberAndCli(): Promise<EtcdCluster> {
  const [cluster, built] = await Promise.allSettled([EtcdCluster.start(1), buildCli()]);
  if (cluster.status === 'rejected') throw cluster.reason;
  if (built.status === 'rejected') {
    await cluster.value.stop();
    throw built.reason;
  }
  return cluster.value;
}
