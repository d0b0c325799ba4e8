import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

/** Where etcd is, or why it is not there. Tests against a real etcd use it to skip loudly. */
export function findEtcd(): { binary: string } | { missing: string } {
  const found = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return { binary: 'etcd' };
  return {
    missing:
      'etcd is not installed (Debian: apt-get install -y --no-install-recommends etcd-server); ' +
      '.ci/run installs it',
  };
}

/**
 * Why tests against a real etcd cannot run here, or undefined when they can. When etcd is
 * missing it says so loudly, naming `suite`, so that a run without etcd is never mistaken for a
 * run that tested it (in CI, test/etcd-cluster.test.ts then fails the run).
 */
export function skipWithoutEtcd(suite: string): string | undefined {
  const etcd = findEtcd();
  if (!('missing' in etcd)) return undefined;
  console.warn(`\n*** SKIPPING ${suite}: ${etcd.missing} ***\n`);
  return etcd.missing;
}

/** A free TCP port on the loopback address, as the kernel hands one out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One etcd member, started by hand on loopback ports with its own data directory. */
export class EtcdMember {
  private process: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    private readonly args: string[],
  ) {}

  get pid(): number | undefined {
    return this.process?.pid;
  }

  start(): void {
    const child = spawn('etcd', this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume(); // etcd logs to stderr; never let a full pipe stall it
    this.process = child;
  }

  /** Resolves once the member answers its health endpoint. */
  async ready(timeoutMs = 15_000): Promise<void> {
    await waitFor(
      async () => {
        const response = await fetch(`${this.clientUrl}/health`).catch(() => undefined);
        return response?.ok && ((await response.json()) as { health?: string }).health === 'true';
      },
      { timeoutMs, intervalMs: 50, description: `etcd member ${this.name} to be healthy` },
    );
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT'); // a frozen member must be able to die
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP: the member keeps its sockets but answers nothing, like a partitioned host. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }
}

/**
 * A real etcd cluster of `size` members on free loopback ports, in a temp directory, for
 * tests. There is no service manager here: members are processes of the test, stopped by PID.
 */
export class EtcdCluster {
  private constructor(
    readonly members: EtcdMember[],
    private readonly dataRoot: string,
  ) {}

  /** Client URLs of every member, as `etcd3`'s `hosts` takes them. */
  get hosts(): string[] {
    return this.members.map((member) => member.clientUrl);
  }

  static async start(size = 1): Promise<EtcdCluster> {
    const dataRoot = await mkdtemp(join(tmpdir(), 'etcd-test-'));
    const token = `test-${randomBytes(4).toString('hex')}`;
    const ports: { client: number; peer: number }[] = [];
    for (let index = 0; index < size; index++) {
      ports.push({ client: await freePort(), peer: await freePort() });
    }
    const peerUrl = (index: number) => `http://127.0.0.1:${ports[index]!.peer}`;
    const initialCluster = ports.map((_, index) => `m${index}=${peerUrl(index)}`).join(',');
    const members = ports.map(({ client }, index) => {
      const clientUrl = `http://127.0.0.1:${client}`;
      return new EtcdMember(`m${index}`, clientUrl, [
        `--name=m${index}`,
        `--data-dir=${join(dataRoot, `m${index}`)}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl(index)}`,
        `--initial-advertise-peer-urls=${peerUrl(index)}`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-token=${token}`,
        '--initial-cluster-state=new',
        '--logger=zap',
        '--log-level=error',
      ]);
    });
    const cluster = new EtcdCluster(members, dataRoot);
    try {
      for (const member of members) member.start();
      await Promise.all(members.map((member) => member.ready()));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Kills every member and removes the data. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((member) => member.kill()));
    await rm(this.dataRoot, { recursive: true, force: true });
  }
}
