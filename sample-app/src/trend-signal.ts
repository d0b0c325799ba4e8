import type { RiskLimits, StrategyConfig } from './config/trend-following.config.js';
import { averageTrueRange, efficiencyRatio, movingAverage } from './market/indicators.js';
import type { Bar } from './market/market-feed.service.js';

export type Action = 'buy' | 'sell' | 'hold';

/** What one strategy decided for one symbol on one bar, with the parameters it used. */
export interface StrategyDecision {
  strategyId: string;
  symbol: string;
  fastPeriod: number;
  slowPeriod: number;
  stopLoss: number;
  action: Action;
  /** Fraction of equity to commit; 0 when holding. */
  size: number;
  stopPrice?: number;
}

/**
 * Moving-average crossover with a trend-strength filter and an ATR stop capped by the
 * strategy's hard stop-loss. Pure: everything it needs comes from the arguments.
 */
export function decide(
  strategy: StrategyConfig,
  symbol: string,
  bars: readonly Bar[],
  riskLimits: RiskLimits,
  exposureMultiplier: number,
): StrategyDecision {
  const { parameters, risk } = strategy;
  const closes = bars.map((bar) => bar.close);
  const close = closes[closes.length - 1];

  const fast = movingAverage(closes, parameters.fastPeriod, parameters.maType);
  const slow = movingAverage(closes, parameters.slowPeriod, parameters.maType);
  const trending =
    efficiencyRatio(closes, parameters.slowPeriod) >= (parameters.minTrendStrength ?? 0);
  const action: Action = !trending || fast === slow ? 'hold' : fast > slow ? 'buy' : 'sell';

  const stopDistance = Math.min(
    averageTrueRange(bars, parameters.atrPeriod) * parameters.atrMultiplier,
    close * risk.stopLoss,
  );
  const size =
    action === 'hold'
      ? 0
      : Math.min(risk.maxPositionSize, riskLimits.maxExposurePerSymbol) * exposureMultiplier;

  return {
    strategyId: strategy.id,
    symbol,
    fastPeriod: parameters.fastPeriod,
    slowPeriod: parameters.slowPeriod,
    stopLoss: risk.stopLoss,
    action,
    size,
    stopPrice:
      action === 'buy'
        ? close - stopDistance
        : action === 'sell'
          ? close + stopDistance
          : undefined,
  };
}
