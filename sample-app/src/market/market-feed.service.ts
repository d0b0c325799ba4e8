import { Injectable } from '@nestjs/common';
import { seededRandom } from './seeded-random.js';

export interface Bar {
  high: number;
  low: number;
  close: number;
}

/** Enough history for the longest period the schema allows (500), plus a margin. */
const HISTORY_BARS = 600;

/**
 * Simulated market: a seeded random walk per symbol whose drift and volatility switch now
 * and then, so trends, ranges and volatile stretches all show up. Deterministic per symbol.
 */
@Injectable()
export class MarketFeed {
  private readonly series = new Map<string, SymbolSeries>();

  /** Adds one bar to each symbol. */
  advance(symbols: Iterable<string>): void {
    for (const symbol of symbols) this.seriesOf(symbol).next();
  }

  /** History of a symbol, oldest first; a symbol seen for the first time gets a full history. */
  bars(symbol: string): readonly Bar[] {
    return this.seriesOf(symbol).bars;
  }

  private seriesOf(symbol: string): SymbolSeries {
    let series = this.series.get(symbol);
    if (!series) {
      series = new SymbolSeries(hash(symbol));
      this.series.set(symbol, series);
    }
    return series;
  }
}

class SymbolSeries {
  readonly bars: Bar[] = [];
  private readonly random: () => number;
  private drift = 0;
  private volatility = 0.01;

  constructor(seed: number) {
    this.random = seededRandom(seed);
    this.bars.push({ high: 100, low: 100, close: 100 });
    while (this.bars.length < HISTORY_BARS) this.next();
  }

  next(): void {
    // Roughly every 80 bars the market changes character: a new drift, and now and then
    // a volatile stretch.
    if (this.random() < 1 / 80) {
      this.drift = (this.random() - 0.5) * 0.01;
      this.volatility = this.random() < 0.15 ? 0.03 : 0.006 + this.random() * 0.008;
    }
    const open = this.bars[this.bars.length - 1].close;
    const close = open * Math.exp(this.drift + this.volatility * gaussian(this.random));
    const wick = () => 1 + (this.volatility / 2) * this.random();
    this.bars.push({
      high: Math.max(open, close) * wick(),
      low: Math.min(open, close) / wick(),
      close,
    });
    if (this.bars.length > HISTORY_BARS) this.bars.shift();
  }
}

/** Standard normal sample (Box-Muller). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
