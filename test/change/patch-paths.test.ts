import { describe, expect, it } from 'vitest';
import { patchPaths } from '../../lib/change/patch-paths.js';
import { createSecretKeyMatcher } from '../../lib/change/secret-redaction.js';

const isSecretKey = createSecretKeyMatcher();

describe('the paths of a merge patch', () => {
  it('walks the objects it merges and stops where it sets, replaces or deletes', () => {
    const patch = {
      symbol: 'BTC',
      risk: { maxPositionUsd: 500, limits: { daily: 3 } },
      symbols: ['BTC', { nested: 1 }],
      legacy: null,
      empty: {},
    };
    expect(patchPaths(patch, isSecretKey)).toEqual([
      'symbol',
      'risk.maxPositionUsd',
      'risk.limits.daily',
      'symbols',
      'legacy',
      'empty',
    ]);
  });

  it('ends a path at a secret key: no value, no key name below it', () => {
    const patch = {
      exchange: { apiKey: 'sk_live_123', name: 'kraken' },
      apiTokens: { tok_live_abc: { scope: 'trade' } },
      database: { password: { nested: 'hunter2' } },
    };
    const paths = patchPaths(patch, isSecretKey);
    expect(paths).toEqual(['exchange.apiKey', 'exchange.name', 'apiTokens', 'database.password']);
    expect(paths.join(' ')).not.toMatch(/sk_live|tok_live|hunter2|nested/);
  });

  it('stops at a depth a hand-written record could push past any stack', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const [path] = patchPaths(deep, isSecretKey);
    expect(path!.split('.')).toHaveLength(32);
  });
});
