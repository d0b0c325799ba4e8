import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { CANARY_KEY, canaryFleetPerTest } from '../../../support/canary-fleet.js';
import { skipWithoutEtcd } from '../../../support/etcd-cluster.js';
import { BASE } from '../../../support/trial-bots.js';
import { waitFor } from '../../../support/wait-for.js';

const missing = skipWithoutEtcd('the etcd canary start tests');
const SECRET = 'LIVEKEY_91';
/** A candidate the DTO refuses, quoting a secret value in its message. */
const BAD = { ...BASE, apiKey: SECRET };

describe.skipIf(missing !== undefined)('a member starting while a bad canary runs', () => {
  const fleet = canaryFleetPerTest();

  it('aborts the canary, starts on the base, and audits the abort once it watches', async () => {
    const put = await fleet.putCanary('c-start', BAD);
    const member = await fleet.boot('bot-late');
    expect(member.service.config).toEqual(BASE);

    const record = (await fleet.canary())!;
    expect(record.aborted).toMatchObject({
      by: 'bot-late',
      error: { code: 'CONFIG_VALIDATION', message: expect.stringContaining('apiKey: failed') },
    });
    expect(JSON.stringify(record.aborted)).not.toContain(SECRET);
    const abortedAt = (await fleet.writer.get(CANARY_KEY).exec()).kvs[0]!.mod_revision;
    expect(BigInt(abortedAt)).toBeGreaterThan(BigInt(put.header.revision));
    // Started on the base as of the abort: no canary in its variant, and the status says so.
    expect(member.service.getHealth()).toMatchObject({ variant: { overlays: [] } });
    expect(member.service.getHealth().variant?.canary).toBeUndefined();
    await fleet.appliedAt('bot-late', abortedAt);

    const audited = await waitFor(
      async () => (await member.audit()).find((entry) => entry.event === 'canary_aborted'),
      { description: 'the audit record of the abort' },
    );
    expect(audited).toMatchObject({ variant: { canary: 'c-start' } });
    expect(member.logger.text).toContain('canary "c-start"');
    expect(member.logger.text).not.toContain(SECRET);
    expect(JSON.stringify(await member.audit())).not.toContain(SECRET);
  });

  it('fails to start, as before, when the canary does not ask members to abort it', async () => {
    await fleet.putCanary('c-keep', BAD, { abortOnReject: false });
    const error = await fleet.boot('bot-late').then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toMatchObject({ code: 'CONFIG_VALIDATION' });
    expect(String((error as Error).message)).not.toContain(SECRET);
    expect((await fleet.canary())!.aborted).toBeUndefined();
  });
});
