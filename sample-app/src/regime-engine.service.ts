import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  CONFIG_RELOAD_FAILED,
  CONFIG_RELOADED,
  type ConfigReloadedEvent,
  type ConfigReloadFailedEvent,
} from 'nestjs-config-reloader';
import type { TrendFollowingConfig } from './config/trend-following.config.js';
import { averageTrueRange, efficiencyRatio } from './market/indicators.js';
import { MarketFeed } from './market/market-feed.service.js';

export type RegimeName = 'trending' | 'ranging' | 'volatile';

export interface RegimeState {
  regime: RegimeName;
  exposureMultiplier: number;
  /** Efficiency ratio of the reference symbol over the lookback, 0..1. */
  trendStrength: number;
  /** ATR as a percentage of the last price. */
  atrPercent: number;
}

/** The last reload notification seen, kept so tests and diagnostics can inspect it. */
export type ReloadNotification =
  | { type: typeof CONFIG_RELOADED; payload: ConfigReloadedEvent<TrendFollowingConfig> }
  | { type: typeof CONFIG_RELOAD_FAILED; payload: ConfigReloadFailedEvent };

/** Long change lists (a reordered array) would flood the log; the event has them all. */
const MAX_LOGGED_CHANGES = 8;

/**
 * Classifies the market (trending / ranging / volatile) from the regime thresholds in the
 * config and turns that into an exposure multiplier for the strategies.
 */
@Injectable()
export class RegimeEngine {
  private readonly logger = new Logger(RegimeEngine.name);

  current?: RegimeState;
  lastEvent?: ReloadNotification;
  /** The last applied change (a later failure does not replace it), for `GET /config`. */
  lastReload?: ConfigReloadedEvent<TrendFollowingConfig>;

  constructor(private readonly market: MarketFeed) {}

  /** Evaluates the regime under the given config snapshot (the caller's, for consistency). */
  evaluate(config: Readonly<TrendFollowingConfig>): RegimeState {
    const { regimes } = config;
    const bars = this.market.bars(regimes.referenceSymbol);
    const closes = bars.map((bar) => bar.close);
    const trendStrength = efficiencyRatio(closes, regimes.lookbackBars);
    const atrPercent =
      (averageTrueRange(bars, regimes.lookbackBars) / closes[closes.length - 1]) * 100;

    // Volatility wins over trend: a violent trend is still sized as volatile.
    const regime: RegimeName =
      atrPercent >= regimes.volatile.minAtrPercent
        ? 'volatile'
        : trendStrength >= regimes.trending.minTrendStrength
          ? 'trending'
          : 'ranging';
    const state = {
      regime,
      exposureMultiplier: regimes[regime].exposureMultiplier,
      trendStrength,
      atrPercent,
    };

    if (this.current?.regime !== regime) {
      const from = this.current ? `${this.current.regime} -> ` : '';
      this.logger.log(`regime ${from}${formatRegime(state)}`);
    }
    this.current = state;
    return state;
  }

  /** Paths changed by the last applied reload; empty before the first one. */
  get lastChanges(): readonly string[] {
    return this.lastReload?.changes ?? [];
  }

  @OnEvent(CONFIG_RELOADED)
  onConfigReloaded(event: ConfigReloadedEvent<TrendFollowingConfig>): void {
    this.lastEvent = { type: CONFIG_RELOADED, payload: event };
    this.lastReload = event;
    this.logger.log(`config v${event.version} applied: ${summarize(event.changes)}`);
    // Thresholds or multipliers may have changed: re-evaluate now rather than on the next bar.
    // evaluate() logs a change of regime itself; say so when it stayed the same.
    const before = this.current?.regime;
    const state = this.evaluate(event.newConfig);
    if (state.regime === before) this.logger.log(`regime still ${formatRegime(state)}`);
  }

  @OnEvent(CONFIG_RELOAD_FAILED)
  onConfigReloadFailed(event: ConfigReloadFailedEvent): void {
    this.lastEvent = { type: CONFIG_RELOAD_FAILED, payload: event };
    this.logger.warn(
      `config reload failed (${event.error.code}, ${event.consecutiveErrors} in a row), ` +
        `still running the last good config: ${event.error.message}`,
    );
  }
}

function formatRegime(state: RegimeState): string {
  return (
    `${state.regime} (exposure x${state.exposureMultiplier.toFixed(2)}, ` +
    `trend ${state.trendStrength.toFixed(2)}, atr ${state.atrPercent.toFixed(2)}%)`
  );
}

function summarize(changes: readonly string[]): string {
  if (changes.length === 0) return '(no field changed)';
  const shown = changes.slice(0, MAX_LOGGED_CHANGES).join(', ');
  const more = changes.length - MAX_LOGGED_CHANGES;
  return more > 0 ? `${shown} (+${more} more)` : shown;
}
