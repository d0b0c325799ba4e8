import { describe, expect, it } from 'vitest';
import { parseInstanceStatus } from '../../../../lib/sources/etcd/fleet/instance-status.js';

const valid = {
  instanceId: 'bot-1',
  hostname: 'host-1',
  pid: 42,
  name: 'default',
  version: 3,
  revision: '17',
  hash: 'abc',
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
      version: 3,
      revision: '17',
      hash: '?',
      state: 'rejected',
      error: { code: '?', message: '?' },
      updatedAt: '?',
    });
  });

  it('drops an error that is not an object', () => {
    for (const error of ['oops', 3, null, ['CODE', 'message']]) {
      expect(parseInstanceStatus(JSON.stringify({ ...valid, error }))).not.toHaveProperty('error');
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
