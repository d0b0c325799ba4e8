import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../lib/pipeline/deep-freeze.js';

class Risk {
  constructor(public stopLoss: number) {}

  get percent(): number {
    return this.stopLoss * 100;
  }
}

class Strategy {
  constructor(
    public id: string,
    public risk: Risk,
    public symbols: string[],
  ) {}
}

describe('deepFreeze', () => {
  it('returns the same object, frozen', () => {
    const config = { a: 1 };
    expect(deepFreeze(config)).toBe(config);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('freezes nested objects and arrays, and objects inside arrays', () => {
    const config = {
      risk: { limits: { daily: 100 } },
      strategies: [
        { id: 'a', params: { fast: 10 } },
        { id: 'b', params: { fast: 20 } },
      ],
      matrix: [
        [1, 2],
        [3, 4],
      ],
    };
    deepFreeze(config);
    expect(Object.isFrozen(config.risk)).toBe(true);
    expect(Object.isFrozen(config.risk.limits)).toBe(true);
    expect(Object.isFrozen(config.strategies)).toBe(true);
    for (const strategy of config.strategies) {
      expect(Object.isFrozen(strategy)).toBe(true);
      expect(Object.isFrozen(strategy.params)).toBe(true);
    }
    expect(Object.isFrozen(config.matrix)).toBe(true);
    expect(Object.isFrozen(config.matrix[1])).toBe(true);
  });

  it('freezes class instances and their nested instances and arrays', () => {
    const strategy = new Strategy('trend', new Risk(0.02), ['BTC', 'ETH']);
    const frozen = deepFreeze(strategy);
    expect(frozen).toBeInstanceOf(Strategy);
    expect(Object.isFrozen(strategy)).toBe(true);
    expect(Object.isFrozen(strategy.risk)).toBe(true);
    expect(Object.isFrozen(strategy.symbols)).toBe(true);
    // Getters on the prototype still work on the frozen instance.
    expect(frozen.risk.percent).toBe(2);
  });

  it('does not freeze the prototype of a class instance', () => {
    deepFreeze(new Risk(0.1));
    expect(Object.isFrozen(Risk.prototype)).toBe(false);
  });

  it('makes assignment throw a TypeError in strict mode, and leaves the value unchanged', () => {
    const config = { risk: { stopLoss: 0.1 }, symbols: ['BTC'] } as {
      risk: { stopLoss: number; takeProfit?: number };
      symbols: string[];
      extra?: number;
    };
    deepFreeze(config);
    expect(() => {
      config.risk.stopLoss = 0.5;
    }).toThrow(TypeError);
    expect(() => {
      config.risk.takeProfit = 0.5;
    }).toThrow(TypeError);
    expect(() => {
      config.extra = 1;
    }).toThrow(TypeError);
    expect(() => {
      config.symbols.push('ETH');
    }).toThrow(TypeError);
    expect(() => {
      config.symbols[0] = 'ETH';
    }).toThrow(TypeError);
    expect(() => {
      delete (config as { risk?: unknown }).risk;
    }).toThrow(TypeError);
    expect(config).toEqual({ risk: { stopLoss: 0.1 }, symbols: ['BTC'] });
  });

  it('returns already frozen input as is', () => {
    const inner = Object.freeze({ b: 1 });
    const config = Object.freeze({ a: inner });
    expect(deepFreeze(config)).toBe(config);
    expect(deepFreeze(config).a).toBe(inner);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('returns primitives and null unchanged', () => {
    expect(deepFreeze(42)).toBe(42);
    expect(deepFreeze('text')).toBe('text');
    expect(deepFreeze(null)).toBeNull();
    expect(deepFreeze(undefined)).toBeUndefined();
    expect(deepFreeze(true)).toBe(true);
  });

  it('handles shared references', () => {
    const shared = { value: 1 };
    const config: Record<string, unknown> = { a: shared, b: shared };
    expect(() => deepFreeze(config)).not.toThrow();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(shared)).toBe(true);
  });
});

describe('shallow-frozen input', () => {
  it('still freezes the children of an object that was frozen only at the top', () => {
    const value = Object.freeze({ inner: { a: 1 } });
    deepFreeze(value);
    expect(Object.isFrozen(value.inner)).toBe(true);
  });

  it('refuses a cycle with a clear error instead of overflowing the stack', () => {
    const node: Record<string, unknown> = {};
    node.self = node;
    expect(() => deepFreeze(node)).toThrow(/deeper than 1000 levels/);
  });
});
