import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ConfigReloaderService, type ConfigPathChange } from 'nestjs-config-reloader';
import type { StrategyConfig, TrendFollowingConfig } from './config/trend-following.config.js';
import { MarketFeed } from './market/market-feed.service.js';
import { PositionBook, type OpenOrder, type OrderSide } from './positions/position-book.service.js';
import { RegimeEngine, type RegimeName } from './regime-engine.service.js';
import { decide, type StrategyDecision } from './trend-signal.js';

/** Injection token of the runner's {@link TradingOptions}. */
export const TRADING_OPTIONS = Symbol('TRADING_OPTIONS');

export interface TradingOptions {
  /** Milliseconds between simulated bars. */
  barIntervalMs: number;
  /** Open simulated orders on buy/sell signals. Off, orders are only opened by hand. */
  autoTrade: boolean;
  /** How many bars an automatically opened order stays open. */
  orderHoldBars: number;
  /**
   * A hold that outlives this releases itself (with a warning from the reloader): an order
   * stuck open must not freeze the config forever.
   */
  holdTimeoutMs: number;
}

/** What the last bar did and which config version it used. */
export interface BarReport {
  bar: number;
  version: number;
  regime: RegimeName;
  exposureMultiplier: number;
  decisions: StrategyDecision[];
}

export interface OpenOrderRequest {
  strategyId: string;
  symbol: string;
  side: OrderSide;
  size?: number;
  /** Close the order automatically after this many bars; by hand (`closeOrder`) when omitted. */
  closeAfterBars?: number;
}

/**
 * Runs every enabled strategy on each simulated bar. The config is read from the reloader
 * at the start of every bar and never kept between bars, so a reload takes effect on the
 * next bar without restarting anything.
 *
 * Each open order holds the config ("don't reload mid-trade"): a change saved meanwhile is
 * validated at once but waits, and applies when the last order closes.
 */
