import { describe, expect, it } from 'vitest';
import { changedPaths } from '../../lib/change/config.diff.js';

const strategies = () => [
  { id: 'a', risk: { stopLoss: 0.01 } },
  { id: 'b', risk: { stopLoss: 0.02 } },
  { id: 'c', risk: { stopLoss: 0.03 } },
  { id: 'd', risk: { stopLoss: 0.04 } },
];

describe('changedPaths', () => {
  it('returns [] for identical objects', () => {
    expect(changedPaths({}, {})).toEqual([]);
    const config = { exchange: 'binance', strategies: strategies(), flags: [true, false, null] };
    expect(changedPaths(config, structuredClone(config))).toEqual([]);
  });

  it('reports a changed top-level leaf', () => {
    expect(
      changedPaths({ exchange: 'binance', dryRun: true }, { exchange: 'kraken', dryRun: true }),
    ).toEqual(['exchange']);
  });

  it('reports a changed nested leaf with a dotted path', () => {
    expect(
      changedPaths({ risk: { limits: { daily: 100 } } }, { risk: { limits: { daily: 50 } } }),
    ).toEqual(['risk.limits.daily']);
  });

  it('reports an added key', () => {
    expect(changedPaths({ a: 1 }, { a: 1, b: 2 })).toEqual(['b']);
    expect(changedPaths({ risk: {} }, { risk: { stopLoss: 0.1 } })).toEqual(['risk.stopLoss']);
  });

  it('reports a removed key', () => {
    expect(changedPaths({ a: 1, b: 2 }, { a: 1 })).toEqual(['b']);
    expect(
      changedPaths({ risk: { stopLoss: 0.1, takeProfit: 0.2 } }, { risk: { stopLoss: 0.1 } }),
    ).toEqual(['risk.takeProfit']);
  });

  it('reports a change inside an array element with a numeric index', () => {
    const after = strategies();
    after[3]!.risk.stopLoss = 0.05;
    expect(changedPaths({ strategies: strategies() }, { strategies: after })).toEqual([
      'strategies.3.risk.stopLoss',
    ]);
  });

  it('reports changes in several array elements, each with its index', () => {
    const after = strategies();
    after[0]!.id = 'z';
    after[2]!.risk.stopLoss = 0.3;
    expect(changedPaths({ strategies: strategies() }, { strategies: after }).sort()).toEqual([
      'strategies.0.id',
      'strategies.2.risk.stopLoss',
    ]);
  });

  it('reports array growth at the new indices', () => {
    expect(
      changedPaths({ symbols: ['BTC', 'ETH'] }, { symbols: ['BTC', 'ETH', 'SOL', 'ADA'] }).sort(),
    ).toEqual(['symbols.2', 'symbols.3']);
  });

  it('reports an array shrink at the removed indices', () => {
    expect(
      changedPaths({ strategies: strategies() }, { strategies: strategies().slice(0, 2) }).sort(),
    ).toEqual(['strategies.2', 'strategies.3']);
  });

  it('reports a value in an array of scalars', () => {
    expect(changedPaths({ weights: [1, 2, 3] }, { weights: [1, 5, 3] })).toEqual(['weights.1']);
  });

  it('reports a type change from object to number at the key', () => {
    expect(changedPaths({ risk: { stopLoss: 0.1 } }, { risk: 5 })).toEqual(['risk']);
  });

  it('reports a type change from number to object at the key', () => {
    expect(changedPaths({ risk: 5 }, { risk: { stopLoss: 0.1 } })).toEqual(['risk']);
  });

  it('reports a change between object and array at the key', () => {
    expect(changedPaths({ items: {} }, { items: [] })).toEqual(['items']);
    expect(changedPaths({ items: { 0: 'x' } }, { items: ['x'] })).toEqual(['items']);
  });

  it('reports a change to and from null', () => {
    expect(changedPaths({ risk: null }, { risk: { stopLoss: 1 } })).toEqual(['risk']);
    expect(changedPaths({ risk: { stopLoss: 1 } }, { risk: null })).toEqual(['risk']);
  });

  it('tells 0 and false and "" apart', () => {
    expect(changedPaths({ a: 0, b: false, c: '' }, { a: false, b: '', c: 0 }).sort()).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('lists each path once', () => {
    const paths = changedPaths(
      { a: 1, b: { c: 2 }, d: [1] },
      { a: 2, b: { c: 3, e: 1 }, d: [1, 2], f: true },
    );
    expect(paths.sort()).toEqual(['a', 'b.c', 'b.e', 'd.1', 'f']);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('does not modify its inputs', () => {
    const before = { strategies: strategies() };
    const after = { strategies: strategies().slice(1) };
    changedPaths(before, after);
    expect(before).toEqual({ strategies: strategies() });
    expect(after).toEqual({ strategies: strategies().slice(1) });
  });
});

describe('keys named like Object.prototype members', () => {
  it('sees added keys called constructor, toString or valueOf', () => {
    expect(changedPaths({}, { constructor: 'x', toString: 1 }).sort()).toEqual([
      'constructor',
      'toString',
    ]);
    expect(changedPaths({ a: {} }, { a: { valueOf: 2 } })).toEqual(['a.valueOf']);
  });

  it('sees such keys removed, and changed', () => {
    expect(changedPaths({ constructor: 'x', b: 1 }, { b: 1 })).toEqual(['constructor']);
    expect(changedPaths({ n: { toString: 1 } }, { n: { toString: 2 } })).toEqual(['n.toString']);
  });
});
