import { Etcd3 } from 'etcd3';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, configReloader, root, startCli } from '../../support/config-reloader-cli.js';
import { EtcdCluster, skipWithoutEtcd } from '../../support/etcd-cluster.js';

const sampleConfig = join(root, 'sample-app', 'config', 'trend_following.json');
const missing = skipWithoutEtcd('the etcd fail-over test of the CLI');

/** A frozen or partitioned member: the TCP connection opens, and nothing ever comes back. */
async function blackHole(): Promise<{ host: string; server: Server }> {
  const server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('the etcd commands when etcd cannot be reached', () => {
  let holes: { host: string; server: Server }[] = [];

  beforeAll(buildCli, 60_000);
  afterEach(async () => {
    await Promise.all(holes.map(({ server }) => new Promise((done) => server.close(done))));
    holes = [];
  });

  it('end with a clear error naming host and key, exit 7, when nothing listens', async () => {
    // Port 1 on loopback: the connection is refused at once.
    const flags = ['--etcd', 'http://127.0.0.1:1', '--key', '/bots/x'];
    for (const args of [
      ['publish', sampleConfig, ...flags],
      ['status', ...flags, '--json'],
    ]) {
      const result = await configReloader(...args);
      expect(result.code).toBe(7);
      expect(result.stdout).not.toContain('published');
      expect(result.stderr).toContain('cannot reach etcd at http://127.0.0.1:1 (key "/bots/x")');
      expect(result.elapsedMs).toBeLessThan(5000);
    }
  });

  it('give up within the dial timeout on a member that accepts and never answers', async () => {
    const hole = await blackHole();
    holes.push(hole);
    /** When the first line of stderr came, and when the process ended, from its spawn. */
    const timed = async (args: string[]) => {
      const run = startCli(args);
      const started = Date.now();
      let reportedAt = 0;
      run.child.stderr!.once('data', () => (reportedAt = Date.now()));
      const result = await run.result;
      return { result, reportedMs: reportedAt - started };
    };
    for (const command of [['publish', sampleConfig, '--wait'], ['status']]) {
      // The baseline, in the same run: the same command where the connection is refused at once
      // (starting Node and loading the CLI is most of it, and the shared machine sets its pace).
      const refused = await timed([...command, '--etcd', 'http://127.0.0.1:1', '--key', '/bots/x']);
      expect(refused.result.code).toBe(7);
      const flags = ['--etcd', hole.host, '--key', '/bots/x', '--dial-timeout', '1s'];
      const { result, reportedMs } = await timed([...command, ...flags]);
      expect(result.code).toBe(7);
      expect(result.stderr).toContain(`cannot reach etcd at ${hole.host} (key "/bots/x")`);
      expect(result.stderr).toContain('no answer within 1000 ms');
      // The error comes with the deadline (one, not one per retry); grpc-js keeps a closing
      // channel up to 1 s longer before the process ends.
      expect(reportedMs - refused.reportedMs).toBeLessThan(2 * 1000);
      expect(result.elapsedMs - refused.result.elapsedMs).toBeLessThan(1000 + 2000);
    }
  });

  describe.skipIf(missing !== undefined)('with two members down and one up', () => {
    let cluster: EtcdCluster | undefined;

    afterAll(async () => {
      await cluster?.stop();
    });

    it('fails over to the member that answers, within the dial timeout', async () => {
      cluster = await EtcdCluster.start(1);
      holes.push(await blackHole(), await blackHole());
      // etcd3 tries the hosts in random order: each step meets a dead one first 2 times in 3.
      const hosts = [...holes.map(({ host }) => host), cluster.hosts[0]].join(',');
      const flags = ['--etcd', hosts, '--key', '/bots/failover', '--dial-timeout', '2s'];
      const published = await configReloader('publish', sampleConfig, ...flags);
      expect(published.stderr).toBe('note: no --schema or --dto given: checked JSON syntax only\n');
      expect(published.code).toBe(0);
      const status = await configReloader('status', ...flags);
      expect(status.code).toBe(0);
      const client = new Etcd3({ hosts: cluster.hosts });
      try {
        const kv = (await client.get('/bots/failover').exec()).kvs[0]!;
        expect(status.stdout).toContain(`published at revision ${kv.mod_revision}`);
      } finally {
        client.close();
      }
    });
  });
});
