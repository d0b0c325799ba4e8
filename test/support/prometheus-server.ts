import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './etcd-cluster.js';
import { waitFor } from './wait-for.js';

/**
 * Why tests that need Prometheus (its server or promtool) cannot run here, or undefined when
 * they can. It says so loudly, naming `suite`, so that a run without Prometheus is never
 * mistaken for one that tested the alert rules; under CI=true the callers fail instead.
 */
export function skipWithoutPrometheus(suite: string): string | undefined {
  const absent = ['prometheus', 'promtool'].filter(
    (binary) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).status !== 0,
  );
  if (absent.length === 0) return undefined;
  const missing =
    `${absent.join(' and ')} not installed (Debian: apt-get install -y ` +
    '--no-install-recommends prometheus); .ci/run installs it';
  console.warn(`\n*** SKIPPING ${suite}: ${missing} ***\n`);
  return missing;
}

/** One series of an instant query's answer. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

/** A rule group as `/api/v1/rules` lists it. */
export interface LoadedRuleGroup {
  name: string;
  file: string;
  rules: { name: string; type: string; health: string }[];
}

interface ApiAnswer<T> {
  status: string;
  error?: string;
  data: T;
}

/**
 * A real Prometheus for tests: one scrape target, scraped and evaluated every second, on a free
 * loopback port with its storage in a temp directory; a process of the test, stopped by PID.
 */
export class PrometheusServer {
  private stderrTail = '';

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stderr?.setEncoding('utf8');
    // Prometheus logs to stderr: read it all (a full pipe would stall it), keep the end for errors.
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    child.once('error', (error) => (this.stderrTail += String(error)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts Prometheus scraping `target` (`host:port`, path /metrics) with `ruleFiles` loaded. */
  static async start({
    target,
    ruleFiles = [],
    timeoutMs = 15_000,
  }: {
    target: string;
    ruleFiles?: string[];
    timeoutMs?: number;
  }): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'prometheus-test-'));
    const configFile = join(dir, 'prometheus.yml');
    // JSON is YAML: no YAML writer needed.
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: [{ job_name: 'target', static_configs: [{ targets: [target] }] }],
    };
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null || child.pid === undefined) {
            throw new Error(`prometheus did not run (${child.exitCode}): ${server.stderrTail}`);
          }
          return (await fetch(`${server.url}/-/ready`).catch(() => undefined))?.ok;
        },
        { timeoutMs, intervalMs: 100, description: 'prometheus to be ready' },
      );
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** The instant vector `expr` evaluates to now. */
  async query(expr: string): Promise<Sample[]> {
    const result = await this.api<{ resultType: string; result: unknown }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (result.resultType !== 'vector') {
      throw new Error(`${expr} is a ${result.resultType}, not an instant vector`);
    }
    return (result.result as { metric: Record<string, string>; value: [number, string] }[]).map(
      ({ metric, value }) => ({ metric, value: Number(value[1]) }),
    );
  }

  /** Polls `expr` until `predicate` holds for its answer, which it returns; throws after `timeoutMs`. */
  async waitFor(
    expr: string,
    predicate: (samples: Sample[]) => boolean,
    // The first scrape waits for the scrape manager's first reload, about 5 s after start.
    timeoutMs = 20_000,
  ): Promise<Sample[]> {
    let last: Sample[] = [];
    try {
      await waitFor(async () => predicate((last = await this.query(expr))), {
        timeoutMs,
        intervalMs: 200,
        description: `prometheus to answer ${expr} as expected`,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; last answer: ${JSON.stringify(last)}`);
    }
    return last;
  }

  /** The rule groups Prometheus has loaded. */
  async ruleGroups(): Promise<LoadedRuleGroup[]> {
    return (await this.api<{ groups: LoadedRuleGroup[] }>('/api/v1/rules')).groups;
  }

  /** Stops the process by PID (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  async stop(): Promise<void> {
    const child = this.child;
    const running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
    if (running) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== 'success') throw new Error(`${path}: ${answer.error ?? response.status}`);
    return answer.data;
  }
}
