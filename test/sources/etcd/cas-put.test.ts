import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casPut } from '../../../lib/sources/etcd/cas-put.js';
import { readConfigKey } from '../../../lib/sources/etcd/config-key.reader.js';
import { EtcdCluster, skipWithoutEtcd } from '../../support/etcd-cluster.js';

const missing = skipWithoutEtcd('the compare-and-swap tests against etcd');

describe('casPut: compare-and-swap on the config key', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;
    let other: Etcd3;
    let n = 0;
    const freshKey = () => `/cas-test/${n++}`;

    beforeAll(async () => {
      cluster = await EtcdCluster.start(1);
      client = new Etcd3({ hosts: cluster.hosts });
      other = new Etcd3({ hosts: cluster.hosts });
    });

    afterAll(async () => {
      client?.close();
      other?.close();
      await cluster?.stop();
    });

    it('creates a missing key, and reports the new mod_revision', async () => {
      const key = freshKey();
      expect(await readConfigKey(client, key)).toBeUndefined();
      const result = await casPut(client, key, '{"v":1}', undefined);
      expect(result.written).toBe(true);
      const stored = await readConfigKey(client, key);
      expect(stored).toEqual({
        text: '{"v":1}',
        modRevision: (result as { revision: string }).revision,
      });
    });

    it('replaces the value when the key is still at the revision read', async () => {
      const key = freshKey();
      await client.put(key).value('{"v":1}');
      const read = (await readConfigKey(client, key))!;
      const result = await casPut(client, key, '{"v":2}', read.modRevision);
      expect(result.written).toBe(true);
      expect(await client.get(key).string()).toBe('{"v":2}');
    });

    it('loses to a write between the read and the transaction, and changes nothing', async () => {
      const key = freshKey();
      await client.put(key).value('{"v":1}');
      const read = (await readConfigKey(client, key))!;
      // Another operator publishes after our read: the race, made deterministic.
      await other.put(key).value('{"v":"theirs"}');
      const theirs = (await readConfigKey(other, key))!;

      const result = await casPut(client, key, '{"v":"ours"}', read.modRevision);
      expect(result).toEqual({ written: false, current: theirs });
      expect(await client.get(key).string()).toBe('{"v":"theirs"}');
      expect((await readConfigKey(client, key))!.modRevision).toBe(theirs.modRevision);
    });

    it('counts a key that already holds exactly this text as written: a retry lost to its own first attempt', async () => {
      const key = freshKey();
      await client.put(key).value('{"v":1}');
      const read = (await readConfigKey(client, key))!;
      // The first attempt got through; its answer was lost, and the retry finds the key moved.
      await other.put(key).value('{"v":"ours"}');
      const landed = (await readConfigKey(other, key))!;

      const result = await casPut(client, key, '{"v":"ours"}', read.modRevision);
      expect(result).toEqual({ written: true, revision: landed.modRevision, alreadyThere: true });
      expect((await readConfigKey(client, key))!.modRevision).toBe(landed.modRevision);
    });

    it('refuses to create a key that someone created after it was read as missing', async () => {
      const key = freshKey();
      expect(await readConfigKey(client, key)).toBeUndefined();
      await other.put(key).value('{"v":"theirs"}');
      const result = await casPut(client, key, '{"v":"ours"}', undefined);
      expect(result.written).toBe(false);
      expect(await client.get(key).string()).toBe('{"v":"theirs"}');
    });

    it('refuses to write a key that was deleted after it was read', async () => {
      const key = freshKey();
      await client.put(key).value('{"v":1}');
      const read = (await readConfigKey(client, key))!;
      await other.delete().key(key);
      const result = await casPut(client, key, '{"v":2}', read.modRevision);
      expect(result).toEqual({ written: false, current: undefined });
      expect(await client.get(key).string()).toBeNull();
    });
  });
});
