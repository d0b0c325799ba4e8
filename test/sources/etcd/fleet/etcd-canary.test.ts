import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../../../lib/sources/etcd/index.js';
import { CANARY_KEY, KEY, canaryFleetPerTest } from '../../../support/canary-fleet.js';
import { skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { BASE } from '../../../support/trial-bots.js';
import { waitFor } from '../../../support/wait-for.js';

const missing = skipWithoutEtcd('the etcd canary tests');
const XBT = { ...BASE, symbol: 'XBT' };

describe.skipIf(missing !== undefined)('a canary at K/canary, against a real etcd', () => {
  const fleet = canaryFleetPerTest();

  it('runs the candidate on the members its labels select, the base everywhere else', async () => {
    const btc = await fleet.boot('bot-btc', { labels: { symbol: 'BTC' } });
    const eth = await fleet.boot('bot-eth', { labels: { symbol: 'ETH' } });
    const put = await fleet.putCanary('c-1', XBT, { match: { labels: { symbol: 'BTC' } } });
    const revision = put.header.revision;
    await waitFor(() => btc.reloaded.length === 1, { description: 'the member to apply it' });
    expect(btc.service.config).toEqual(XBT);
    expect(btc.service.getHealth().variant).toEqual({ canary: 'c-1', overlays: [] });
    const entry = btc.service.getHistory().at(-1)!;
    expect(entry).toMatchObject({ revision, variant: { canary: 'c-1', overlays: [] } });
    // A rollback writes the base, never the candidate.
    expect(JSON.parse(entry.baseText!)).toEqual(BASE);
    const member = await fleet.appliedAt('bot-btc', revision, 'c-1');
    expect(member.variant).toEqual({ canary: 'c-1', overlays: [] });
    // The other instance moves on to the canary's revision, on the base.
    await fleet.appliedAt('bot-eth', revision);
    expect(eth.reloaded).toHaveLength(0);
    expect(eth.service.config).toEqual(BASE);
    expect(eth.service.getHealth().variant).toEqual({ overlays: [] });
  });

  it('selects members by instance id, from the start', async () => {
    await fleet.putCanary('c-2', XBT, { match: { instances: ['bot-2'] } });
    const one = await fleet.boot('bot-1');
    const two = await fleet.boot('bot-2');
    expect(one.service.config).toEqual(BASE);
    expect(two.service.config).toEqual(XBT);
    expect(two.service.getHistory()[0]!.variant).toEqual({ canary: 'c-2', overlays: [] });
  });

  it('keeps members on the candidate when the base changes, and gives the others the new base', async () => {
    const member = await fleet.boot('bot-m', { labels: { canary: 'yes' } });
    const other = await fleet.boot('bot-o');
    await fleet.putCanary('c-3', XBT, { match: { labels: { canary: 'yes' } } });
    await waitFor(() => member.reloaded.length === 1, { description: 'the candidate' });
    const newBase = { ...BASE, risk: { ...BASE.risk, stopLoss: 0.05 } };
    const put = await fleet.writer.put(KEY).value(JSON.stringify(newBase));
    await waitFor(() => other.reloaded.length === 1, { description: 'the new base' });
    expect(other.service.config).toEqual(newBase);
    await fleet.appliedAt('bot-m', put.header.revision, 'c-3');
    expect(member.service.config).toEqual(XBT);
    expect(member.reloaded).toHaveLength(1);
  });

  it("merges an overlay added while a canary runs over the members' candidate", async () => {
    const member = await fleet.boot('bot-m');
    await fleet.putCanary('c-4', XBT);
    await waitFor(() => member.reloaded.length === 1, { description: 'the candidate' });
    const overlay = { match: {}, patch: { risk: { maxPositionUsd: 900 } } };
    await fleet.writer.put(`${KEY}/overlays/limit`).value(JSON.stringify(overlay));
    await waitFor(() => member.reloaded.length === 2, { description: 'the overlay' });
    expect(member.service.config).toEqual({ ...XBT, risk: { ...XBT.risk, maxPositionUsd: 900 } });
    expect(member.service.getHealth().variant).toEqual({ canary: 'c-4', overlays: ['limit'] });
  });

  it('keeps a member by percentage when it restarts with the same instance id', async () => {
    const ids = Array.from({ length: 40 }, (_, index) => `bot-${index}`);
    const inside = ids.find((id) => bucketOf('c-pct', id) < 50)!;
    const outside = ids.find((id) => bucketOf('c-pct', id) >= 50)!;
    await fleet.putCanary('c-pct', XBT, { match: { percent: 50 } });
    const first = await fleet.boot(inside);
    expect(first.service.config).toEqual(XBT);
    await first.close();
    const again = await fleet.boot(inside);
    expect(again.service.config).toEqual(XBT);
    expect(again.service.getHealth().variant.canary).toBe('c-pct');
    expect((await fleet.boot(outside)).service.config).toEqual(BASE);
  });

  it('keeps every instance on its config when the canary record is unreadable, naming its key', async () => {
    const one = await fleet.boot('bot-1', { labels: { symbol: 'BTC' } });
    const two = await fleet.boot('bot-2');
    const put = await fleet.writer.put(CANARY_KEY).value('{"id": "c-5", "candidate": "{}",}');
    await waitFor(() => one.failed.length === 1 && two.failed.length === 1, {
      description: 'both instances to refuse the record',
    });
    expect(one.failed[0]!.error.code).toBe('CONFIG_PARSE');
    expect(one.failed[0]!.error.message).toContain(`etcd:${CANARY_KEY}`);
    // The status record says so, at the revision read: publish --wait and status see it.
    const rejected = await fleet.recordOf(
      'bot-2',
      (status) => status.state === 'rejected' && status.revision === put.header.revision,
      'rejected at the revision of the record',
    );
    expect(rejected.error).toMatchObject({ code: 'CONFIG_PARSE' });
    expect(rejected.error!.message).toContain(`etcd:${CANARY_KEY}`);
    expect(rejected.version).toBe(1);

    const misspelt = { id: 'c-5', candidate: '{}', baseRevision: '1', match: {} };
    await fleet.writer.put(CANARY_KEY).value(JSON.stringify({ ...misspelt, abortOnRejct: true }));
    await waitFor(() => two.failed.length === 2, { description: 'the misspelt field' });
    expect(two.failed[1]!.error.code).toBe('CONFIG_VALIDATION');
    expect(two.failed[1]!.error.message).toContain(`etcd:${CANARY_KEY}`);
    expect(one.service.config).toEqual(BASE);
    expect(two.service.config).toEqual(BASE);
  });
});
