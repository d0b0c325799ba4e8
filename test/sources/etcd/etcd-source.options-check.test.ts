import { describe, expect, it } from 'vitest';
import { ConfigReloadError } from '../../../lib/config-reloader.errors.js';
import { checkEtcdSourceOptions } from '../../../lib/sources/etcd/etcd-source.options-check.js';
import { etcdSource } from '../../../lib/sources/etcd/index.js';

const base = { hosts: 'http://127.0.0.1:2379', key: '/bots/trend' };

/** The error `etcdSource()` refuses these labels with (before it makes a client). */
const refusal = (labels: unknown) => {
  try {
    etcdSource({ ...base, labels } as never);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigReloadError);
    expect((error as ConfigReloadError).code).toBe('CONFIG_OPTIONS');
    return (error as Error).message;
  }
  throw new Error(`expected ${String(labels)} to be refused`);
};

describe('etcdSource({ labels })', () => {
  it('takes names a selector can name and one-line values', () => {
    const labels = {
      symbol: 'BTC',
      'app.kubernetes.io/name': 'trend-bot',
      '9lives': '',
      region_1: 'eu-west-1 (Ireland)',
      long: 'x'.repeat(256),
      [`a${'b'.repeat(62)}`]: 'ok',
    };
    expect(() => checkEtcdSourceOptions({ ...base, labels })).not.toThrow();
    expect(() => checkEtcdSourceOptions({ ...base, labels: Object.create(null) })).not.toThrow();
  });

  it('refuses what is not a plain object of strings', () => {
    for (const labels of [null, 'symbol=BTC', ['BTC'], new Map([['symbol', 'BTC']])]) {
      expect(refusal(labels)).toMatch(
        /^Invalid etcdSource options for "\/bots\/trend": "labels" must be a plain object/,
      );
    }
  });

  it('refuses a name a selector could not name, naming labels.<name>', () => {
    for (const name of ['', '-x', '_x', 'sym bol', 'a=b', 'a,b', 'é', `a${'b'.repeat(63)}`]) {
      expect(refusal({ [name]: 'x' }), name).toContain(`"labels.${name}" is no label name`);
    }
  });

  it('refuses prototype keys as names, and leaves Object.prototype alone', () => {
    for (const labels of [
      JSON.parse('{"__proto__": "x"}'),
      { constructor: 'x' },
      { prototype: 'x' },
    ]) {
      expect(refusal(labels)).toMatch(/"labels\.(__proto__|constructor|prototype)" is no label/);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses a value that is no string, too long, or holding control characters, unquoted', () => {
    expect(refusal({ symbol: 5 })).toContain('"labels.symbol" must be a string of at most 256');
    expect(refusal({ symbol: 5 })).toContain('got the number 5');
    expect(refusal({ symbol: 'x'.repeat(257) })).toContain('got a string of 257 characters');
    const forged = refusal({ region: 'eu\u001b[2J\nFAKE LOG LINE' });
    expect(forged).toContain('"labels.region" must be a string');
    expect(forged).toContain('got a string with a control character');
    expect(forged).not.toContain('FAKE');
  });

  it('escapes a name that would forge a line in the message', () => {
    const message = refusal({ 'x\n[ERROR] forged\u001b[2J': 'v' });
    expect(message).toContain('"labels.x\\u000a[ERROR] forged\\u001b[2J" is no label name');
    expect(message.split('\n')).toHaveLength(1);
  });
});

describe('etcdSource({ appVersion })', () => {
  it('takes a short one-line version, and refuses one that is empty, long or not one line', () => {
    expect(() => checkEtcdSourceOptions({ ...base, appVersion: '2.4.1+build.7' })).not.toThrow();
    for (const appVersion of ['', 'x'.repeat(65), '2.4.1\n[ERROR] forged', 241]) {
      expect(() => etcdSource({ ...base, appVersion } as never)).toThrow(
        /^Invalid etcdSource options for "\/bots\/trend": "appVersion" must be a string of 1 to 64/,
      );
    }
  });
});
