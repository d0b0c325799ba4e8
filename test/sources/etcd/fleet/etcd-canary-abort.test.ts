import 'reflect-metadata';
import { Range } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { CANARY_KEY, KEY, canaryFleetPerTest } from '../../../support/canary-fleet.js';
import { skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { BASE } from '../../../support/trial-bots.js';
import { waitFor } from '../../../support/wait-for.js';

const missing = skipWithoutEtcd('the etcd canary abort tests');
const XBT = { ...BASE, symbol: 'XBT' };
const SECRET = 'LIVEKEY_77';
const veto = (next: { symbol: string }) => {
  if (next.symbol === 'XBT') throw new Error('3 open positions on ANY');
};

describe.skipIf(missing !== undefined)('a member aborting a canary, against a real etcd', () => {
  const fleet = canaryFleetPerTest();

  const abortedRecord = () =>
    waitFor(async () => (await fleet.canary())?.aborted && fleet.canary(), {
      timeoutMs: 10_000,
      description: 'the canary to be marked aborted',
    });

  it('marks the canary aborted when its beforeApply vetoes the candidate; all run the base', async () => {
    const other = await fleet.boot('bot-o');
    // Booted last: Nest's logger is one per process, and the last app's logger takes its lines.
    const member = await fleet.boot('bot-m', { labels: { symbol: 'BTC' }, beforeApply: veto });
    const match = { labels: { symbol: 'BTC' } };
    const put = await fleet.putCanary('c-1', XBT, { match });
    const record = (await abortedRecord())!;
    const { aborted, ...rest } = record;
    expect(rest).toEqual({
      id: 'c-1',
      candidate: JSON.stringify(XBT),
      baseRevision: '1',
      match,
      abortOnReject: true,
      createdAt: expect.any(String),
    });
    expect(aborted).toMatchObject({
      by: 'bot-m',
      error: { code: 'CONFIG_REJECTED', message: expect.stringContaining('3 open positions') },
    });
    expect(new Date(aborted!.at).toISOString()).toBe(aborted!.at);
    const abortedAt = (await fleet.writer.get(CANARY_KEY).exec()).kvs[0]!.mod_revision;
    expect(BigInt(abortedAt)).toBeGreaterThan(BigInt(put.header.revision));
    // An aborted canary is no canary: both run the base, at the revision of the abort.
    await fleet.appliedAt('bot-m', abortedAt);
    await fleet.appliedAt('bot-o', abortedAt);
    expect(member.service.config).toEqual(BASE);
    expect(other.service.config).toEqual(BASE);
    // The audit log and the log say which canary, where, and why.
    const audited = await waitFor(
      async () => (await member.audit()).find((entry) => entry.event === 'canary_aborted'),
      { description: 'the audit record of the abort' },
    );
    expect(audited).toMatchObject({
      variant: { canary: 'c-1', overlays: [] },
      error: { code: 'CONFIG_REJECTED' },
    });
    const warning = member.logger.lines.find((line) => line.text.includes('canary "c-1"'));
    expect(warning?.level).toBe('warn');
    expect(warning!.text).toContain(`etcd:${CANARY_KEY}`);
    expect(warning!.text).toContain('CONFIG_REJECTED');
    expect(warning!.text).toContain('3 open positions');
  });

  it('marks it aborted on a validation failure, and no secret value reaches a log, audit or record', async () => {
    const member = await fleet.boot('bot-m');
    await fleet.putCanary('c-2', { ...BASE, apiKey: SECRET });
    const { aborted } = (await abortedRecord())!;
    expect(aborted).toMatchObject({
      by: 'bot-m',
      error: { code: 'CONFIG_VALIDATION', message: expect.stringContaining('apiKey: failed') },
    });
    expect(JSON.stringify(aborted)).not.toContain(SECRET);
    await waitFor(
      async () => (await member.audit()).some((entry) => entry.event === 'canary_aborted'),
      { description: 'the audit record of the abort' },
    );
    const status = await fleet.recordOf('bot-m', (s) => !s.variant.canary, 'back on the base');
    expect(status.state).toBe('applied');
    expect(member.logger.text).toContain('canary "c-2"');
    expect(member.logger.text).not.toContain(SECRET);
    expect(JSON.stringify(await member.audit())).not.toContain(SECRET);
    expect(await fleet.statusText('bot-m')).not.toContain(SECRET);
  });

  it('leaves a canary without abortOnReject as it is', async () => {
    const member = await fleet.boot('bot-m', { beforeApply: veto });
    const put = await fleet.putCanary('c-3', XBT, { abortOnReject: false });
    const vetoed = await fleet.recordOf(
      'bot-m',
      (s) => s.state === 'vetoed' && s.revision === put.header.revision,
      'the candidate vetoed',
    );
    expect(vetoed.variant.canary).toBe('c-3');
    // A later change is decided after the veto: an abort would have been written by then.
    const later = await fleet.writer.put(`${KEY}/overlays/x`).value('{"match": {}, "patch": {}}');
    await fleet.recordOf('bot-m', (s) => s.revision === later.header.revision, 'the next change');
    const kv = (await fleet.writer.get(CANARY_KEY).exec()).kvs[0]!;
    expect(kv.mod_revision).toBe(put.header.revision);
    expect((await fleet.canary())!.aborted).toBeUndefined();
    expect(member.service.config).toEqual(BASE);
  });

  it('says once that a read-only role may not abort the canary, and never retries', async () => {
    await fleet.writer.user('root').create('root-secret');
    await fleet.writer.user('root').addRole('root');
    await fleet.writer.auth.authEnable();
    fleet.signIn({ auth: { username: 'root', password: 'root-secret' } });
    const admin = fleet.writer;
    // May read everything under the key, and write its own status record only.
    await admin.role('bot').create();
    await admin.role('bot').grant({ permission: 'Read', key: KEY });
    await admin.role('bot').grant({ permission: 'Read', range: Range.prefix(`${KEY}/`) });
    const records = Range.prefix(`${KEY}/instances/`);
    await admin.role('bot').grant({ permission: 'Readwrite', range: records });
    await admin.user('bot').create('bot-pass');
    await admin.user('bot').addRole('bot');
    const member = await fleet.boot('bot-m', {
      auth: { username: 'bot', password: 'bot-pass' },
      beforeApply: veto,
    });
    const put = await fleet.putCanary('c-4', XBT);
    await fleet.recordOf('bot-m', (s) => s.state === 'vetoed', 'the candidate vetoed');
    const refused = () => member.logger.lines.filter((line) => line.text.includes('may not write'));
    await waitFor(() => refused().length > 0, { description: 'the refusal to be logged' });
    // Two more changes that leave its document as it is: the veto is told at each revision.
    for (const name of ['x', 'y']) {
      const later = await admin.put(`${KEY}/overlays/${name}`).value('{"match": {}, "patch": {}}');
      await fleet.recordOf(
        'bot-m',
        (s) => s.state === 'vetoed' && s.revision === later.header.revision,
        'the veto told again at a later revision',
      );
    }
    expect(refused()).toHaveLength(1);
    expect(refused()[0]!.level).toBe('warn');
    expect(refused()[0]!.text).toContain(CANARY_KEY);
    expect(refused()[0]!.text).toContain('the canary stays until the CLI or an operator aborts it');
    expect(refused()[0]!.text).not.toContain('bot-pass');
    expect((await admin.get(CANARY_KEY).exec()).kvs[0]!.mod_revision).toBe(put.header.revision);
  });
});
