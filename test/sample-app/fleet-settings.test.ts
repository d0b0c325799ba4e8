import { describe, expect, it } from 'vitest';
import { parseLabels } from '../../sample-app/src/config/config-source.js';
import { assertExposureWithin } from '../../sample-app/src/positions/exposure-limit.js';
import type { TrendFollowingConfig } from '../../sample-app/src/config/trend-following.config.js';

const config = (trending: number, ranging: number, volatile: number) =>
  ({
    regimes: {
      referenceSymbol: 'BTC-USD',
      lookbackBars: 50,
      trending: { minTrendStrength: 0.3, exposureMultiplier: trending },
      ranging: { exposureMultiplier: ranging },
      volatile: { minAtrPercent: 3, exposureMultiplier: volatile },
    },
  }) as unknown as TrendFollowingConfig;

describe("the sample bot's fleet settings", () => {
  it('reads LABELS as name=value pairs, and refuses a term without a value', () => {
    expect(parseLabels('symbol=BTC, region=eu')).toEqual({ symbol: 'BTC', region: 'eu' });
    expect(parseLabels('')).toEqual({});
    expect(parseLabels('note=a=b')).toEqual({ note: 'a=b' });
    expect(() => parseLabels('symbol')).toThrow(/LABELS must be name=value pairs.*"symbol"/);
    expect(() => parseLabels('=BTC')).toThrow(/LABELS/);
  });

  it("vetoes a config above the bot's own exposure limit, naming each regime over it", () => {
    expect(() => assertExposureWithin(config(1, 0.4, 0.25), 1)).not.toThrow();
    expect(() => assertExposureWithin(config(2, 2, 2), undefined)).not.toThrow();
    expect(() => assertExposureWithin(config(1.5, 0.4, 1.2), 1)).toThrow(
      'regimes.trending.exposureMultiplier 1.5, regimes.volatile.exposureMultiplier 1.2 above ' +
        "this bot's exposure limit 1 (MAX_EXPOSURE)",
    );
  });
});
