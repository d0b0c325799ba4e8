import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from '../../../../lib/config-reloader.errors.js';
import {
  bucketOf,
  readSelector,
  selectorMatches,
  type Selector,
} from '../../../../lib/sources/etcd/fleet/selector.js';

/** The definition, computed another way: the first 8 hex digits of the digest. */
const expectedBucket = (seed: string, instanceId: string) =>
  (parseInt(
    createHash('sha256')
      .update(Buffer.from(`${seed}:${instanceId}`, 'utf8'))
      .digest('hex')
      .slice(0, 8),
    16,
  ) *
    100) /
  4294967296;

const ids = Array.from({ length: 1000 }, (_, index) => `bot-${index}`);

const identity = (instanceId: string, labels: Record<string, string> = {}) => ({
  instanceId,
  labels,
});

/** The issues `readSelector` refuses `value` with. */
const issuesOf = (value: unknown) => {
  try {
    readSelector(value, 'etcd:/bots/trend/overlays/btc');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).issues;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
};

describe('bucketOf', () => {
  it('is the first 4 bytes of sha256(seed:instanceId) as a share of 2^32, times 100', () => {
    // Digests taken with sha256sum: these must never change, or a fleet splits differently.
    expect(bucketOf('exp-7', 'bot-3')).toBe((0xf3c67659 * 100) / 2 ** 32);
    expect(bucketOf('btc', 'bot-1')).toBe((0x0bc0b0ba * 100) / 2 ** 32);
    expect(bucketOf('', '')).toBe((0xe7ac0786 * 100) / 2 ** 32);
    expect(bucketOf('canary-1', 'pödé-🚀')).toBe((0x078027a1 * 100) / 2 ** 32); // UTF-8
    for (const id of ids.slice(0, 100)) {
      expect(bucketOf('exp-7', id)).toBe(expectedBucket('exp-7', id));
    }
  });

  it('lies in [0, 100)', () => {
    for (const id of ids) {
      const bucket = bucketOf('exp-7', id);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
    }
  });
});

describe('selectorMatches', () => {
  it('matches every instance with {}', () => {
    expect(ids.every((id) => selectorMatches({}, identity(id), 'seed'))).toBe(true);
  });

  it('splits a fleet in two arms with one seed: each instance in exactly one, about half each', () => {
    const a: Selector = { percent: [0, 50], seed: 'exp-7' };
    const b: Selector = { percent: [50, 100], seed: 'exp-7' };
    let inA = 0;
    for (const id of ids) {
      const matches = [a, b].filter((arm) => selectorMatches(arm, identity(id), 'ignored'));
      expect(matches, id).toHaveLength(1);
      if (matches[0] === a) inA++;
    }
    expect(inA).toBeGreaterThanOrEqual(450);
    expect(inA).toBeLessThanOrEqual(550);
  });

  it('keeps every member when a percentage widens, and p is [0, p)', () => {
    const narrow = ids.filter((id) => selectorMatches({ percent: 10 }, identity(id), 'c-1'));
    const wide = ids.filter((id) => selectorMatches({ percent: [0, 50] }, identity(id), 'c-1'));
    expect(narrow.length).toBeGreaterThan(0);
    expect(wide.length).toBeGreaterThan(narrow.length);
    for (const id of narrow) expect(wide).toContain(id);
    expect(narrow).toEqual(ids.filter((id) => bucketOf('c-1', id) < 10));
  });

  it('takes the default seed when the selector gives none, and its own seed when it does', () => {
    const id = ids.find((each) => bucketOf('canary-a', each) < 50 && bucketOf('x', each) >= 50)!;
    expect(selectorMatches({ percent: 50 }, identity(id), 'canary-a')).toBe(true);
    expect(selectorMatches({ percent: 50, seed: 'x' }, identity(id), 'canary-a')).toBe(false);
  });

  it('needs every condition given: labels, instances and percent', () => {
    const bot = identity('bot-3', { symbol: 'BTC', region: 'eu' });
    expect(selectorMatches({ labels: { symbol: 'BTC' } }, bot, 's')).toBe(true);
    expect(selectorMatches({ labels: { symbol: 'BTC', region: 'us' } }, bot, 's')).toBe(false);
    expect(selectorMatches({ labels: { venue: 'BTC' } }, bot, 's')).toBe(false);
    expect(selectorMatches({ instances: ['bot-1', 'bot-3'] }, bot, 's')).toBe(true);
    expect(selectorMatches({ instances: ['bot-1'] }, bot, 's')).toBe(false);
    expect(selectorMatches({ labels: { symbol: 'BTC' }, instances: ['bot-1'] }, bot, 's')).toBe(
      false,
    );
    expect(selectorMatches({ percent: 100, labels: { region: 'eu' } }, bot, 's')).toBe(true);
    expect(selectorMatches({ percent: 0 }, bot, 's')).toBe(false);
  });

  it('does not take what an object inherits for a label', () => {
    const bot = identity('bot-3');
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const inherited = String((bot.labels as Record<string, unknown>)[name]);
      expect(selectorMatches({ labels: { [name]: inherited } }, bot, 's')).toBe(false);
    }
  });
});

