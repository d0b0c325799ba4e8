import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsString,
  registerDecorator,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from '../../../lib/config-reloader.errors.js';
import { ConfigPipeline, validateConfigText } from '../../../lib/pipeline/config.pipeline.js';
import { analyseDtoReach } from '../../../lib/pipeline/dto/dto-reach.analysis.js';
import { TrendFollowingConfig } from '../../../sample-app/src/config/trend-following.config.js';

/** How many times the `Counted` rule ran. */
let checks = 0;

function Counted() {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'counted',
      target: target.constructor,
      propertyName,
      validator: { validate: (value: unknown) => (checks++, typeof value === 'number') },
    });
  };
}

class Item {
  @IsString()
  id!: string;

  @IsInt()
  @Counted()
  size!: number;
}

class Catalog {
  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];

  @IsInt()
  revision!: number;
}

@ValidatorConstraint({ name: 'listedSomewhere' })
class ListedSomewhere implements ValidatorConstraintInterface {
  validate(): boolean {
    return true;
  }
}

class CheckedAgainstAList extends Catalog {
  @Validate(ListedSomewhere)
  override revision!: number;
}

class Conditional {
  @ValidateIf((object: Conditional) => object.kind === 'sized')
  @IsInt()
  size!: number;

  @IsString()
  kind!: string;
}

class Transformed {
  @Transform(({ value }) => String(value).trim())
  @IsString()
  name!: string;
}

class Holder {
  @ValidateNested()
  @Type(() => Conditional)
  conditional!: Conditional;

  @ValidateNested()
  @Type(() => Transformed)
  transformed!: Transformed;
}

class Circle {
  @IsInt()
  radius!: number;
}

class Drawing {
  @IsInt()
  revision!: number;

  @ValidateNested({ each: true })
  @Type(() => Object, {
    discriminator: { property: 'kind', subTypes: [{ name: 'circle', value: Circle }] },
  })
  shapes!: Circle[];
}

const catalog = (sizes: number[], revision = 1) =>
  JSON.stringify({ items: sizes.map((size, i) => ({ id: `i${i}`, size })), revision });

const quiet = { log: () => undefined };

describe('incremental validation', () => {
  it('runs the rules of the changed object and of the objects above it, and no others', async () => {
    const pipeline = new ConfigPipeline<Catalog>({ dto: Catalog }, 'catalog.json', {
      logger: quiet,
    });
    const sizes = Array.from({ length: 50 }, (_, i) => i);
    const first = await pipeline.validate(catalog(sizes));
    checks = 0;
    sizes[7] = 700;
    const next = await pipeline.validate(catalog(sizes), first.config);
    expect(checks).toBe(1);
    expect(next.config.items[7]!.size).toBe(700);
    expect(next.config.items.filter((item, i) => item !== first.config.items[i])).toEqual([
      next.config.items[7],
    ]);
  });

  it('reports what full validation reports when a changed object breaks a rule', async () => {
    const pipeline = new ConfigPipeline<Catalog>({ dto: Catalog }, 'catalog.json', {
      logger: quiet,
    });
    const first = await pipeline.validate(catalog([1, 2, 3]));
    const failure = await pipeline.validate(catalog([1, 2.5, 3]), first.config).catch((e) => e);
    expect(failure).toBeInstanceOf(ConfigValidationError);
    expect((failure as ConfigValidationError).issues).toEqual([
      { path: 'items.1.size', message: 'size must be an integer number' },
    ]);
    await expect(
      validateConfigText(catalog([1, 2.5, 3]), 'catalog.json', { dto: Catalog }),
    ).rejects.toMatchObject({ issues: (failure as ConfigValidationError).issues });
  });

  it('validates a DTO with a constraint class in full on every reload, and says so once', async () => {
    const lines: string[] = [];
    const pipeline = new ConfigPipeline<CheckedAgainstAList>(
      { dto: CheckedAgainstAList },
      'catalog.json',
      { logger: { log: (line: string) => lines.push(line) } },
    );
    expect(lines).toEqual([
      'CheckedAgainstAList (config catalog.json) is validated in full on every reload: ' +
        'CheckedAgainstAList.revision uses the constraint class ListedSomewhere, which may hold ' +
        'state or services.',
    ]);
    const sizes = Array.from({ length: 20 }, (_, i) => i);
    const first = await pipeline.validate(catalog(sizes));
    checks = 0;
    await pipeline.validate(catalog(sizes, 2), first.config);
    expect(checks).toBe(20);
    expect(lines).toHaveLength(1);
  });

  it('keeps a discriminator from rewriting the documents the config in force came from', async () => {
    const lines: string[] = [];
    const pipeline = new ConfigPipeline<Drawing>({ dto: Drawing }, 'drawing.json', {
      logger: { log: (line: string) => lines.push(line) },
    });
    expect(lines).toEqual([
      'Drawing (config drawing.json) is validated in full on every reload: Drawing.shapes uses a ' +
        '@Type discriminator, which rewrites the parsed object.',
    ]);
    const text = (revision: number) =>
      JSON.stringify({ revision, shapes: [{ kind: 'circle', radius: 1 }] });
    const first = await pipeline.validate(text(1));
    const next = await pipeline.validate(text(2), first.config);
    expect(next.config.shapes[0]).toBeInstanceOf(Circle);
    expect(first.plain).toEqual(JSON.parse(text(1)));
    expect(next.plain).toEqual(JSON.parse(text(2)));
  });

  it('makes a class whole when a rule reaches beyond its value and object, naming class and rule', () => {
    const lines: string[] = [];
    new ConfigPipeline<Holder>({ dto: Holder }, 'holder.json', {
      logger: { log: (line: string) => lines.push(line) },
    });
    expect(lines).toEqual([
      'Transformed (config holder.json) is transformed and validated whole whenever anything in ' +
        'it changes: Transformed.name uses @Transform.',
      'Conditional (config holder.json) is transformed and validated whole whenever anything in ' +
        'it changes: Conditional.size uses @ValidateIf.',
    ]);
  });

  it('validates in full a @ValidateNested property whose @Type it cannot see', () => {
    class Untyped {
      @ValidateNested()
      item!: Item;
    }
    // Also what a second copy of class-transformer (from a bundler) would look like.
    expect(analyseDtoReach(Untyped).full).toMatch(/Untyped\.item has @ValidateNested but no @Type/);
    expect(analyseDtoReach(Catalog).full).toBeUndefined();
  });

  it('finds every rule of the sample DTO knowable: nothing falls back', () => {
    const reach = analyseDtoReach(TrendFollowingConfig);
    expect(reach.full).toBeUndefined();
    expect([...reach.classes.values()].filter((c) => c.whole)).toEqual([]);
    expect([...reach.classes.keys()].map((dto) => dto.name).sort()).toEqual([
      'ExchangeConfig',
      'ExecutionConfig',
      'RangingRegime',
      'RegimesConfig',
      'RiskLimits',
      'StrategyConfig',
      'StrategyParameters',
      'StrategyRisk',
      'TrendFollowingConfig',
      'TrendingRegime',
      'VolatileRegime',
    ]);
  });
});
