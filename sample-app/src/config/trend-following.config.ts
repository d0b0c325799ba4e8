import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsLessThan } from './is-less-than.validator.js';

// The one place the config's rules are written: the module checks the JSON Schema generated
// from these classes first (`schema: 'fromDto'`), then the DTO itself, which adds the rules a
// schema cannot express (fastPeriod < slowPeriod). `@IsObject()` next to `@ValidateNested()`
// makes a section required: a nested DTO alone accepts a missing key.

/** An exchange pair such as BTC-USD. */
export const SYMBOL = /^[A-Z0-9]{2,10}-[A-Z]{3,5}$/;

export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export const MA_TYPES = ['sma', 'ema'] as const;
export type MovingAverageType = (typeof MA_TYPES)[number];

export class StrategyParameters {
  @IsIn(MA_TYPES)
  maType!: MovingAverageType;

  @IsInt()
  @Min(1)
  @IsLessThan('slowPeriod')
  fastPeriod!: number;

  @IsInt()
  @Min(2)
  @Max(500)
  slowPeriod!: number;

  @IsInt()
  @Min(1)
  @Max(500)
  atrPeriod!: number;

  @IsNumber()
  @Min(0.5)
  @Max(10)
  atrMultiplier!: number;

  /** Minimum efficiency ratio (0 = noise, 1 = straight line) before the strategy trades. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  minTrendStrength?: number;
}

export class StrategyRisk {
  /** Hard stop as a fraction of the entry price. */
  @IsNumber()
  @IsPositive()
  @Max(1)
  stopLoss!: number;

  @IsNumber()
  @IsPositive()
  @Max(10)
  takeProfit!: number;

  /** Fraction of equity one position may use. */
  @IsNumber()
  @IsPositive()
  @Max(1)
  maxPositionSize!: number;

  @IsNumber()
  @IsPositive()
  @Max(0.1)
  riskPerTrade!: number;

  @IsOptional()
  @IsBoolean()
  trailingStop?: boolean;
}

export class StrategyConfig {
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/)
  id!: string;

  @IsBoolean()
  enabled!: boolean;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(SYMBOL, { each: true })
  symbols!: string[];

  @IsIn(TIMEFRAMES)
  timeframe!: Timeframe;

  @IsObject()
  @ValidateNested()
  @Type(() => StrategyParameters)
  parameters!: StrategyParameters;

  @IsObject()
  @ValidateNested()
  @Type(() => StrategyRisk)
  risk!: StrategyRisk;
}

export class TrendingRegime {
  @IsNumber()
  @Min(0)
  @Max(1)
  minTrendStrength!: number;

  @IsNumber()
  @Min(0)
  @Max(2)
  exposureMultiplier!: number;
}

export class RangingRegime {
  @IsNumber()
  @Min(0)
  @Max(2)
  exposureMultiplier!: number;
}

export class VolatileRegime {
  /** ATR as a percentage of price at or above which the market counts as volatile. */
  @IsNumber()
  @IsPositive()
  @Max(100)
  minAtrPercent!: number;

  @IsNumber()
  @Min(0)
  @Max(2)
  exposureMultiplier!: number;
}

export class RegimesConfig {
  @Matches(SYMBOL)
  referenceSymbol!: string;

  @IsInt()
  @Min(10)
  @Max(500)
  lookbackBars!: number;

  @IsObject()
  @ValidateNested()
  @Type(() => TrendingRegime)
  trending!: TrendingRegime;

  @IsObject()
  @ValidateNested()
  @Type(() => RangingRegime)
  ranging!: RangingRegime;

  @IsObject()
  @ValidateNested()
  @Type(() => VolatileRegime)
  volatile!: VolatileRegime;
}

export class RiskLimits {
  @IsNumber()
  @IsPositive()
  @Max(1)
  maxDailyLoss!: number;

  @IsNumber()
  @IsPositive()
  @Max(1)
  maxDrawdown!: number;

  @IsInt()
  @Min(1)
  @Max(100)
  maxOpenPositions!: number;

  @IsNumber()
  @Min(1)
  @Max(10)
  maxLeverage!: number;

  @IsNumber()
  @IsPositive()
  @Max(1)
  maxExposurePerSymbol!: number;

  @IsOptional()
  @IsBoolean()
  haltOnBreach?: boolean;
}

export class ExecutionConfig {
  @IsIn(['market', 'limit'])
  orderType!: 'market' | 'limit';

  @IsNumber()
  @Min(0)
  @Max(500)
  slippageBps!: number;

  @IsInt()
  @Min(0)
  @Max(10)
  maxRetries!: number;
}

/**
 * Where orders go. `apiKey` and `apiSecret` are secrets: the reloader redacts them in its logs,
 * audit records and change lists, and `GET /config` redacts them the same way.
 */
export class ExchangeConfig {
  @IsString()
  @Length(1, 64)
  name!: string;

  @IsString()
  @Length(8, 256)
  apiKey!: string;

  @IsString()
  @Length(8, 256)
  apiSecret!: string;
}

export class TrendFollowingConfig {
  @IsString()
  @Length(1, 64)
  botName!: string;

  @IsIn(['paper', 'live'])
  mode!: 'paper' | 'live';

  @Matches(/^[A-Z]{3,5}$/)
  baseCurrency!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => ExchangeConfig)
  exchange!: ExchangeConfig;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => StrategyConfig)
  strategies!: StrategyConfig[];

  @IsObject()
  @ValidateNested()
  @Type(() => RegimesConfig)
  regimes!: RegimesConfig;

  @IsObject()
  @ValidateNested()
  @Type(() => RiskLimits)
  riskLimits!: RiskLimits;

  @IsObject()
  @ValidateNested()
  @Type(() => ExecutionConfig)
  execution!: ExecutionConfig;
}
