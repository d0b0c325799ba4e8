import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './wait-until.js';

/**
 * One etcd member of its own on free loopback ports, its data in a temporary directory: the
 * walkthrough never touches an etcd you run. Needs the `etcd` binary (Debian: etcd-server).
 */
export class LocalEtcd {
  private constructor(
    readonly clientUrl: string,
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {}

  static async start(): Promise<LocalEtcd> {
    if (spawnSync('etcd', ['--version']).error) {
      throw new Error(
        'the fleet needs etcd on the PATH (Debian: apt-get install etcd-server); nothing was started',
      );
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'sample-fleet-etcd-'));
    const clientUrl = `http://127.0.0.1:${await freePort()}`;
    const peerUrl = `http://127.0.0.1:${await freePort()}`;
    const child = spawn(
      'etcd',
      [
        '--name=fleet',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=fleet=${peerUrl}`,
        '--log-level=error',
        '--logger=zap',
      ],
      // Its log is kept, not shown: only a member that does not start has something to say.
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4000)));
    const etcd = new LocalEtcd(clientUrl, child, dataDir);
    try {
      await waitUntil('etcd to answer its health check', 15_000, async () => {
        if (child.exitCode !== null)
          throw new Error(`etcd exited with code ${child.exitCode}:\n${log}`);
        const response = await fetch(`${clientUrl}/health`).catch(() => undefined);
        return response?.ok === true;
      });
    } catch (error) {
      await etcd.stop();
      throw error;
    }
    return etcd;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
