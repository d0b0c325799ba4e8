import { describe, expect, it } from 'vitest';
import { FleetRecords } from '../../../lib/cli/dashboard/fleet.records.js';
import type { FleetView } from '../../../lib/sources/etcd/fleet/fleet-view.reader.js';
import {
  instanceStatusKey,
  parseInstanceStatus,
  type InstanceStatus,
} from '../../../lib/sources/etcd/fleet/instance-status.js';
import { statusRecordOf } from '../../support/status-record.fixture.js';

const KEY = '/bots/trend';

const record = (id: string, revision = '5', state: InstanceStatus['state'] = 'applied') =>
  JSON.stringify(statusRecordOf(id, revision, state));

/** An etcd of status records as texts by key, at a store revision: what a whole read returns. */
class Store {
  readonly texts = new Map<string, string>();
  revision = 10;

  put(id: string, text: string) {
    this.revision += 1;
    this.texts.set(instanceStatusKey(KEY, id), text);
    return {
      kind: 'record' as const,
      key: instanceStatusKey(KEY, id),
      status: parseInstanceStatus(text),
      revision: `${this.revision}`,
    };
  }

  delete(id: string) {
    this.revision += 1;
    this.texts.delete(instanceStatusKey(KEY, id));
    return {
      kind: 'record' as const,
      key: instanceStatusKey(KEY, id),
      status: undefined,
      revision: `${this.revision}`,
    };
  }

  read(): FleetView {
    const byKey = new Map<string, InstanceStatus>();
    for (const [key, text] of [...this.texts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const status = parseInstanceStatus(text);
      if (status) byKey.set(key, status);
    }
    const instances = [...byKey.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return {
      key: KEY,
      publishedRevision: '5',
      instances,
      revision: `${this.revision}`,
      byKey,
      base: undefined,
      canary: undefined,
      trials: [],
    };
  }
}

// The dashboard applies each status record the watch reports instead of reading the fleet
// again: whatever the order of puts and deletes, it must list what a whole read would.
describe('FleetRecords', () => {
  it('applies puts and deletes and lists what a whole read lists, in its order', () => {
    const store = new Store();
    for (const id of ['bot-3', 'bot-1', 'bot-2']) store.put(id, record(id));
    const records = new FleetRecords();
    records.replace(store.read());
    const changes = [
      store.put('bot-2', record('bot-2', '6', 'rejected')),
      store.put('bot-0', record('bot-0', '6')),
      store.delete('bot-3'),
      store.put('bot-4', 'not a record'),
      store.put('bot-1', 'no longer a record'),
      store.delete('bot-9'),
      store.put('bot-10', record('bot-10', '6')),
    ];
    for (const change of changes) records.apply(change);
    expect(records.instances()).toEqual(store.read().instances);
    expect(records.instances().map((status) => status.instanceId)).toEqual([
      'bot-0',
      'bot-10',
      'bot-2',
    ]);
  });

  it('skips what the last whole read holds already, and keeps what came during a read', () => {
    const store = new Store();
    store.put('bot-1', record('bot-1', '5'));
    const records = new FleetRecords();
    records.replace(store.read());
    const before = store.put('bot-1', record('bot-1', '6'));
    records.readStarted();
    const read = store.read(); // at the revision of `before`
    const during = [store.put('bot-2', record('bot-2', '7')), store.delete('bot-1')];
    for (const change of [before, ...during]) records.apply(change);
    records.replace(read); // the read's answer comes after the watch reported what followed it
    expect(records.instances()).toEqual(store.read().instances);
    // A change the watch delivers late, already in the read: not applied twice (nor undone).
    records.apply(before);
    expect(records.instances().map((status) => status.instanceId)).toEqual(['bot-2']);
  });

  it('keeps what the watch reported when a whole read fails', () => {
    const store = new Store();
    const records = new FleetRecords();
    records.replace(store.read());
    records.readStarted();
    records.apply(store.put('bot-1', record('bot-1')));
    records.readFailed();
    expect(records.instances()).toEqual(store.read().instances);
  });
});
