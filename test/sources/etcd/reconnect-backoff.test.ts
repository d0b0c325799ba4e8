import { describe, expect, it } from 'vitest';
import {
  MAX_RECONNECT_DELAY_MS,
  reconnectDelay,
} from '../../../lib/sources/etcd/reconnect-backoff.js';

describe('the etcd reconnect backoff', () => {
  it('grows exponentially and never waits longer than the cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 10, 50].map((attempt) => reconnectDelay(attempt, () => 1));
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    expect(Math.max(...ceilings)).toBe(MAX_RECONNECT_DELAY_MS);
  });

  it('spreads a fleet over the whole window (full jitter), so it does not return in step', () => {
    const delays = Array.from({ length: 1000 }, () => reconnectDelay(10));
    expect(Math.min(...delays)).toBeLessThan(200);
    expect(Math.max(...delays)).toBeGreaterThan(1800);
    const distinct = new Set(delays.map((delay) => Math.floor(delay / 100)));
    expect(distinct.size).toBeGreaterThanOrEqual(19); // every 100 ms bucket of 0..2000 is used
  });
});
