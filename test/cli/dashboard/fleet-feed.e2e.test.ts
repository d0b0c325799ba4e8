import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetFeed } from '../../../lib/cli/dashboard/fleet.feed.js';
import { openEtcdConnection } from '../../../lib/cli/etcd/etcd.connection.js';
import {
  instanceStatusKey,
  type InstanceStatus,
} from '../../../lib/sources/etcd/fleet/instance-status.js';
import { EtcdCluster, skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { waitFor } from '../../support/wait-for.js';
import { statusRecordOf } from '../../support/status-record.fixture.js';

const missing = skipWithoutEtcd('the fleet feed tests');

const KEY = '/bots/feed';

const record = (id: string, revision: string, state: InstanceStatus['state']) =>
  JSON.stringify(statusRecordOf(id, revision, state, new Date().toISOString()));

// The dashboard's view of the fleet against a real etcd: a fleet reporting in bursts is
// followed from the watch's events, and stays what a whole read of etcd says.
describe("the dashboard's fleet feed", () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    let cluster: EtcdCluster;
    let client: Etcd3;

    beforeAll(async () => {
      cluster = await EtcdCluster.start(1);
      client = new Etcd3({ hosts: cluster.hosts });
    }, 60_000);

    afterAll(async () => {
      client?.close();
      await cluster?.stop();
    });

    it('applies puts and deletes of status records without reading the whole fleet again', async () => {
      const published = (await client.put(KEY).value('{}')).header.revision;
      const report = (ids: string[], state: InstanceStatus['state']) =>
        client
          .if(KEY, 'Create', '>', 0)
          .then(
            ...ids.map((id) =>
              client.put(instanceStatusKey(KEY, id)).value(record(id, published, state)),
            ),
          )
          .commit();
      await report(['bot-1', 'bot-2', 'bot-3', 'bot-4'], 'staged');
      const etcd = await openEtcdConnection({ etcd: cluster.hosts, key: KEY, dialTimeout: 3000 });
      const { readFleet, readFleetView } = etcd;
      let wholeReads = 0;
      etcd.readFleet = () => (wholeReads++, readFleet());
      etcd.readFleetView = () => (wholeReads++, readFleetView());
      const feed = new FleetFeed(etcd, { secretKeys: [], actions: false });
      try {
        await feed.start();
        const rowsNow = () => feed.current.rows.map((row) => [row.instanceId, row.recordState]);
        const rowsInEtcd = async () =>
          (await readFleet()).instances.map((status) => [status.instanceId, status.state]);
        const readsAtStart = wholeReads;

        await report(['bot-1', 'bot-2', 'bot-0'], 'applied');
        await client.delete().key(instanceStatusKey(KEY, 'bot-3'));
        await client.put(instanceStatusKey(KEY, 'bot-4')).value('not a record');
        await report(['bot-5'], 'rejected');
        const expected = await rowsInEtcd();
        expect(expected).toEqual([
          ['bot-0', 'applied'],
          ['bot-1', 'applied'],
          ['bot-2', 'applied'],
          ['bot-5', 'rejected'],
        ]);
        await waitFor(() => JSON.stringify(rowsNow()) === JSON.stringify(expected), {
          description: 'the feed to list what etcd holds',
        });
        expect(wholeReads).toBe(readsAtStart);
        expect(feed.current.banner.map((line) => [line.instanceId, line.why])).toEqual([
          ['bot-5', 'rejected'],
          ['bot-3', 'disconnected'],
          ['bot-4', 'disconnected'],
        ]);

        // Anything but a status record (here the key itself) is read whole, once.
        const next = (await client.put(KEY).value('{"a":1}')).header.revision;
        await waitFor(() => feed.current.publishedRevision === next, {
          description: 'the feed to see the new revision',
        });
        expect(wholeReads).toBe(readsAtStart + 1);
      } finally {
        await feed.close();
        etcd.close();
      }
    });
  });
});
