import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigReloaderModule, type ConfigSource } from 'nestjs-config-reloader';
import { prometheusMetrics } from 'nestjs-config-reloader/prometheus';
import { ConfigReloaderHealthIndicator } from 'nestjs-config-reloader/terminus';
import { TrendFollowingConfig } from './config/trend-following.config.js';
import { ConfigController } from './http/config.controller.js';
import { HealthController } from './http/health.controller.js';
import { MetricsController } from './http/metrics.controller.js';
import { MarketFeed } from './market/market-feed.service.js';
import { assertExposureWithin } from './positions/exposure-limit.js';
import { PositionBook } from './positions/position-book.service.js';
import { PositionModule } from './positions/position.module.js';
import { RegimeEngine } from './regime-engine.service.js';
import { StrategyRunner, TRADING_OPTIONS, type TradingOptions } from './strategy.service.js';

export interface AppOptions {
  /** The JSON file to load and watch. */
  configPath?: string;
  /** Or another source of the same document (the bot runs on etcd with `etcdSource()`). */
  configSource?: ConfigSource;
  /** Quiet period after the last write before reloading; short, because an operator is waiting. */
  debounceMs?: number;
  /** Milliseconds between simulated bars. */
  barIntervalMs?: number;
  /** Open simulated orders on buy/sell signals (default true); false leaves it to `openOrder`. */
  autoTrade?: boolean;
  /** Bars an automatically opened order stays open (default 3). */
  orderHoldBars?: number;
  /** Longest time one open order may hold the config back (default 30 s). */
  holdTimeoutMs?: number;
  /** Append one JSON line per load, reload and failure here; no audit log when omitted. */
  auditLogPath?: string;
  /** This bot's own cap on every regime's exposureMultiplier; a config above it is vetoed. */
  maxExposure?: number;
}

/** A factory rather than a static module, so tests can point the app at a temporary copy. */
@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    const trading: TradingOptions = {
      barIntervalMs: options.barIntervalMs ?? 1000,
      autoTrade: options.autoTrade ?? true,
      orderHoldBars: options.orderHoldBars ?? 3,
      holdTimeoutMs: options.holdTimeoutMs ?? 30_000,
    };
    return {
      module: AppModule,
      imports: [
        // Required for the reloader's events and for @OnEvent handlers.
        EventEmitterModule.forRoot(),
        TerminusModule,
        PositionModule,
        // Async, so the options can use the PositionBook: the veto needs to see open orders.
        ConfigReloaderModule.forRootAsync<TrendFollowingConfig>({
          imports: [PositionModule],
          inject: [PositionBook],
          useFactory: (book: PositionBook) => ({
            ...(options.configSource
              ? { configSource: options.configSource }
              : { configPath: options.configPath }),
            // The JSON Schema generated from the DTO, checked before it: one place for the rules.
            schema: 'fromDto',
            dto: TrendFollowingConfig,
            // A misspelt key ("stopLos") fails the reload instead of leaving the default in force.
            unknownKeys: 'refuse',
            debounceMs: options.debounceMs ?? 200,
            auditLogPath: options.auditLogPath,
            // Reloads, their results and the version in force, on GET /metrics.
            metrics: prometheusMetrics(),
            // Never disable or drop a strategy that still has open orders, nor go past this
            // bot's own exposure limit.
            beforeApply: (next) => {
              book.assertCanApply(next);
              assertExposureWithin(next, options.maxExposure);
            },
          }),
        }),
      ],
      controllers: [HealthController, ConfigController, MetricsController],
      providers: [
        MarketFeed,
        RegimeEngine,
        StrategyRunner,
        ConfigReloaderHealthIndicator,
        { provide: TRADING_OPTIONS, useValue: trading },
      ],
    };
  }
}
