import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsDefined,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { validateDto } from '../../../lib/pipeline/dto/dto.validator.js';

class RiskDto {
  @IsNumber()
  @Min(0)
  @Max(1)
  stopLoss!: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  takeProfit?: number;

  /** A method, to prove the value is a real instance of the class. */
  describe(): string {
    return `stop ${this.stopLoss}`;
  }
}

class StrategyDto {
  @IsString()
  id!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => RiskDto)
  risk!: RiskDto;
}

class BotConfigDto {
  @IsString()
  exchange!: string;

  @IsNumber()
  @Min(1)
  @Max(100)
  maxOpenTrades!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => StrategyDto)
  strategies!: StrategyDto[];
}

const validPlain = () => ({
  exchange: 'binance',
  maxOpenTrades: 5,
  strategies: [
    { id: 'trend', risk: { stopLoss: 0.02, takeProfit: 0.05 } },
    { id: 'mean', risk: { stopLoss: 0.01 } },
  ],
});

describe('validateDto', () => {
  it('returns an instance of the DTO class for valid input', async () => {
    const result = await validateDto(BotConfigDto, validPlain());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.instance).toBeInstanceOf(BotConfigDto);
    expect(result.instance.exchange).toBe('binance');
    expect(result.instance.maxOpenTrades).toBe(5);
  });

  it('turns nested objects and array elements into instances of their classes', async () => {
    const result = await validateDto(BotConfigDto, validPlain());
    if (!result.ok) throw new Error(`unexpected issues: ${JSON.stringify(result.issues)}`);
    const { strategies } = result.instance;
    expect(Array.isArray(strategies)).toBe(true);
    expect(strategies).toHaveLength(2);
    for (const strategy of strategies) {
      expect(strategy).toBeInstanceOf(StrategyDto);
      expect(strategy.risk).toBeInstanceOf(RiskDto);
    }
    expect(strategies[0]!.risk.describe()).toBe('stop 0.02');
    expect(strategies[1]!.risk.takeProfit).toBeUndefined();
  });

  it('does not modify the plain object it was given', async () => {
    const plain = validPlain();
    const result = await validateDto(BotConfigDto, plain);
    expect(result.ok).toBe(true);
    expect(plain).toEqual(validPlain());
    expect(plain.strategies[0]).not.toBeInstanceOf(StrategyDto);
    expect(Object.getPrototypeOf(plain.strategies[0]!.risk)).toBe(Object.prototype);
  });

  it('reports a nested error at a dotted path with numeric array indices', async () => {
    const plain = validPlain();
    plain.strategies[1]!.risk.stopLoss = 1.5;
    const result = await validateDto(BotConfigDto, plain);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { path: 'strategies.1.risk.stopLoss', message: 'stopLoss must not be greater than 1' },
    ]);
  });

  it('reports every error, at every level', async () => {
    const plain = {
      exchange: 42,
      maxOpenTrades: 0,
      strategies: [
        { id: 'trend', risk: { stopLoss: -0.1 } },
        { id: 7, risk: { stopLoss: 'high', takeProfit: -1 } },
      ],
    };
    const result = await validateDto(BotConfigDto, plain);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = [...new Set(result.issues.map((issue) => issue.path))].sort();
    expect(paths).toEqual(
      [
        'exchange',
        'maxOpenTrades',
        'strategies.0.risk.stopLoss',
        'strategies.1.id',
        'strategies.1.risk.stopLoss',
        'strategies.1.risk.takeProfit',
      ].sort(),
    );
    expect(result.issues).toContainEqual({
      path: 'maxOpenTrades',
      message: 'maxOpenTrades must not be less than 1',
    });
    expect(result.issues).toContainEqual({
      path: 'strategies.0.risk.stopLoss',
      message: 'stopLoss must not be less than 0',
    });
    expect(result.issues).toContainEqual({
      path: 'strategies.1.id',
      message: 'id must be a string',
    });
  });

  it('gives one issue per failed constraint of a property', async () => {
    const plain = validPlain();
    (plain.strategies[0]!.risk as Record<string, unknown>).stopLoss = 'high';
    const result = await validateDto(BotConfigDto, plain);
    if (result.ok) throw new Error('expected issues');
    const messages = result.issues
      .filter((issue) => issue.path === 'strategies.0.risk.stopLoss')
      .map((issue) => issue.message);
    // "high" is not a number, and as a number it is neither >= 0 nor <= 1.
    expect(messages).toContain('stopLoss must be a number conforming to the specified constraints');
    expect(messages.length).toBeGreaterThanOrEqual(2);
  });

  it('reports a missing nested object at its path', async () => {
    const plain = validPlain() as { strategies: Record<string, unknown>[] };
    delete plain.strategies[0]!.risk;
    const result = await validateDto(BotConfigDto, plain);
    if (result.ok) throw new Error('expected issues');
    expect(result.issues).toEqual([
      { path: 'strategies.0.risk', message: 'risk should not be null or undefined' },
    ]);
  });

  it('reports a non-array where an array is expected', async () => {
    const result = await validateDto(BotConfigDto, { ...validPlain(), strategies: 'none' });
    if (result.ok) throw new Error('expected issues');
    expect(result.issues).toContainEqual({
      path: 'strategies',
      message: 'strategies must be an array',
    });
  });

  it('reports a missing top-level property', async () => {
    const { exchange: _omitted, ...plain } = validPlain();
    const result = await validateDto(BotConfigDto, plain);
    if (result.ok) throw new Error('expected issues');
    expect(result.issues).toEqual([{ path: 'exchange', message: 'exchange must be a string' }]);
  });
});
