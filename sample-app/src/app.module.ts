import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ConfigReloaderModule } from 'nestjs-config-reloader';
import { SCHEMA_PATH } from './config/paths.js';
import { TrendFollowingConfig } from './config/trend-following.config.js';
import { MarketFeed } from './market/market-feed.service.js';
import { RegimeEngine } from './regime-engine.service.js';
import { BAR_INTERVAL_MS, StrategyRunner } from './strategy.service.js';

export interface AppOptions {
  /** The JSON file to load and watch. */
  configPath: string;
  /** Quiet period after the last write before reloading; short, because an operator is waiting. */
  debounceMs?: number;
  /** Milliseconds between simulated bars. */
  barIntervalMs?: number;
}

/** A factory rather than a static module, so tests can point the app at a temporary copy. */
@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Required for the reloader's events and for @OnEvent handlers.
        EventEmitterModule.forRoot(),
        ConfigReloaderModule.forRoot<TrendFollowingConfig>({
          configPath: options.configPath,
          schemaPath: SCHEMA_PATH,
          dto: TrendFollowingConfig,
          debounceMs: options.debounceMs ?? 200,
        }),
      ],
      providers: [
        MarketFeed,
        RegimeEngine,
        StrategyRunner,
        { provide: BAR_INTERVAL_MS, useValue: options.barIntervalMs ?? 1000 },
      ],
    };
  }
}