@Injectable()
export class StrategyRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StrategyRunner.name);
  private timer?: NodeJS.Timeout;
  private barCount = 0;
  /** Release function of each open order's hold, and the bar it closes on (auto orders). */
  private readonly holds = new Map<number, { release: () => void; closeAtBar?: number }>();
  /** Each strategy and symbol's action on the previous bar: orders open on a new signal only. */
  private readonly previousActions = new Map<string, StrategyDecision['action']>();
  /** Whether a config change was already reported as waiting, so it is logged once. */
  private reportedPending = false;
  private stopFollowingStrategies?: () => void;

  lastBar?: BarReport;
  /** The last strategy whose settings changed, and how. */
  lastRetune?: { strategyId: string; change: 'added' | 'changed' | 'removed'; version: number };

  constructor(
    private readonly reloader: ConfigReloaderService<TrendFollowingConfig>,
    private readonly market: MarketFeed,
    private readonly regimes: RegimeEngine,
    private readonly positions: PositionBook,
    @Inject(TRADING_OPTIONS) private readonly options: TradingOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.runBarSafely(), this.options.barIntervalMs);
    // Called once per strategy whose settings changed; the other strategies keep their state.
    this.stopFollowingStrategies = this.reloader.onChange('strategies.*', (change) =>
      this.startSignalsAfresh(change),
    );
  }

  onModuleDestroy(): void {
    this.stopFollowingStrategies?.();
    clearInterval(this.timer);
    this.timer = undefined;
    // The reloader drops its holds on shutdown without applying a waiting change.
    const open = this.positions.openOrders();
    if (open.length > 0) {
      this.logger.warn(`${open.length} order(s) still open at shutdown: ${open.map(describe)}`);
    }
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

    this.closeDueOrders();
    if (this.options.autoTrade) this.openOnSignals(decisions);
    this.reportWaitingChange();
    return report;
  }

  /**
   * Opens a simulated order and holds the config until it closes. Public so that an order can
   * be opened by hand (tests, a console).
   */
  openOrder(request: OpenOrderRequest): OpenOrder {
    if (!this.reloader.config.strategies.some((s) => s.id === request.strategyId)) {
      throw new Error(`no strategy "${request.strategyId}" in the current config`);
    }
    const order = this.positions.open({
      strategyId: request.strategyId,
      symbol: request.symbol,
      side: request.side,
      size: request.size ?? 0,
      openedAtBar: this.barCount,
    });
    const release = this.reloader.hold(`order ${order.id} open on ${order.symbol}`, {
      timeoutMs: this.options.holdTimeoutMs,
    });
    const closeAtBar =
      request.closeAfterBars === undefined ? undefined : this.barCount + request.closeAfterBars;
    this.holds.set(order.id, { release, closeAtBar });
    this.logger.log(`opened ${describe(order)}; config changes wait until it closes`);
    return order;
  }

  /** Closes an order and releases its hold; a change that waited applies once no order is open. */
  closeOrder(orderId: number): OpenOrder | undefined {
    const order = this.positions.close(orderId);
    const hold = this.holds.get(orderId);
    this.holds.delete(orderId);
    if (!order) return undefined;
    const { pending } = this.reloader.getHealth();
    this.logger.log(`closed ${describe(order)}`);
    hold?.release();
    if (pending && this.holds.size === 0) {
      this.logger.log('no order open any more: the waiting config change applies now');
    }
    return order;
  }

  private closeDueOrders(): void {
    for (const [orderId, { closeAtBar }] of this.holds) {
      if (closeAtBar !== undefined && closeAtBar <= this.barCount) this.closeOrder(orderId);
    }
  }

  /**
   * A strategy whose settings changed starts its signals afresh: a signal that flips only
   * because its periods did is not a market move, so it must not open an order.
   */
  private startSignalsAfresh({ previous, next, version }: ConfigPathChange<StrategyConfig>): void {
    const ids = new Set([previous?.id, next?.id].filter((id): id is string => id !== undefined));
    for (const key of this.previousActions.keys()) {
      if (ids.has(key.slice(0, key.indexOf(' ')))) this.previousActions.delete(key);
    }
    const change = !previous ? 'added' : !next ? 'removed' : 'changed';
    const strategyId = (next ?? previous)!.id;
    this.lastRetune = { strategyId, change, version };
    this.logger.log(`strategy ${strategyId} ${change} in v${version}: its signals start afresh`);
  }

  /**
   * Opens an order when a strategy's signal turns to buy or sell on a symbol (not on every bar
   * the signal lasts), at most one order per strategy at a time.
   */
  private openOnSignals(decisions: readonly StrategyDecision[]): void {
    for (const decision of decisions) {
      const key = `${decision.strategyId} ${decision.symbol}`;
      const previous = this.previousActions.get(key);
      this.previousActions.set(key, decision.action);
      if (
        decision.action === 'hold' ||
        previous === undefined ||
        previous === decision.action ||
        this.positions.hasOpenOrders(decision.strategyId)
      ) {
        continue;
      }
      this.openOrder({
        strategyId: decision.strategyId,
        symbol: decision.symbol,
        side: decision.action,
        size: decision.size,
        closeAfterBars: this.options.orderHoldBars,
      });
    }
  }

  /** Says once when a validated config change is waiting for open orders to close. */
  private reportWaitingChange(): void {
    const { pending, holds } = this.reloader.getHealth();
    if (pending && !this.reportedPending) {
      this.logger.log(`config change waits for ${holds.length} open order(s): ${holds.join(', ')}`);
    }
    this.reportedPending = pending;
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

function describe(order: OpenOrder): string {
  return `order ${order.id} (${order.side} ${order.symbol} for ${order.strategyId})`;
}

function formatBar(report: BarReport, mode: string): string {
  const count = (action: string) => report.decisions.filter((d) => d.action === action).length;
  return (
    `bar ${report.bar} ${mode} config v${report.version} ` +
    `${report.regime} x${report.exposureMultiplier.toFixed(2)} | ` +
    `buy ${count('buy')} sell ${count('sell')} hold ${count('hold')}`
  );
}
