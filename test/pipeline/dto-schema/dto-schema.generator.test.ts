import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  ArrayUnique,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { generateSchemaFromDto } from '../../../lib/pipeline/dto-schema/dto-schema.generator.js';
import { validateConfigText } from '../../../lib/pipeline/config.pipeline.js';
import { validateDto } from '../../../lib/pipeline/dto/dto.validator.js';
import { createSchemaValidator } from '../../../lib/pipeline/document/schema.validator.js';

class Leg {
  @IsString()
  symbol!: string;
}

class Book {
  @IsOptional()
  @IsInt()
  @Min(1)
  limit?: number;

  @ValidateNested({ each: true })
  @Type(() => Leg)
  legs!: Leg[];

  @ArrayUnique()
  tags!: unknown[];

  @ValidateIf((book: Book) => book.limit !== undefined)
  @IsString()
  note?: string;

  @Transform(({ value }) => Number(value))
  @IsInt()
  size!: number;

  @IsString()
  @Length(2, 3)
  mode: string = 'ab';
}

const schema = generateSchemaFromDto(Book);
const check = createSchemaValidator(schema);

async function verdicts(config: Record<string, unknown>) {
  const dto = await validateDto(Book, config);
  return { schema: check(config).length === 0, dto: dto.ok };
}

describe('generateSchemaFromDto', () => {
  it('lets @IsOptional take null or a missing key, as the DTO does', async () => {
    expect(await verdicts({ limit: null, tags: [], size: 1, note: 'x' })).toEqual({
      schema: true,
      dto: true,
    });
    expect(await verdicts({ limit: 0, tags: [], size: 1 })).toEqual({ schema: false, dto: false });
  });

  it('accepts a missing nested DTO, and an array of them at any depth', async () => {
    const legs = [[{ symbol: 'A' }], { symbol: 'B' }];
    expect(await verdicts({ legs, tags: [], size: 1 })).toEqual({ schema: true, dto: true });
    expect(await verdicts({ legs: [{ symbol: 1 }], tags: [], size: 1 })).toEqual({
      schema: false,
      dto: false,
    });
  });

  it('leaves to the DTO what it cannot express, and names it in the description', async () => {
    // Equal objects are distinct to ArrayUnique; "5" becomes 5 before @IsInt; note is conditional.
    const config = { tags: [{ a: 1 }, { a: 1 }], size: '5', note: 7 };
    expect(await verdicts(config)).toEqual({ schema: true, dto: true });
    expect(schema.description).toContain('Book.tags: arrayUnique()');
    expect(schema.description).toContain('Book.size: every rule (@Transform)');
    expect(schema.description).toContain('Book.note: every rule (it has a @ValidateIf condition)');
  });

  it('does not require a key whose class gives it a default value', () => {
    expect(schema.required).toEqual(['tags']);
    expect((schema.properties as Record<string, unknown>).mode).toMatchObject({ minLength: 2 });
  });

  it('refuses unknown keys only when the DTO validation does, and never the editor reference', async () => {
    expect(schema.additionalProperties).toBeUndefined();
    const strict = generateSchemaFromDto(Book, { unknownKeys: 'refuse' });
    expect(strict.additionalProperties).toBe(false);
    expect(
      (strict.$defs as Record<string, Record<string, unknown>>).Leg!.additionalProperties,
    ).toBe(false);
    const checkStrict = createSchemaValidator(strict);
    const rules = { dto: Book, unknownKeys: 'refuse' as const };
    const valid = { legs: [{ symbol: 'BTC' }], tags: [], size: 1 };
    const cases = [
      { config: { ...valid, $schema: './book.schema.json' }, accepted: true },
      { config: { ...valid, sise: 2 }, accepted: false },
      { config: { ...valid, legs: [{ symbol: 'BTC', $schema: 'x' }] }, accepted: false },
    ];
    for (const { config, accepted } of cases) {
      const text = JSON.stringify(config);
      const dto = await validateConfigText(text, 'book.json', rules).then(
        () => true,
        () => false,
      );
      expect({ schema: checkStrict(config).length === 0, dto }).toEqual({
        schema: accepted,
        dto: accepted,
      });
    }
  });
});
