import 'reflect-metadata';
import { Etcd3, type Watcher } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
  type EtcdSourceOptions,
  type InstanceStatus,
} from '../../../../lib/sources/etcd/index.js';
import { EtcdCluster, skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { bootReloader, type ReloaderHarness } from '../../../support/reloader-app.js';
import { BASE, Bot, BotV2 } from '../../../support/trial-bots.js';
import { waitFor } from '../../../support/wait-for.js';

const KEY = '/bots/trend/config';
const trialKey = (id: string) => `${KEY}/trials/${id}`;
const missing = skipWithoutEtcd('the etcd trial tests');

type Boot = Partial<EtcdSourceOptions> & {
  dto?: typeof Bot | typeof BotV2;
  beforeApply?: (next: Readonly<Bot>) => void | Promise<void>;
};

describe.skipIf(missing !== undefined)('trials under K/trials/, against a real etcd', () => {
  let cluster: EtcdCluster;
  let writer: Etcd3;
  let recordWatch: Watcher | undefined;
  const harnesses: ReloaderHarness<Bot>[] = [];

  beforeEach(async () => {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    await writer.put(KEY).value(JSON.stringify(BASE));
  });

  afterEach(async () => {
    await recordWatch?.cancel();
    recordWatch = undefined;
    for (const harness of harnesses.splice(0)) await harness.close();
    writer.close();
    await cluster.stop();
  });

  async function boot(instanceId: string, { dto = Bot, beforeApply, ...options }: Boot = {}) {
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
      dto,
      debounceMs: 0,
      beforeApply,
    });
    harnesses.push(harness);
    await recordOf(instanceId, (status) => status.state === 'applied', 'its first record');
    return harness;
  }

  const statusOf = async (instanceId: string) => {
    const text = await writer.get(instanceStatusKey(KEY, instanceId)).string();
    return text === null ? undefined : parseInstanceStatus(text);
  };

  const recordOf = (
    instanceId: string,
    matches: (status: InstanceStatus) => boolean,
    description: string,
  ) =>
    waitFor(
      async () => {
        const status = await statusOf(instanceId);
        return status && matches(status) ? status : undefined;
      },
      { description: `${instanceId}: ${description}` },
    );

  const answerOf = (instanceId: string, id: string) =>
    recordOf(instanceId, (status) => status.trial?.id === id, `its answer to ${id}`);

  const putTrial = (id: string, candidate: unknown, match?: unknown) =>
    writer.put(trialKey(id)).value(
      JSON.stringify({
        id,
        candidate: typeof candidate === 'string' ? candidate : JSON.stringify(candidate),
        ...(match === undefined ? {} : { match }),
      }),
    );

  /** What a reload would have changed, to compare before and after a trial. */
  const applied = (harness: ReloaderHarness<Bot>) => ({
    version: harness.service.version,
    config: JSON.stringify(harness.service.config),
    history: harness.service.getHistory().length,
    reloaded: harness.reloaded.length,
    failed: harness.failed.length,
  });

  it('answers a trial in its status record, accepted or rejected, and applies nothing', async () => {
    const v1 = await boot('bot-v1');
    const v2 = await boot('bot-v2', { dto: BotV2 });
    const before = [applied(v1), applied(v2)];
    const records = [await statusOf('bot-v1'), await statusOf('bot-v2')];
    const candidate = { symbol: 'BTC', risk: { stopLoss: 0.03 } }; // no position limit
    await putTrial('t-1', candidate);
    const [accepted, rejected] = [await answerOf('bot-v1', 't-1'), await answerOf('bot-v2', 't-1')];
    expect(accepted.trial).toEqual({ id: 't-1', state: 'accepted' });
    expect(rejected.trial).toMatchObject({
      id: 't-1',
      state: 'rejected',
      error: { code: 'CONFIG_VALIDATION', message: expect.stringContaining('maxPositionUsd') },
    });
    // The rest of each record says what it said: the config in force, untouched.
    for (const [index, record] of [accepted, rejected].entries()) {
      const { updatedAt: _updated, trial: _trial, ...rest } = record;
      const { updatedAt: _before, ...was } = records[index]!;
      expect(rest).toEqual(was);
    }
    expect([applied(v1), applied(v2)]).toEqual(before);
    expect(JSON.parse((await writer.get(KEY).string())!)).toEqual(BASE);
  });

  it("runs the app's beforeApply on the candidate, and counts a veto as a rejection", async () => {
    const seen: Bot[] = [];
    await boot('bot-1', {
      beforeApply: (next) => {
        seen.push({ ...next });
        if (next.symbol === 'DOGE') throw new Error('3 open positions on ANY');
      },
    });
    await putTrial('t-veto', { ...BASE, symbol: 'DOGE' });
    const { trial } = await answerOf('bot-1', 't-veto');
    expect(trial).toMatchObject({
      state: 'rejected',
      error: { code: 'CONFIG_REJECTED', message: expect.stringContaining('3 open positions') },
    });
    expect(seen.map((config) => config.symbol)).toEqual(['DOGE']);
  });

  it("judges the candidate with the instance's own overlays merged over it", async () => {
    const btcOnly = { match: { labels: { symbol: 'BTC' } }, patch: { symbol: 'BTC' } };
    await writer.put(`${KEY}/overlays/btc`).value(JSON.stringify(btcOnly));
    await boot('bot-btc', { labels: { symbol: 'BTC' } });
    await boot('bot-eth', { labels: { symbol: 'ETH' } });
    // Valid only with a symbol, which the BTC overlay gives.
    await putTrial('t-overlay', { risk: { stopLoss: 0.03 } });
    expect((await answerOf('bot-btc', 't-overlay')).trial).toEqual({
      id: 't-overlay',
      state: 'accepted',
    });
    expect((await answerOf('bot-eth', 't-overlay')).trial).toMatchObject({
      state: 'rejected',
      error: { code: 'CONFIG_VALIDATION', message: expect.stringContaining('symbol') },
    });
  });

  it('is judged only by the instances its selector matches', async () => {
    await boot('bot-btc', { labels: { symbol: 'BTC' } });
    await boot('bot-eth', { labels: { symbol: 'ETH' } });
    await watchRecords('bot-eth');
    await putTrial('t-btc', { ...BASE, symbol: 'XBT' }, { labels: { symbol: 'BTC' } });
    await answerOf('bot-btc', 't-btc');
    // Both judge trials in order: once the ETH one answers a later trial, it passed this one.
    await putTrial('t-all', BASE);
    expect((await answerOf('bot-eth', 't-all')).trial!.state).toBe('accepted');
    expect((await statusOf('bot-eth'))!.trial!.id).toBe('t-all');
    expect(await recordsSeen('bot-eth')).not.toContain('t-btc');
  });

  it('judges a trial present when the instance starts', async () => {
    await putTrial('t-early', { ...BASE, risk: { stopLoss: 2 } });
    await boot('bot-1');
    expect((await answerOf('bot-1', 't-early')).trial).toMatchObject({
      state: 'rejected',
      error: { code: 'CONFIG_VALIDATION', message: expect.stringContaining('risk.stopLoss') },
    });
  });

  it('rejects a trial record it cannot read, naming its key, and a candidate that does not parse', async () => {
    await boot('bot-1');
    await writer
      .put(trialKey('t-new'))
      .value(JSON.stringify({ id: 't-new', candidate: '{}', canary: 'c-1' }));
    expect((await answerOf('bot-1', 't-new')).trial).toMatchObject({
      state: 'rejected',
      error: {
        code: 'CONFIG_VALIDATION',
        message: expect.stringContaining(`etcd:${trialKey('t-new')}`),
      },
    });
    await putTrial('t-parse', '{"symbol": "BTC",}');
    expect((await answerOf('bot-1', 't-parse')).trial).toMatchObject({
      state: 'rejected',
      error: { code: 'CONFIG_PARSE', message: expect.stringMatching(/line 1, column \d+/) },
    });
  });

  it('never writes a secret value of the candidate into its record', async () => {
    await boot('bot-1');
    await putTrial('t-secret', { ...BASE, apiKey: 'LIVEKEY_77' });
    const record = await answerOf('bot-1', 't-secret');
    expect(record.trial).toMatchObject({
      state: 'rejected',
      error: { message: expect.stringContaining('apiKey: failed Matches') },
    });
    expect(await writer.get(instanceStatusKey(KEY, 'bot-1')).string()).not.toContain('LIVEKEY');
  });

  it('judges each trial once, and drops its answer when the trial is deleted', async () => {
    let judged = 0;
    await boot('bot-1', { beforeApply: () => void judged++ });
    await putTrial('t-once', { ...BASE, symbol: 'ONE' });
    await answerOf('bot-1', 't-once');
    await putTrial('t-once', { ...BASE, symbol: 'TWO' }); // the same trial, rewritten
    await writer.delete().key(trialKey('t-once'));
    await recordOf('bot-1', (status) => status.trial === undefined, 'its answer dropped');
    expect(judged).toBe(1);
  });

  /** Every trial id the instance's records named, from `watchRecords` on. */
  const seenTrials = new Map<string, string[]>();
  async function watchRecords(instanceId: string): Promise<void> {
    const ids: string[] = [];
    seenTrials.set(instanceId, ids);
    recordWatch = await writer.watch().key(instanceStatusKey(KEY, instanceId)).create();
    recordWatch.on('put', (kv) => {
      const id = parseInstanceStatus(kv.value.toString())?.trial?.id;
      if (id) ids.push(id);
    });
  }
  async function recordsSeen(instanceId: string): Promise<string[]> {
    return seenTrials.get(instanceId) ?? [];
  }
});
