import 'reflect-metadata';
import { Etcd3 } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
  type EtcdSourceOptions,
} from '../../../../lib/sources/etcd/index.js';
import { EtcdCluster, skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { bootReloader, type ReloaderHarness } from '../../../support/reloader-app.js';
import { waitFor } from '../../../support/wait-for.js';

type Bot = { symbol: string; risk: { stopLoss: number; maxPositionUsd?: number }; apiKey?: string };

const KEY = '/bots/trend/config';
const overlay = (name: string) => `${KEY}/overlays/${name}`;
const schema = {
  type: 'object',
  required: ['symbol', 'risk'],
  properties: {
    symbol: { type: 'string' },
    apiKey: { type: 'string' },
    risk: {
      type: 'object',
      required: ['stopLoss'],
      properties: { stopLoss: { type: 'number', minimum: 0, maximum: 1 } },
    },
  },
};
const base = { symbol: 'ANY', risk: { stopLoss: 0.02 } };

const missing = skipWithoutEtcd('the etcd overlay tests');

describe.skipIf(missing !== undefined)('overlays under K/overlays/, against a real etcd', () => {
  let cluster: EtcdCluster;
  let writer: Etcd3;
  const harnesses: ReloaderHarness<Bot>[] = [];

  beforeEach(async () => {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    await writer.put(KEY).value(JSON.stringify(base));
  });

  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.close();
    writer.close();
    await cluster.stop();
  });

  async function boot(instanceId: string, options: Partial<EtcdSourceOptions> = {}) {
    const harness = await bootReloader<Bot>({
      configSource: etcdSource({
        hosts: cluster.hosts,
        key: KEY,
        instanceId,
        dialTimeoutMs: 1000,
        watchCheckMs: 500,
        statusDelayMs: 0,
        ...options,
      }),
      schema,
      debounceMs: 0,
    });
    harnesses.push(harness);
    return harness;
  }

  const putOverlay = (name: string, record: unknown) =>
    writer.put(overlay(name)).value(typeof record === 'string' ? record : JSON.stringify(record));

  it('merges the overlays that match an instance, in name order, from the start', async () => {
    await putOverlay('b-btc', { match: { labels: { symbol: 'BTC' } }, patch: { symbol: 'BTC' } });
    await putOverlay('a-risk', { match: {}, patch: { risk: { maxPositionUsd: 500 } } });
    await putOverlay('c-late', { match: { labels: { symbol: 'BTC' } }, patch: { symbol: 'XBT' } });
    const btc = await boot('bot-btc', { labels: { symbol: 'BTC' } });
    const eth = await boot('bot-eth', { labels: { symbol: 'ETH' } });
    expect(btc.service.config).toEqual({
      symbol: 'XBT',
      risk: { stopLoss: 0.02, maxPositionUsd: 500 },
    });
    expect(eth.service.config).toEqual({
      symbol: 'ANY',
      risk: { stopLoss: 0.02, maxPositionUsd: 500 },
    });
    expect(btc.service.getHealth().variant).toEqual({ overlays: ['a-risk', 'b-btc', 'c-late'] });
    expect(eth.service.getHealth().variant).toEqual({ overlays: ['a-risk'] });
    expect(btc.service.getHistory().at(-1)!.variant).toEqual({
      overlays: ['a-risk', 'b-btc', 'c-late'],
    });
  });

  it('applies an overlay put, edited and deleted while running, to the instances it matches only', async () => {
    const btc = await boot('bot-btc', { labels: { symbol: 'BTC' } });
    const eth = await boot('bot-eth', { labels: { symbol: 'ETH' } });
    const put = await putOverlay('btc', {
      match: { labels: { symbol: 'BTC' } },
      patch: { risk: { stopLoss: 0.05 } },
    });
    await waitFor(() => btc.reloaded.length === 1, { description: 'the overlay to be applied' });
    expect(btc.reloaded[0]!.changes).toEqual(['risk.stopLoss']);
    expect(btc.service.config.risk.stopLoss).toBe(0.05);
    expect(btc.service.getHistory().at(-1)!.revision).toBe(put.header.revision);
    // The other instance hears of it: its record moves to the new revision, still applied.
    await waitFor(
      async () => {
        const text = await writer.get(instanceStatusKey(KEY, 'bot-eth')).string();
        const status = text === null ? undefined : parseInstanceStatus(text);
        return status?.state === 'applied' && status.revision === put.header.revision;
      },
      { description: "the other instance's record to move to the new revision" },
    );
    expect(eth.reloaded).toHaveLength(0);
    expect(eth.service.config).toEqual(base);

    const deleted = await writer.delete().key(overlay('btc'));
    await waitFor(() => btc.reloaded.length === 2, { description: 'the overlay to be removed' });
    expect(btc.service.config).toEqual(base);
    expect(btc.service.getHealth().variant).toEqual({ overlays: [] });
    // A delete moves the revision on too: it never goes back to the key's own mod_revision.
    expect(BigInt(btc.service.getHistory().at(-1)!.revision)).toBe(BigInt(deleted.header.revision));
  });

  it('reports the instance variant in its status record', async () => {
    await putOverlay('eu', { match: { labels: { region: 'eu' } }, patch: { symbol: 'EU' } });
    await boot('bot-eu', { labels: { region: 'eu' } });
    await waitFor(
      async () => {
        const text = await writer.get(instanceStatusKey(KEY, 'bot-eu')).string();
        const status = text === null ? undefined : parseInstanceStatus(text);
        return status?.variant?.overlays?.[0] === 'eu';
      },
      { description: 'the status record to name the overlay' },
    );
  });

  it('splits a fleet into two disjoint arms by percentage with one seed', async () => {
    const arm = (from: number, to: number, symbol: string) => ({
      match: { percent: [from, to], seed: 'exp-7' },
      patch: { symbol },
    });
    await putOverlay('arm-a', arm(0, 50, 'A'));
    await putOverlay('arm-b', arm(50, 100, 'B'));
    const bots = await Promise.all(['bot-1', 'bot-2', 'bot-3', 'bot-4'].map((id) => boot(id)));
    for (const bot of bots) {
      const overlays = bot.service.getHealth().variant.overlays;
      expect(overlays).toHaveLength(1);
      expect(bot.service.config.symbol).toBe(overlays[0] === 'arm-a' ? 'A' : 'B');
    }
  });

  it('keeps every instance on its config when an overlay record is unreadable, naming its key', async () => {
    const btc = await boot('bot-btc', { labels: { symbol: 'BTC' } });
    const eth = await boot('bot-eth', { labels: { symbol: 'ETH' } });
    await putOverlay('broken', '{"match": {}, "patch": {"risk": {"stopLoss": 0.03}},}');
    await waitFor(() => btc.failed.length === 1 && eth.failed.length === 1, {
      description: 'both instances to refuse the record',
    });
    expect(btc.failed[0]!.error.code).toBe('CONFIG_PARSE');
    expect(btc.failed[0]!.error.message).toContain(`etcd:${overlay('broken')}`);
    expect(btc.failed[0]!.error.message).toMatch(/at line 1, column \d+/);

    await putOverlay('broken', { match: { lables: { symbol: 'BTC' } }, patch: {} });
    await waitFor(() => eth.failed.length === 2, { description: 'the misspelt selector' });
    expect(eth.failed[1]!.error.code).toBe('CONFIG_VALIDATION');
    expect(eth.failed[1]!.error.message).toContain(`etcd:${overlay('broken')}`);
    expect(eth.failed[1]!.error.message).toContain('match.lables');
    expect(btc.service.config).toEqual(base);
    expect(eth.service.config).toEqual(base);
  });

  it('says in the status record that an overlay record is unreadable, at each revision read', async () => {
    await boot('bot-1');
    const rejectedAt = (revision: string) =>
      waitFor(
        async () => {
          const text = await writer.get(instanceStatusKey(KEY, 'bot-1')).string();
          const status = text === null ? undefined : parseInstanceStatus(text);
          return status?.state === 'rejected' && status.revision === revision ? status : undefined;
        },
        { timeoutMs: 10_000, description: `the record to say rejected at ${revision}` },
      );
    const put = await putOverlay('broken', '{"match": {}, "patch": {},}');
    const status = await rejectedAt(put.header.revision);
    expect(status.error).toMatchObject({ code: 'CONFIG_PARSE' });
    expect(status.error!.message).toContain(`etcd:${overlay('broken')}`);
    expect(status.version).toBe(1);
    // A base published while the record is still unreadable: the same refusal, at its revision.
    const published = await writer.put(KEY).value(JSON.stringify({ ...base, symbol: 'NEW' }));
    await rejectedAt(published.header.revision);
  });

  it('refuses a config an overlay makes invalid, and never quotes a secret value', async () => {
    const bot = await boot('bot-1');
    await putOverlay('bad', { match: {}, patch: { apiKey: 12345678, risk: { stopLoss: 7 } } });
    await waitFor(() => bot.failed.length === 1, { description: 'the validation failure' });
    expect(bot.failed[0]!.error.code).toBe('CONFIG_VALIDATION');
    expect(bot.failed[0]!.error.message).toContain('risk.stopLoss');
    expect(bot.failed[0]!.error.message).not.toContain('12345678');
    expect(bot.service.config).toEqual(base);
  });

  it('refuses a prototype-poisoning overlay', async () => {
    const bot = await boot('bot-1');
    await putOverlay('evil', '{"match": {}, "patch": {"__proto__": {"polluted": true}}}');
    await waitFor(() => bot.failed.length === 1, { description: 'the refusal' });
    expect(bot.failed[0]!.error.code).toBe('CONFIG_PARSE');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rolls back the base only: the overlays stay and are merged over the restored base', async () => {
    await putOverlay('all', { match: {}, patch: { symbol: 'OVER' } });
    const bot = await boot('bot-1');
    await writer.put(KEY).value(JSON.stringify({ ...base, risk: { stopLoss: 0.04 } }));
    await waitFor(() => bot.reloaded.length === 1, { description: 'the new base' });
    await bot.service.rollback();
    expect(JSON.parse((await writer.get(KEY).string())!)).toEqual(base);
    expect(bot.service.config).toEqual({ ...base, symbol: 'OVER' });
  });
});
