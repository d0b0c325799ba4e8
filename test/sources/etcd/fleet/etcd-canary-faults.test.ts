import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { CANARY_KEY, KEY, canaryFleetPerTest } from '../../../support/canary-fleet.js';
import { skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { BASE } from '../../../support/trial-bots.js';
import { waitFor } from '../../../support/wait-for.js';

const missing = skipWithoutEtcd('the etcd canary fault tests');
const XBT = { ...BASE, symbol: 'XBT' };

describe.skipIf(missing !== undefined)('a canary meeting faults, against a real etcd', () => {
  const fleet = canaryFleetPerTest();

  it('ends on the base when the canary is deleted while a member is applying it', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let judging = false;
    const member = await fleet.boot('bot-m', {
      beforeApply: async (next) => {
        if (next.symbol !== 'XBT') return;
        judging = true;
        await released;
      },
    });
    await fleet.putCanary('c-1', XBT);
    await waitFor(() => judging, { description: 'the member to judge the candidate' });
    const deleted = await fleet.writer.delete().key(CANARY_KEY);
    release();
    await fleet.appliedAt('bot-m', deleted.header.revision);
    expect(member.service.config).toEqual(BASE);
    expect(member.service.getHealth().variant).toEqual({ overlays: [] });
  });

  it('stages the candidate on a member that holds its config, and applies it on release', async () => {
    const member = await fleet.boot('bot-m');
    const release = member.service.hold('closing positions');
    const put = await fleet.putCanary('c-2', XBT);
    const staged = await fleet.recordOf(
      'bot-m',
      (status) => status.state === 'staged' && status.revision === put.header.revision,
      'the candidate staged',
    );
    expect(staged.variant).toEqual({ canary: 'c-2', overlays: [] });
    expect(member.service.config).toEqual(BASE);
    release();
    await fleet.appliedAt('bot-m', put.header.revision, 'c-2');
    expect(member.service.config).toEqual(XBT);
  });

  it('keeps members on the candidate through an etcd restart, and resumes', async () => {
    const member = await fleet.boot('bot-m', { labels: { canary: 'yes' } });
    const other = await fleet.boot('bot-o');
    await fleet.putCanary('c-3', XBT, { match: { labels: { canary: 'yes' } } });
    await waitFor(() => member.reloaded.length === 1, { description: 'the candidate' });
    const etcd = fleet.cluster.members[0]!;
    await etcd.kill();
    etcd.start();
    await etcd.ready();
    const newBase = { ...BASE, risk: { ...BASE.risk, stopLoss: 0.04 } };
    const put = await fleet.writer.put(KEY).value(JSON.stringify(newBase));
    await waitFor(() => other.reloaded.length === 1, {
      timeoutMs: 20_000,
      description: 'the other instance to get the new base',
    });
    await fleet.appliedAt('bot-m', put.header.revision, 'c-3');
    expect(member.service.config).toEqual(XBT);
    expect(member.reloaded).toHaveLength(1);
    expect(other.service.config).toEqual(newBase);
  });
});
