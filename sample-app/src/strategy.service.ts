import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ConfigReloaderService } from 'nestjs-config-reloader';
import type { TrendFollowingConfig } from './config/trend-following.config.js';
import { MarketFeed } from './market/market-feed.service.js';
import { RegimeEngine, type RegimeName } from './regime-engine.service.js';
import { decide, type StrategyDecision } from './trend-signal.js';

/** Injection token: milliseconds between simulated bars. */
export const BAR_INTERVAL_MS = Symbol('BAR_INTERVAL_MS');

/** What the last bar did and which config version it used. */
export interface BarReport {
  bar: number;
  version: number;
  regime: RegimeName;
  exposureMultiplier: number;
  decisions: StrategyDecision[];
}

/**
 * Runs every enabled strategy on each simulated bar. The config is read from the reloader
 * at the start of every bar and never kept between bars, so a reload takes effect on the
 * next bar without restarting anything.
 */
@Injectable()
export class StrategyRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StrategyRunner.name);
  private timer?: NodeJS.Timeout;
  private barCount = 0;

  lastBar?: BarReport;

  constructor(
    private readonly reloader: ConfigReloaderService<TrendFollowingConfig>,
    private readonly market: MarketFeed,
    private readonly regimes: RegimeEngine,
    @Inject(BAR_INTERVAL_MS) private readonly barIntervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.runBarSafely(), this.barIntervalMs);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Processes one bar. Public so it can also be driven by hand. */
  runBar(): BarReport {
    // One read per bar: every strategy in this bar sees the same frozen snapshot.
    const config = this.reloader.config;
    const version = this.reloader.version;
    const enabled = config.strategies.filter((strategy) => strategy.enabled);

    this.market.advance(
      new Set([config.regimes.referenceSymbol, ...enabled.flatMap((s) => s.symbols)]),
    );
    const { regime, exposureMultiplier } = this.regimes.evaluate(config);

    const decisions = enabled.flatMap((strategy) =>
      strategy.symbols.map((symbol) =>
        decide(strategy, symbol, this.market.bars(symbol), config.riskLimits, exposureMultiplier),
      ),
    );

    const report = { bar: ++this.barCount, version, regime, exposureMultiplier, decisions };
    this.lastBar = report;
    this.logger.log(formatBar(report, config.mode));
    return report;
  }

  private runBarSafely(): void {
    // A throw inside setInterval would crash the process; one bad bar should not.
    try {
      this.runBar();
    } catch (error) {
      this.logger.error(`bar failed: ${(error as Error).message}`, (error as Error).stack);
    }
  }
}

function formatBar(report: BarReport, mode: string): string {
  const count = (action: string) => report.decisions.filter((d) => d.action === action).length;
  return (
    `bar ${report.bar} ${mode} config v${report.version} ` +
    `${report.regime} x${report.exposureMultiplier.toFixed(2)} | ` +
    `buy ${count('buy')} sell ${count('sell')} hold ${count('hold')}`
  );
}
