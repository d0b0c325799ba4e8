import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryCliPerSuite } from '../../support/canary-cli.js';
import { configReloader, root, startCli } from '../../support/config-reloader-cli.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';

const missing = skipWithoutEtcd('the canary race tests against etcd');
const BASE = { symbol: 'ANY', risk: { stopLoss: 0.02 } };
/** Loaded into the CLI: another writer changes RACE_KEY just before the CLI's transaction. */
const race = join(root, 'test', 'fixtures', 'race-next-transaction.cjs');

describe('config-reloader canary: another writer between the read and the write', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const suite = canaryCliPerSuite(BASE);
    const racing = (key: string, value: unknown) => ({
      preload: [race],
      env: { RACE_ETCD: suite.hosts.join(','), RACE_KEY: key, RACE_VALUE: JSON.stringify(value) },
    });

    it('publish --canary creates no canary when the key moves after the diff (exit 4)', async () => {
      const moved = { ...BASE, symbol: 'MOVED' };
      const file = await suite.file({ ...BASE, symbol: 'BTC' });
      const result = await startCli(
        ['publish', file, ...suite.etcdFlags(), '--canary', '10%'],
        racing(suite.key, moved),
      ).result;
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`"${suite.key}" changed`);
      expect(await suite.canary()).toBeUndefined();
      const stored = await suite.client.get(suite.key).string();
      expect(JSON.parse(stored!)).toEqual(moved); // the other writer's value, untouched
    });

    it('canary set changes nothing when the record changed meanwhile (exit 4)', async () => {
      const running = await suite.putCanary({ id: 'c-running', match: { percent: 10 } });
      const rewritten = { ...running, match: { percent: 20 } };
      const result = await startCli(
        ['canary', 'set', '50%', ...suite.etcdFlags()],
        racing(suite.canaryKey(), rewritten),
      ).result;
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('setting its selector');
      expect(await suite.canary()).toEqual(rewritten);
    });

    it('rollback is refused while a canary is in progress (exit 8), and allowed once it ended', async () => {
      await suite.client.put(suite.key).value(JSON.stringify({ ...BASE, symbol: 'ETH' }));
      await suite.putCanary({ id: 'c-running' });
      const revision = await suite.keyRevision();
      const refused = await configReloader('rollback', ...suite.etcdFlags());
      expect(refused.code).toBe(8);
      expect(refused.stderr).toContain(`a canary is in progress on "${suite.key}" (c-running)`);
      expect(await suite.keyRevision()).toBe(revision);

      const dryRun = await configReloader('rollback', ...suite.etcdFlags(), '--dry-run');
      expect(dryRun.code).toBe(0); // writes nothing, so it may look

      await suite.client.delete().key(suite.canaryKey());
      const allowed = await configReloader('rollback', ...suite.etcdFlags());
      expect(allowed.code).toBe(0);
      expect(JSON.parse((await suite.client.get(suite.key).string())!)).toEqual(BASE);
    });
  });
});
