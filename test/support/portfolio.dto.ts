import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Min,
  registerDecorator,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { IsLessThan } from '../../sample-app/src/config/is-less-than.validator.js';

/** Array rule on the parent that reads a sibling: the weights of `legs` add up to at most `limit`. */
function WeightsWithin(limitProperty: string) {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'weightsWithin',
      target: target.constructor,
      propertyName,
      constraints: [limitProperty],
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const limit = (args.object as Record<string, unknown>)[limitProperty];
          if (!Array.isArray(value) || typeof limit !== 'number') return true;
          const total = value.reduce<number>(
            (sum, leg: { weight?: unknown }) =>
              sum + (typeof leg?.weight === 'number' ? leg.weight : 0),
            0,
          );
          return total <= limit;
        },
        defaultMessage: () => `${propertyName} weigh more than ${limitProperty}`,
      },
    });
  };
}

export class Leg {
  @IsString()
  symbol!: string;

  @IsNumber()
  @Min(0)
  @IsLessThan('cap')
  weight!: number;

  @IsNumber()
  cap!: number;
}

export class Book {
  @IsString()
  name!: string;

  @IsNumber()
  limit!: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique((leg: Leg) => leg?.symbol)
  @WeightsWithin('limit')
  @ValidateNested({ each: true })
  @Type(() => Leg)
  legs!: Leg[];
}

export class Limits {
  @IsInt()
  @Min(1)
  @IsLessThan('hard')
  soft!: number;

  @IsInt()
  hard!: number;
}

/**
 * A DTO with cross-field rules (within an object, and from an array to its parent's sibling),
 * array-level rules (size, uniqueness by a key) and three levels of nesting.
 */
export class Portfolio {
  @IsIn(['paper', 'live'])
  mode!: string;

  @IsArray()
  @ArrayUnique((book: Book) => book?.name)
  @ValidateNested({ each: true })
  @Type(() => Book)
  books!: Book[];

  @ValidateNested()
  @Type(() => Limits)
  limits!: Limits;

  @IsOptional()
  @IsString({ each: true })
  tags?: string[];
}