describe('readSelector', () => {
  it('reads every field, and {} as the selector of every instance', () => {
    const selector = {
      labels: { symbol: 'BTC' },
      percent: [10, 20],
      seed: 'exp-7',
      instances: ['bot-3'],
    };
    expect(readSelector(selector, 'etcd:/k/canary')).toEqual(selector);
    expect(readSelector({ percent: 12.5 }, 'etcd:/k/canary')).toEqual({ percent: 12.5 });
    const all = readSelector(JSON.parse('{}'), 'etcd:/k/canary');
    expect(all).toEqual({});
    expect(selectorMatches(all, identity('anyone'), 's')).toBe(true);
  });

  it('refuses an unknown field, naming it at its JSON path with the field it looks like', () => {
    const issues = issuesOf({ lables: { symbol: 'BTC' }, percent: 10 });
    expect(issues).toEqual([
      { path: 'match.lables', message: expect.stringContaining('did you mean "labels"?') },
    ]);
    expect(() => readSelector({ lables: {} }, 'etcd:/bots/trend/overlays/btc')).toThrow(
      /Config etcd:\/bots\/trend\/overlays\/btc failed validation[\s\S]*match\.lables: unknown field/,
    );
  });

  it('refuses what is not an object, and fields of the wrong type, each at its path', () => {
    for (const value of [null, 'all', 10, [{}]]) {
      expect(issuesOf(value).map((issue) => issue.path)).toEqual(['match']);
    }
    const issues = issuesOf({
      labels: { symbol: 5, region: '' },
      seed: 7,
      instances: ['bot-1', '', 3],
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      'match.labels.symbol',
      'match.labels.region',
      'match.seed',
      'match.instances.1',
      'match.instances.2',
    ]);
    expect(issues[0]!.message).toContain('got the number 5');
    for (const value of [{ labels: ['symbol'] }, { labels: 'BTC' }, { instances: 'bot-1' }]) {
      expect(issuesOf(value)).toHaveLength(1);
    }
    expect(issuesOf({ seed: '' })[0]!.path).toBe('match.seed');
  });

  it('refuses a percentage outside 0..100, a range that starts after it ends, and other shapes', () => {
    for (const percent of [-1, 100.5, Number.NaN, '10', '10%', [10], [1, 2, 3], null]) {
      expect(issuesOf({ percent })[0]!.path, String(percent)).toBe('match.percent');
    }
    expect(issuesOf({ percent: [10, 101] })).toEqual([
      { path: 'match.percent.1', message: expect.stringContaining('from 0 to 100') },
    ]);
    expect(issuesOf({ percent: [60, 40] })).toEqual([
      { path: 'match.percent', message: expect.stringContaining('from 60 must not be greater') },
    ]);
    expect(readSelector({ percent: [0, 100] }, 'x')).toEqual({ percent: [0, 100] });
    expect(readSelector({ percent: [50, 50] }, 'x')).toEqual({ percent: [50, 50] });
  });

  it('refuses prototype-poisoning keys, and pollutes nothing while reading them', () => {
    const poisoned = [
      '{"__proto__": {"polluted": true}}',
      '{"labels": {"__proto__": "x"}}',
      '{"labels": {"constructor": "x"}}',
      '{"labels": {"prototype": "x"}}',
    ];
    for (const text of poisoned) {
      const issues = issuesOf(JSON.parse(text));
      expect(issues, text).toHaveLength(1);
    }
    expect(issuesOf(JSON.parse(poisoned[1]!))[0]!.message).toContain('prototype poisoning');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('quotes no record text at length and on no more than one line', () => {
    const long = 'A'.repeat(5000);
    const issues = issuesOf({ [`x\u001b[2J\n${long}`]: 1, percent: long, labels: { a: 7 } });
    expect(issues).toHaveLength(3);
    for (const { path, message } of issues) {
      expect(`${path} ${message}`).not.toContain('A'.repeat(41));
      // oxlint-disable-next-line no-control-regex -- no control character may get through
      expect(`${path} ${message}`).not.toMatch(/[\u0000-\u001f]/);
    }
    expect(issues[0]!.path).toBe(`match.x\\u001b[2J / ${'A'.repeat(34)}...`);
    const message = (() => {
      try {
        readSelector({ [`bad\n  - match.seed: forged`]: 1 }, 'etcd:/k');
      } catch (error) {
        return (error as Error).message;
      }
    })()!;
    expect(message.split('\n')).toHaveLength(2); // the heading and one issue
  });
});
