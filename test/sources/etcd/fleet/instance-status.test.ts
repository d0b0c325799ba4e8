import { describe, expect, it } from 'vitest';
import {
  instanceStatusOf,
  parseInstanceStatus,
} from '../../../../lib/sources/etcd/fleet/instance-status.js';
import type { SourceOutcome } from '../../../../lib/interfaces/config-source.interface.js';

const valid = {
  instanceId: 'bot-1',
  hostname: 'host-1',
  pid: 42,
  name: 'default',
  labels: { symbol: 'BTC', region: 'eu' },
  version: 3,
  revision: '17',
  hash: 'abc',
  variant: { canary: 'c-7', overlays: ['btc', 'eu'] },
  state: 'rejected',
  error: { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.5' },
  updatedAt: '2024-01-02T03:04:05.000Z',
};

// Any instance may write under <key>/instances/: what the reader hands on must have the types
// its callers print and compare, whatever was written.
describe('parseInstanceStatus', () => {
  it('keeps a well-formed record as it is', () => {
    expect(parseInstanceStatus(JSON.stringify(valid))).toEqual(valid);
  });

  it('replaces fields of the wrong type instead of handing them on', () => {
    const forged = {
      ...valid,
      hostname: { not: 'a string' },
      pid: '42',
      name: ['default'],
      hash: 7,
      error: { code: 5, message: { text: 'x' } },
      updatedAt: 1700000000000,
      extra: 'ignored',
    };
    expect(parseInstanceStatus(JSON.stringify(forged))).toEqual({
      instanceId: 'bot-1',
      hostname: '?',
      pid: 0,
      name: '?',
      labels: { symbol: 'BTC', region: 'eu' },
      version: 3,
      revision: '17',
      hash: '?',
      variant: { canary: 'c-7', overlays: ['btc', 'eu'] },
      state: 'rejected',
      error: { code: '?', message: '?' },
      updatedAt: '?',
    });
  });

  it('reads a record of an instance without labels or variant as one on the base', () => {
    const { labels: _labels, variant: _variant, ...older } = valid;
    expect(parseInstanceStatus(JSON.stringify(older))).toMatchObject({
      labels: {},
      variant: { overlays: [] },
    });
    expect(parseInstanceStatus(JSON.stringify(older))!.variant).not.toHaveProperty('canary');
  });

  it('type-checks labels and variant: none for another type, ? for an entry of the wrong type', () => {
    for (const [labels, variant] of [
      ['symbol=BTC', 'canary:c-7'],
      [['BTC'], ['btc']],
      [null, null],
      [7, 7],
    ]) {
      expect(parseInstanceStatus(JSON.stringify({ ...valid, labels, variant }))).toMatchObject({
        labels: {},
        variant: { overlays: [] },
      });
    }
    const forged = {
      ...valid,
      labels: { symbol: 5, region: { x: 1 }, venue: 'binance' },
      variant: { canary: ['c-7'], overlays: ['btc', 3, null, { name: 'eu' }] },
    };
    expect(parseInstanceStatus(JSON.stringify(forged))).toMatchObject({
      labels: { symbol: '?', region: '?', venue: 'binance' },
      variant: { canary: '?', overlays: ['btc', '?', '?', '?'] },
    });
    const notAList = { ...valid, variant: { overlays: 'btc' } };
    expect(parseInstanceStatus(JSON.stringify(notAList))!.variant).toEqual({ overlays: [] });
  });

  it('drops label keys that reach a prototype, and pollutes nothing', () => {
    const text = JSON.stringify(valid).replace(
      '"labels":{',
      '"labels":{"__proto__":{"polluted":"yes"},"constructor":"x","prototype":"y",',
    );
    const status = parseInstanceStatus(text)!;
    expect(Object.keys(status.labels)).toEqual(['symbol', 'region']);
    expect(Object.getPrototypeOf(status.labels)).toBe(Object.prototype);
    expect((status.labels as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the app version, and drops one that is no string', () => {
    const deployed = { ...valid, appVersion: '2.4.1' };
    expect(parseInstanceStatus(JSON.stringify(deployed))).toEqual(deployed);
    for (const appVersion of [241, null, { major: 2 }]) {
      const forged = parseInstanceStatus(JSON.stringify({ ...valid, appVersion }));
      expect(forged).not.toHaveProperty('appVersion');
    }
  });

  it('drops an error that is not an object', () => {
    for (const error of ['oops', 3, null, ['CODE', 'message']]) {
      expect(parseInstanceStatus(JSON.stringify({ ...valid, error }))).not.toHaveProperty('error');
    }
  });

  it("keeps a trial's answer, type-checked, and drops one nobody can tell the meaning of", () => {
    const rejected = {
      id: 'trial-1',
      state: 'rejected',
      error: { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.5' },
    };
    for (const trial of [{ id: 'trial-1', state: 'accepted' }, rejected]) {
      expect(parseInstanceStatus(JSON.stringify({ ...valid, trial }))).toEqual({ ...valid, trial });
    }
    const forged = { ...rejected, error: { code: 5, message: null }, extra: 'ignored' };
    expect(parseInstanceStatus(JSON.stringify({ ...valid, trial: forged }))!.trial).toEqual({
      id: 'trial-1',
      state: 'rejected',
      error: { code: '?', message: '?' },
    });
    for (const trial of [
      'trial-1',
      null,
      { state: 'accepted' },
      { id: 7, state: 'accepted' },
      { id: 'trial-1', state: 'applied' },
    ]) {
      expect(parseInstanceStatus(JSON.stringify({ ...valid, trial }))).not.toHaveProperty('trial');
    }
  });

  it('is no record without an id, a version, a state it knows or a revision etcd could have', () => {
    for (const broken of [
      { instanceId: 5 },
      { version: '3' },
      { state: 'done' },
      { revision: 17 },
      { revision: 'latest' },
      { revision: '1e3' },
      { revision: ' 17' },
      { revision: '-1' },
      { revision: '' },
    ]) {
      expect(parseInstanceStatus(JSON.stringify({ ...valid, ...broken }))).toBeUndefined();
    }
    for (const text of ['null', '"bot"', '[1]', '{', '']) {
      expect(parseInstanceStatus(text)).toBeUndefined();
    }
  });
});

describe('instanceStatusOf', () => {
  const outcome: SourceOutcome = {
    name: 'default',
    state: 'applied',
    version: 4,
    revision: '21',
    hash: 'def',
    text: '{"risk":{}}',
  };
  const identity = { instanceId: 'bot-1', labels: { symbol: 'BTC' } };

  it("carries the instance's labels and the variant of the document the outcome is about", () => {
    const variant = { canary: 'c-7', overlays: ['btc', 'eu'] };
    const record = instanceStatusOf(identity, { ...outcome, variant });
    expect(record).toMatchObject({ instanceId: 'bot-1', labels: { symbol: 'BTC' }, variant });
    expect(record).not.toHaveProperty('text'); // the document stays out of the record
    expect(parseInstanceStatus(JSON.stringify(record))).toEqual(record);
  });

  it('says the base when the outcome has no variant, and {} for an instance without labels', () => {
    const record = instanceStatusOf({ instanceId: 'bot-2', labels: {} }, outcome);
    expect(record.labels).toEqual({});
    expect(record.variant).toEqual({ overlays: [] });
    expect(JSON.parse(JSON.stringify(record))).toMatchObject({ variant: { overlays: [] } });
  });

  it('carries the answer to a trial beside the outcome, which it leaves as it is', () => {
    const trial = { id: 'trial-1', state: 'accepted' } as const;
    const record = instanceStatusOf(identity, outcome, trial);
    expect(record).toEqual({
      ...instanceStatusOf(identity, outcome),
      trial,
      updatedAt: record.updatedAt,
    });
    expect(parseInstanceStatus(JSON.stringify(record))).toEqual(record);
    expect(instanceStatusOf(identity, outcome)).not.toHaveProperty('trial');
  });

  it("carries the app's version when the instance knows it, and none otherwise", () => {
    const record = instanceStatusOf({ ...identity, appVersion: '2.4.1' }, outcome);
    expect(record.appVersion).toBe('2.4.1');
    expect(parseInstanceStatus(JSON.stringify(record))).toEqual(record);
    expect(instanceStatusOf(identity, outcome)).not.toHaveProperty('appVersion');
  });
});
