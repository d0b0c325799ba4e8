import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../lib/config-reloader.suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['debounceMs', 'debounceMs', 0],
    ['debounce', 'debounceMs', 2], // two insertions
    ['debounceMS', 'debounceMs', 1], // one substitution
    ['debuonceMs', 'debounceMs', 1], // one swap of neighbours
    ['kitten', 'sitting', 3],
    ['usePoling', 'usePolling', 1], // one deletion
  ])('%j -> %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestName', () => {
  const known = ['debounceMs', 'usePolling', 'pollingIntervalMs', 'configPath', 'schemaPath'];

  it('suggests the nearest known name', () => {
    expect(closestName('debounce', known)).toBe('debounceMs');
    expect(closestName('usepoling', known)).toBe('usePolling');
    expect(closestName('ConfigPath', known)).toBe('configPath');
  });

  it('prefers the nearer of two candidates', () => {
    expect(closestName('schemaPat', known)).toBe('schemaPath');
  });

  it('suggests nothing for a name that is nothing like any', () => {
    expect(closestName('watch', known)).toBeUndefined();
    expect(closestName('x', known)).toBeUndefined();
  });
});
