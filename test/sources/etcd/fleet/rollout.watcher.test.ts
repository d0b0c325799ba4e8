import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForRollout } from '../../../../lib/sources/etcd/fleet/rollout.watcher.js';
import { EtcdCluster, skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { SimulatedInstance } from '../../../support/simulated-instance.js';
import { waitFor } from '../../../support/wait-for.js';

const missing = skipWithoutEtcd('the rollout watcher tests against etcd');

// SimulatedInstance stands in for running instances of the module (see its comment).
describe('waitForRollout', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;
    let instances: SimulatedInstance[] = [];
    let n = 0;
    let key: string;

    beforeAll(async () => {
      cluster = await EtcdCluster.start(1);
      client = new Etcd3({ hosts: cluster.hosts });
    });

    beforeEach(async () => {
      key = `/bots/rollout-${n++}`;
      await client.put(key).value('{"v":1}');
    });

    afterEach(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      instances = [];
    });

    afterAll(async () => {
      client?.close();
      await cluster?.stop();
    });

    const publish = async (text: string) =>
      (await client.put(key).value(text).exec()).header.revision;
    const start = async (id: string, silent = false) => {
      const instance = await SimulatedInstance.start(cluster.hosts, key, id, () =>
        silent ? { state: 'silent' } : { state: 'applied' },
      );
      instances.push(instance);
      return instance;
    };

    it('no longer waits for an instance that left the fleet (its record went with its lease)', async () => {
      await start('bot-1');
      const leaving = await start('bot-2', true);
      const revision = await publish('{"v":2}');
      const wait = waitForRollout(client, key, revision, { timeoutMs: 15_000, deadlineMs: 2000 });
      await waitFor(() => instances[0]!.reports.at(-1)?.revision === revision, {
        description: 'bot-1 to apply',
      });
      await leaving.stop();
      instances.splice(1, 1);
      const result = await wait;
      expect(result).toMatchObject({ complete: true, timedOut: false, disconnected: false });
      expect(result.applied.map((status) => status.instanceId)).toEqual(['bot-1']);
    });

    it('counts an instance that starts during the wait, on the revision it loads', async () => {
      let held: { revision: string; text: string } | undefined;
      const holding = await SimulatedInstance.start(
        cluster.hosts,
        key,
        'bot-1',
        (text, revision) => {
          held = { revision, text };
          return { state: 'staged' };
        },
      );
      instances.push(holding);
      const revision = await publish('{"v":2}');
      const progress: string[][] = [];
      const wait = waitForRollout(client, key, revision, {
        timeoutMs: 15_000,
        deadlineMs: 2000,
        onProgress: (now) => progress.push(now.applied.map((status) => status.instanceId)),
      });
      await waitFor(() => held !== undefined, { description: 'bot-1 to stage the change' });
      await start('late-bot'); // reads the key, so it applies the published revision at once
      await waitFor(() => progress.some((applied) => applied.includes('late-bot')), {
        description: 'the wait to see late-bot',
      });
      await holding.release(held!.revision, held!.text);
      const result = await wait;
      expect(result.complete).toBe(true);
      expect(result.applied.map((status) => status.instanceId)).toEqual(['bot-1', 'late-bot']);
    });

    it('ends on the timeout and names those behind', async () => {
      await start('stuck-bot', true);
      const revision = await publish('{"v":2}');
      const result = await waitForRollout(client, key, revision, {
        timeoutMs: 500,
        deadlineMs: 2000,
      });
      expect(result).toMatchObject({ complete: false, settled: false, timedOut: true });
      expect(result.behind.map((status) => status.instanceId)).toEqual(['stuck-bot']);
    });
  });
});
