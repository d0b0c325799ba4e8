import { Injectable } from '@nestjs/common';
import type { TrendFollowingConfig } from '../config/trend-following.config.js';

export type OrderSide = 'buy' | 'sell';

/** A simulated order, open from the bar it was placed until it is closed. */
export interface OpenOrder {
  id: number;
  strategyId: string;
  symbol: string;
  side: OrderSide;
  size: number;
  openedAtBar: number;
  openedAt: Date;
}

/**
 * The open orders, by strategy. It knows nothing of the config reloader: it is what the
 * reloader's `beforeApply` veto consults ("never disable or remove a strategy that holds a
 * position"), so it lives in its own module that the reloader module can import.
 */
@Injectable()
export class PositionBook {
  private readonly orders = new Map<number, OpenOrder>();
  private nextId = 1;

  /** Records a new open order and returns it. */
  open(order: Omit<OpenOrder, 'id' | 'openedAt'>): OpenOrder {
    const opened: OpenOrder = { ...order, id: this.nextId++, openedAt: new Date() };
    this.orders.set(opened.id, opened);
    return opened;
  }

  /** Removes an order; returns it, or undefined when it was not open. */
  close(orderId: number): OpenOrder | undefined {
    const order = this.orders.get(orderId);
    this.orders.delete(orderId);
    return order;
  }

  get(orderId: number): OpenOrder | undefined {
    return this.orders.get(orderId);
  }

  /** Open orders, oldest first; only those of one strategy when `strategyId` is given. */
  openOrders(strategyId?: string): OpenOrder[] {
    const all = [...this.orders.values()];
    return strategyId === undefined ? all : all.filter((order) => order.strategyId === strategyId);
  }

  hasOpenOrders(strategyId: string): boolean {
    return this.openOrders(strategyId).length > 0;
  }

  /**
   * The business veto: throws when `next` disables or removes a strategy that still has open
   * orders, naming each such strategy and its orders. Used as the reloader's `beforeApply`.
   */
  assertCanApply(next: Readonly<TrendFollowingConfig>): void {
    const problems: string[] = [];
    for (const [strategyId, orders] of this.byStrategy()) {
      const strategy = next.strategies.find((candidate) => candidate.id === strategyId);
      if (strategy?.enabled) continue;
      const what = strategy ? 'disabled in' : 'removed from';
      problems.push(
        `strategy "${strategyId}" is ${what} the new config but still has ${describeOrders(orders)}`,
      );
    }
    if (problems.length > 0) {
      // The module judges a vetoed change again every verifyIntervalMs: once the orders have
      // closed, it applies by itself, whether it came from a file or from etcd.
      throw new Error(
        `${problems.join('; ')}. The change applies by itself once those orders have closed.`,
      );
    }
  }

  private byStrategy(): Map<string, OpenOrder[]> {
    const groups = new Map<string, OpenOrder[]>();
    for (const order of this.orders.values()) {
      const group = groups.get(order.strategyId);
      if (group) group.push(order);
      else groups.set(order.strategyId, [order]);
    }
    return groups;
  }
}

function describeOrders(orders: readonly OpenOrder[]): string {
  const list = orders.map((order) => `#${order.id} ${order.side} ${order.symbol}`).join(', ');
  return `${orders.length} open order${orders.length === 1 ? '' : 's'} (${list})`;
}
