import { Etcd3 } from 'etcd3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instanceStatusKey } from '../../lib/sources/etcd/fleet/instance-status.js';
import { ConfigDir } from '../support/config-dir.js';
import { etcdMemberAndCli, startCli } from '../support/config-reloader-cli.js';
import { type EtcdCluster, skipWithoutEtcd } from '../support/etcd-cluster.js';
import { SimulatedInstance, type Decision } from '../support/simulated-instance.js';
import { waitFor } from '../support/wait-for.js';

const missing = skipWithoutEtcd('the publish --wait tests against etcd');

// No --schema or --dto here: publish says so on stderr, and nothing else.
const syntaxOnly = 'note: no --schema or --dto given: checked JSON syntax only';

const accept = (): Decision => ({ state: 'applied' });
const veto: Decision = {
  state: 'rejected',
  error: { code: 'CONFIG_REJECTED', message: 'rejected by beforeApply: 3 open positions' },
};

// The instances here are SimulatedInstance: in-test etcd clients that stand in for running
// instances of the module and follow its fleet status protocol (leased records, the change's
// mod_revision, applied / staged / rejected).
describe('config-reloader publish --wait', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;
    let dir: ConfigDir;
    let instances: SimulatedInstance[] = [];
    let n = 0;
    let key: string;
    let file: string;

    beforeAll(async () => {
      cluster = await etcdMemberAndCli();
      client = new Etcd3({ hosts: cluster.hosts });
      dir = await ConfigDir.create({ risk: { stopLoss: 0.02 } });
      file = join(dir.dir, 'next.json');
      await writeFile(file, JSON.stringify({ risk: { stopLoss: 0.03 } }));
    }, 60_000);

    beforeEach(async () => {
      key = `/bots/wait-${n++}`;
      await client.put(key).value(JSON.stringify({ risk: { stopLoss: 0.02 } }));
    });

    afterEach(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      instances = [];
    });

    afterAll(async () => {
      client?.close();
      await cluster?.stop();
      await dir?.dispose();
    });

    const fleet = async (...decisions: ((text: string, revision: string) => Decision)[]) => {
      instances = await Promise.all(
        decisions.map((decide, index) =>
          SimulatedInstance.start(cluster.hosts, key, `bot-${index + 1}`, decide),
        ),
      );
    };
    const publish = (...flags: string[]) =>
      startCli([
        'publish',
        file,
        '--etcd',
        cluster.hosts.join(','),
        '--key',
        key,
        '--wait',
        ...flags,
      ]);
    const published = async () => (await client.get(key).exec()).kvs[0]!.mod_revision;

    it('exits 0 once every live instance applied the published revision', async () => {
      await fleet(accept, accept);
      const result = await publish('--timeout', '15s').result;
      const revision = await published();
      expect(result.stderr).toBe(`${syntaxOnly}\n`);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `rolled out: all 2 live instance(s) applied revision ${revision}`,
      );
      for (const instance of instances) {
        expect(instance.reports.at(-1)).toMatchObject({ state: 'applied', revision });
      }
    });

    it('names the instance that rejected it, with its error, as soon as the others decided (exit 5)', async () => {
      await fleet(accept, () => veto);
      const result = await publish('--timeout', '15s').result;
      const revision = await published();
      expect(result.code).toBe(5);
      expect(result.stderr).toContain(
        `not rolled out: revision ${revision} rejected by 1 of 2 live instance(s)`,
      );
      expect(result.stderr).toMatch(
        /rejected bot-2 on \S+: CONFIG_REJECTED: rejected by beforeApply: 3 open positions \(keeps version 1\)/,
      );
      expect(result.stderr).not.toContain('bot-1');
      expect(result.elapsedMs).toBeLessThan(10_000); // did not wait out the timeout
    });

    it('names an instance that never answers as behind when the timeout ends (exit 6)', async () => {
      await fleet(accept, () => ({ state: 'silent' }));
      const before = instances[1]!.reports.at(-1)!.revision;
      const result = await publish('--timeout', '2s').result;
      expect(result.code).toBe(6);
      expect(result.stderr).toContain('not applied yet by 1 of 2 live instance(s)');
      expect(result.stderr).toMatch(
        new RegExp(`behind +bot-2 on \\S+: applied at revision ${before} \\(version 1`),
      );
      expect(result.elapsedMs).toBeGreaterThanOrEqual(2000);
    });

    it('waits for the silent one after a rejection, then names both (exit 5)', async () => {
      await fleet(
        () => veto,
        () => ({ state: 'silent' }),
      );
      const result = await publish('--timeout', '2s').result;
      expect(result.code).toBe(5);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(2000);
      expect(result.stderr).toContain('rejected by 1, not applied yet by 1 of 2 live instance(s)');
      expect(result.stderr).toMatch(/rejected bot-1 on \S+: CONFIG_REJECTED/);
      expect(result.stderr).toMatch(/behind +bot-2 on /);
    });

    it('counts a staged (held) instance as behind until it applies', async () => {
      let staged: { revision: string; text: string } | undefined;
      await fleet(accept, (text, revision) => {
        staged = { revision, text };
        return { state: 'staged' };
      });
      const run = publish('--timeout', '15s');
      // The two decide independently: wait until the CLI has printed both, in whatever order.
      await waitFor(
        () => /staged +bot-2/.test(run.stdout()) && /applied +bot-1/.test(run.stdout()),
        {
          timeoutMs: 10_000,
          description: 'the CLI to see bot-1 apply and bot-2 stage the change',
        },
      );
      expect(run.child.exitCode).toBeNull(); // still waiting for bot-2
      await instances[1]!.release(staged!.revision, staged!.text);
      const result = await run.result;
      expect(result.code).toBe(0);
      // Still waiting when bot-2 applied: a CLI that counted "staged" as done would have
      // ended before the release, and never seen it.
      expect(result.stdout).toMatch(/staged +bot-2[^]*applied +bot-2[^]*rolled out: all 2/);
    });

    it('prints a forged record on one line, escaped, and exits as the real instances decide', async () => {
      // Any instance may write under <key>/instances/: one forges a row and wrong types, one a
      // revision that is not a number.
      const forged = {
        instanceId: 'bot-x\u001b[2J\r\n  applied  bot-y on host-9 (revision 1)',
        hostname: { not: 'a string' },
        pid: 'one',
        name: ['default'],
        version: 7,
        revision: '999999999',
        hash: 7,
        state: 'applied',
        error: 'not an object',
        updatedAt: { at: 'noon' },
      };
      const unplaceable = {
        ...forged,
        instanceId: 'bot-z',
        hostname: 'host-z',
        revision: 'latest',
      };
      await client.put(instanceStatusKey(key, 'bot-x')).value(JSON.stringify(forged));
      await client.put(instanceStatusKey(key, 'bot-z')).value(JSON.stringify(unplaceable));
      try {
        await fleet(accept, () => veto);
        const result = await publish('--timeout', '15s').result;
        expect(result.code).toBe(5);
        expect(result.stderr).toMatch(
          /rejected bot-2 on \S+: CONFIG_REJECTED: rejected by beforeApply/,
        );
        const lines = result.stdout.split('\n').filter((line) => line.includes('bot-x'));
        expect(lines).toEqual([
          '  applied  bot-x\\u001b[2J / applied  bot-y on host-9 (revision 1) on ? (revision 999999999)',
        ]);
        expect(result.stdout).not.toMatch(/^ +applied +bot-y/m);
        expect(result.stdout + result.stderr).not.toContain('bot-z');
        expect(result.stdout + result.stderr).not.toContain('\u001b');
        expect(result.stdout + result.stderr).not.toContain('\r');
        expect(result.stderr).toContain('rejected by 1 of 3 live instance(s)');
      } finally {
        await client.delete().prefix(`${key}/instances/`);
      }
    });

    it('has nothing to wait for without live instances, and says so', async () => {
      const result = await publish('--timeout', '5s').result;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`no live instance reports under "${key}/instances/"`);
    });
  });
});
