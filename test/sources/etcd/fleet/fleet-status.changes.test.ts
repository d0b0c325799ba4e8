import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { FleetStatusWriter } from '../../../../lib/sources/etcd/fleet/fleet-status.writer.js';
import type { ConfigVariant } from '../../../../lib/interfaces/config-source.interface.js';
import type { InstanceStatus } from '../../../../lib/sources/etcd/fleet/instance-status.js';
import { StatusRecord } from '../../../../lib/sources/etcd/fleet/status-record.js';
import { ScriptedEtcd } from '../../../support/scripted-status-etcd.js';
import { waitFor } from '../../../support/wait-for.js';

const record = (version: number): InstanceStatus => ({
  instanceId: 'bot-1',
  hostname: 'host',
  pid: 1,
  name: 'default',
  labels: {},
  version,
  revision: String(version),
  hash: '',
  variant: { overlays: [] },
  state: 'applied',
  updatedAt: new Date().toISOString(),
});

const writerOn = (etcd: ScriptedEtcd) =>
  new FleetStatusWriter({
    client: etcd as unknown as Etcd3,
    key: '/bots/changes/config',
    instanceId: 'bot-1',
    ttlSeconds: 10,
    deadlineMs: 3000,
    delayMs: 0,
    onError: () => undefined,
    onRecovered: () => undefined,
  });

/** The outcome of the same change, told again: only the variant may differ. */
const outcome = (variant: ConfigVariant = { overlays: [] }) => ({
  name: 'default',
  state: 'applied' as const,
  version: 3,
  revision: '42',
  hash: 'abc',
  variant,
});

describe('the fleet status record when nothing in it changed', () => {
  it('is not written again for a decision that differs only in its time', async () => {
    const etcd = new ScriptedEtcd();
    const writer = writerOn(etcd);
    try {
      writer.write(record(1));
      const first = await waitFor(() => etcd.transactions[0], { description: 'write 1' });
      // Told again while it is being written (a veto judged again, say): same content, new time.
      writer.write({ ...record(1), updatedAt: new Date(Date.now() + 1000).toISOString() });
      first.settle(undefined);
      // What the writer does next by itself starts now, in the continuations of that write.
      await new Promise((resolve) => setImmediate(resolve));
      writer.write(record(2));
      const next = await waitFor(() => etcd.transactions[1], { description: 'the next write' });
      expect(next.record.version).toBe(2);
      next.settle(undefined);
    } finally {
      await writer.close();
    }
  });
});

describe('the fleet status record when only its trial answer or its variant changed', () => {
  /** Settles the n-th write and hands back what it put. */
  const written = async (etcd: ScriptedEtcd, n: number, description: string) => {
    const transaction = await waitFor(() => etcd.transactions[n], { description });
    transaction.settle(undefined);
    return transaction.record;
  };

  it('is written for each answer to a trial, and once the trial is gone', async () => {
    const etcd = new ScriptedEtcd();
    const writer = writerOn(etcd);
    const status = new StatusRecord({ instanceId: 'bot-1', labels: { symbol: 'BTC' } }, writer);
    try {
      status.outcomeIs(outcome());
      expect((await written(etcd, 0, 'the outcome')).trial).toBeUndefined();

      status.trialIs({ id: 't-1', state: 'accepted' });
      expect((await written(etcd, 1, 'the answer')).trial).toEqual({
        id: 't-1',
        state: 'accepted',
      });

      const refusal = { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.5' };
      status.trialIs({ id: 't-2', state: 'rejected', error: refusal });
      expect((await written(etcd, 2, 'the next answer')).trial).toEqual({
        id: 't-2',
        state: 'rejected',
        error: refusal,
      });

      status.trialIs(undefined);
      const last = await written(etcd, 3, 'the record without the answer');
      expect(last.trial).toBeUndefined();
      expect(last).toMatchObject({ revision: '42', labels: { symbol: 'BTC' } });
    } finally {
      await writer.close();
    }
  });

  it('is written when the same change comes out as another variant', async () => {
    const etcd = new ScriptedEtcd();
    const writer = writerOn(etcd);
    const status = new StatusRecord({ instanceId: 'bot-1', labels: {} }, writer);
    try {
      status.outcomeIs(outcome());
      expect((await written(etcd, 0, 'the base')).variant).toEqual({ overlays: [] });

      status.outcomeIs(outcome({ canary: 'c-7', overlays: [] }));
      const canary = await written(etcd, 1, 'the canary');
      expect(canary.variant).toEqual({ canary: 'c-7', overlays: [] });

      status.outcomeIs(outcome({ canary: 'c-7', overlays: ['btc'] }));
      const overlay = await written(etcd, 2, 'an overlay');
      expect(overlay.variant).toEqual({ canary: 'c-7', overlays: ['btc'] });
    } finally {
      await writer.close();
    }
  });
});
