import 'reflect-metadata';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
} from '../../../../lib/sources/etcd/index.js';
import { EtcdCluster, skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { watchEventsSent } from '../../../support/etcd-metrics.js';
import { bootReloader, type ReloaderHarness } from '../../../support/reloader-app.js';
import { waitFor } from '../../../support/wait-for.js';

const KEY = '/bots/fan-out/config';
const INSTANCES = ['bot-1', 'bot-2', 'bot-3'];
const missing = skipWithoutEtcd('the watch fan-out test');

/**
 * A fleet of N must cost about N watch events per change, not N²: an instance watches the key
 * and its overlays, never the other instances' status records, which every change rewrites.
 */
describe.skipIf(missing !== undefined)('what a change costs a fleet in watch events', () => {
  let cluster: EtcdCluster;
  let writer: Etcd3;
  const fleet: ReloaderHarness<{ n: number }>[] = [];

  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    await writer.put(KEY).value(JSON.stringify({ n: 0 }));
    for (const instanceId of INSTANCES) {
      const source = etcdSource({ hosts: cluster.hosts, key: KEY, instanceId, statusDelayMs: 0 });
      fleet.push(await bootReloader<{ n: number }>({ configSource: source, debounceMs: 0 }));
    }
  });

  afterAll(async () => {
    for (const harness of fleet.splice(0)) await harness.close();
    writer.close();
    await cluster?.stop();
  });

  /** Every instance's record says it applied `revision`: its status writes are done. */
  const recordsAt = (revision: string) =>
    waitFor(
      async () => {
        for (const instanceId of INSTANCES) {
          const text = await writer.get(instanceStatusKey(KEY, instanceId)).string();
          const status = text === null ? undefined : parseInstanceStatus(text);
          if (status?.state !== 'applied' || status.revision !== revision) return false;
        }
        return true;
      },
      { description: `every status record at revision ${revision}` },
    );

  it('sends one event per instance for a put to the key, and none for status records', async () => {
    const first = await writer.put(KEY).value(JSON.stringify({ n: 1 }));
    await recordsAt(first.header.revision);
    const before = await watchEventsSent(cluster.members[0]!.clientUrl);

    const put = await writer.put(KEY).value(JSON.stringify({ n: 2 }));
    // Each instance applies it and rewrites its own record: N events for the put, 0 for the N records.
    await recordsAt(put.header.revision);
    // Records of instances that are not there (a CLI, another app) reach nobody either.
    await writer.put(instanceStatusKey(KEY, 'someone-else')).value('{}');
    const overlay = await writer
      .put(`${KEY}/overlays/all`)
      .value(JSON.stringify({ match: {}, patch: { n: 3 } }));
    await recordsAt(overlay.header.revision);

    const sent = (await watchEventsSent(cluster.members[0]!.clientUrl)) - before;
    expect(sent).toBe(2 * INSTANCES.length);
  });
});
