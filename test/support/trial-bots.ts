import { Type } from 'class-transformer';
import {
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

class Risk {
  @IsNumber() @Min(0) @Max(1) stopLoss!: number;
  @IsOptional() @IsInt() maxPositionUsd?: number;
}

/** A bot's config as version 1 of the app reads it. */
export class Bot {
  @IsString() symbol!: string;
  @ValidateNested() @Type(() => Risk) risk!: Risk;
  // A message that quotes the value: under a secret key, no record or row may show it.
  @IsOptional() @Matches(/^sk_/, { message: '$property $value is bad' }) apiKey?: string;
}

class RiskV2 {
  @IsNumber() @Min(0) @Max(1) stopLoss!: number;
  @IsInt() @Min(1) maxPositionUsd!: number;
}

/** Version 2 of the app: every bot needs a position limit. */
export class BotV2 {
  @IsString() symbol!: string;
  @ValidateNested() @Type(() => RiskV2) risk!: RiskV2;
  @IsOptional() @Matches(/^sk_/, { message: '$property $value is bad' }) apiKey?: string;
}

/** A config both versions accept. */
export const BASE = { symbol: 'ANY', risk: { stopLoss: 0.02, maxPositionUsd: 500 } };
