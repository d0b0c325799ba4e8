import { describe, expect, it } from 'vitest';
import { overlayRecordChanges } from '../../../lib/cli/overlay/overlay-record.diff.js';

describe('the changes overlay set shows', () => {
  it('shows a new overlay as its selector and its patch, added', () => {
    const changes = overlayRecordChanges(undefined, {
      match: { labels: { symbol: 'BTC' } },
      patch: { symbol: 'BTC', risk: { stopLoss: 0.01 } },
    });
    expect(changes).toEqual([
      { path: 'match', oldValue: undefined, newValue: 'symbol=BTC' },
      { path: 'patch.symbol', oldValue: undefined, newValue: 'BTC' },
      { path: 'patch.risk', oldValue: undefined, newValue: { stopLoss: 0.01 } },
    ]);
  });

  it('shows only what changed between two records, the selector as one change', () => {
    const before = {
      match: { percent: [0, 50] as [number, number], seed: 'exp-7' },
      patch: { a: 1, b: { c: 2 } },
    };
    const after = {
      match: { percent: [0, 60] as [number, number], seed: 'exp-7' },
      patch: { b: { c: 3 }, a: 1 },
    };
    expect(overlayRecordChanges(before, after)).toEqual([
      { path: 'match', oldValue: '0%..50%,seed=exp-7', newValue: '0%..60%,seed=exp-7' },
      { path: 'patch.b.c', oldValue: 2, newValue: 3 },
    ]);
    expect(overlayRecordChanges(after, after)).toEqual([]);
  });

  it('never carries a secret value: redacted under secret keys, masked in URLs', () => {
    const before = { match: {}, patch: { exchange: { apiKey: 'sk_live_OLD' } } };
    const after = {
      match: {},
      patch: {
        exchange: { apiKey: 'sk_live_NEW', feed: 'wss://bot:hunter2@feed.example' },
        pin: 1234,
      },
    };
    const changes = overlayRecordChanges(before, after, ['feedPin']);
    expect(JSON.stringify(changes)).not.toMatch(/sk_live|hunter2|1234/);
    expect(changes.map((change) => change.path)).toEqual([
      'patch.exchange.apiKey',
      'patch.exchange.feed',
      'patch.pin',
    ]);
    expect(overlayRecordChanges(undefined, after).find((c) => c.path === 'patch.exchange')).toEqual(
      {
        path: 'patch.exchange',
        oldValue: undefined,
        newValue: { apiKey: '[REDACTED]', feed: 'wss://bot:[REDACTED]@feed.example' },
      },
    );
  });
});
