import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import {
  IncrementalDtoValidator,
  type IncrementalDtoValidatorOptions,
} from '../../../lib/pipeline/dto/incremental-dto.validator.js';

class Item {
  @IsString()
  id!: string;

  @IsInt()
  size!: number;
}

class Catalog {
  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];

  @IsInt()
  revision!: number;
}

const catalog = (sizes: number[], revision = 1) => ({
  items: sizes.map((size, i) => ({ id: `i${i}`, size })),
  revision,
});

/** Two reloads on top of a first config, one valid and one not: what each gives. */
async function reloads(options: IncrementalDtoValidatorOptions) {
  const validator = new IncrementalDtoValidator(Catalog, 'catalog.json', options);
  const plain = catalog([1, 2, 3]);
  const first = await validator.validate(plain);
  const previous = { config: first.instance, plain };
  const valid = await validator.validate(catalog([1, 20, 3], 2), previous);
  const invalid = await validator.validate(catalog([1, 2.5, 3]), previous).catch((e) => e);
  const again = await validator.validate(catalog([1, 2, 30]), previous);
  return { first: first.instance, valid: valid.instance, invalid, again: again.instance };
}

const notFound = () => {
  throw new Error(
    "Cannot find module 'class-validator/cjs/validation/ValidationExecutor.js'\nRequire stack:\n- x",
  );
};

describe('incremental validation without class-validator’s executor', () => {
  it.each([
    ['missing', notFound, /could not be loaded \(Cannot find module '[^']+'\)$/],
    ['not a class', () => ({ ValidationExecutor: 42 }), /not what this package expects/],
    ['without execute', () => ({ ValidationExecutor: class {} }), /not what this package expects/],
  ])('validates in full when it is %s: same results, one warning', async (_, loadExecutor, why) => {
    const warnings: string[] = [];
    const fallback = await reloads({ loadExecutor, warn: (line) => warnings.push(line) });
    const usual = await reloads({ warn: (line) => warnings.push(`unexpected: ${line}`) });
    expect(fallback).toEqual(usual);
    expect(fallback.invalid.issues).toEqual([
      { path: 'items.1.size', message: 'size must be an integer number' },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Catalog \(config catalog\.json\) is validated in full on every reload: class-validator's ValidationExecutor /,
    );
    expect(warnings[0]!.replace(/\.$/, '')).toMatch(why);
  });
});
