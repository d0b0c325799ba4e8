import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdCluster, skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { nextValue, waitFor } from '../../support/wait-for.js';

const missing = skipWithoutEtcd('the tests against a real etcd');

describe('the test etcd cluster', () => {
  it('is there when CI runs', () => {
    // In CI a missing etcd is a broken set-up, not a reason to skip.
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against real members', () => {
    let cluster: EtcdCluster | undefined;
    let client: Etcd3 | undefined;

    afterEach(async () => {
      client?.close();
      client = undefined;
      await cluster?.stop();
      cluster = undefined;
    });

    it('starts a member that stores a key and streams its changes with their revision', async () => {
      cluster = await EtcdCluster.start(1);
      client = new Etcd3({ hosts: cluster.hosts });
      await client.put('/bots/trend').value('{"revision":1}');
      expect(await client.get('/bots/trend').string()).toBe('{"revision":1}');

      const watcher = await client.watch().key('/bots/trend').create();
      try {
        const event = nextValue<{ value: string; modRevision: string }>((callback) => {
          const onPut = (kv: { value: Buffer; mod_revision: string }) =>
            callback({ value: kv.value.toString(), modRevision: kv.mod_revision });
          watcher.on('put', onPut);
          return () => watcher.off('put', onPut);
        });
        await client.put('/bots/trend').value('{"revision":2}');
        const seen = await event;
        expect(seen.value).toBe('{"revision":2}');
        expect(Number(seen.modRevision)).toBeGreaterThan(0);
      } finally {
        await watcher.cancel();
      }
    });

    it('forms a three-member cluster that keeps serving when one member dies', async () => {
      cluster = await EtcdCluster.start(3);
      const [first, second, third] = cluster.members;
      client = new Etcd3({ hosts: [third!.clientUrl] });
      const writer = new Etcd3({ hosts: [first!.clientUrl] });
      await writer.put('/k').value('from m0');
      writer.close();
      expect(await client.get('/k').string()).toBe('from m0');

      const pid = second!.pid!;
      await second!.kill();
      expect(() => process.kill(pid, 0)).toThrow(); // stopped by PID, gone
      await waitFor(
        async () =>
          await client!
            .put('/k')
            .value('after m1 died')
            .then(() => true),
        {
          timeoutMs: 15_000,
          description: 'a write with two of three members',
        },
      );
      expect(await client.get('/k').string()).toBe('after m1 died');
    });
  });
});
