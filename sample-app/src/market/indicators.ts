import type { MovingAverageType } from '../config/trend-following.config.js';
import type { Bar } from './market-feed.service.js';

// Plain functions over the newest bars; callers make sure the history is long enough.

export function movingAverage(
  closes: readonly number[],
  period: number,
  type: MovingAverageType,
): number {
  if (type === 'sma') {
    const window = closes.slice(-period);
    return window.reduce((sum, close) => sum + close, 0) / window.length;
  }
  // An EMA forgets old prices geometrically; a few periods of warm-up are enough.
  const window = closes.slice(-period * 4);
  const k = 2 / (period + 1);
  return window.reduce((ema, close) => ema + k * (close - ema));
}

/** Mean true range over the last `period` bars, in price units. */
export function averageTrueRange(bars: readonly Bar[], period: number): number {
  const window = bars.slice(-(period + 1));
  let total = 0;
  for (let i = 1; i < window.length; i++) {
    const { high, low } = window[i];
    const previousClose = window[i - 1].close;
    total += Math.max(high - low, Math.abs(high - previousClose), Math.abs(low - previousClose));
  }
  return total / Math.max(1, window.length - 1);
}

/**
 * Kaufman efficiency ratio over `lookback` bars: net move divided by the path travelled.
 * 1 is a straight line (strong trend), values near 0 are noise.
 */
export function efficiencyRatio(closes: readonly number[], lookback: number): number {
  const window = closes.slice(-(lookback + 1));
  let path = 0;
  for (let i = 1; i < window.length; i++) path += Math.abs(window[i] - window[i - 1]);
  const net = Math.abs(window[window.length - 1] - window[0]);
  return path === 0 ? 0 : net / path;
}
