import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsNumber, IsString, Max, Min, ValidateNested } from 'class-validator';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashContent } from '../../lib/sources/content-hash.js';
import {
  ConfigNotFoundError,
  ConfigParseError,
  ConfigReloadError,
  ConfigValidationError,
} from '../../lib/config-reloader.errors.js';
import {
  ConfigPipeline,
  createValidationRules,
  validateConfigText,
  type ConfigValidationRules,
} from '../../lib/pipeline/config.pipeline.js';
import { createSchemaValidator } from '../../lib/pipeline/document/schema.validator.js';
import { FileSource } from '../../lib/sources/file/file.source.js';

/** How many DTO instances class-transformer created (it calls the constructor). */
let riskInstances = 0;

class RiskDto {
  @IsNumber()
  @Min(0)
  @Max(1)
  stopLoss!: number;

  constructor() {
    riskInstances++;
  }
}

class StrategyDto {
  @IsString()
  id!: string;

  @ValidateNested()
  @Type(() => RiskDto)
  risk!: RiskDto;
}

class BotConfigDto {
  @IsString()
  exchange!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => StrategyDto)
  strategies!: StrategyDto[];
}

const schema = {
  type: 'object',
  required: ['exchange', 'strategies'],
  properties: {
    exchange: { type: 'string' },
    strategies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'risk'],
        properties: {
          id: { type: 'string' },
          risk: {
            type: 'object',
            required: ['stopLoss'],
            properties: { stopLoss: { type: 'number' } },
          },
        },
      },
    },
  },
};

const validConfig = () => ({
  exchange: 'binance',
  strategies: [
    { id: 'trend', risk: { stopLoss: 0.02 } },
    { id: 'mean', risk: { stopLoss: 0.01 } },
  ],
});

const FILE = '/srv/bot/config.json';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the promise to reject');
    },
    (reason: unknown) => reason,
  );
}

function expectDeepFrozen(value: unknown, where = '(root)'): void {
  if (value === null || typeof value !== 'object') return;
  expect(Object.isFrozen(value), `${where} is frozen`).toBe(true);
  for (const [key, child] of Object.entries(value)) expectDeepFrozen(child, `${where}.${key}`);
}

/** A file source for tests: permissions and watching are not under test here. */
const fileSource = (file: string, maxFileBytes: number) =>
  new FileSource(file, {
    maxFileBytes,
    filePermissions: 'ignore',
    usePolling: false,
    pollingIntervalMs: 100,
    verifyIntervalMs: 0,
    settleMs: 50,
    watch: () => {
      throw new Error('not watching in this test');
    },
    onWarning: () => undefined,
  });

describe('validateConfigText', () => {
  beforeEach(() => {
    riskInstances = 0;
  });

  it('returns the parsed object as both config and plain without rules', async () => {
    const result = await validateConfigText(JSON.stringify(validConfig()), FILE, {});
    expect(result.config).toEqual(validConfig());
    expect(result.plain).toBe(result.config);
  });

  it('returns the DTO instance as config and the parsed object as plain', async () => {
    const rules: ConfigValidationRules<BotConfigDto> = {
      schema: createSchemaValidator(schema),
      dto: BotConfigDto,
    };
    const result = await validateConfigText(JSON.stringify(validConfig()), FILE, rules);
    expect(result.config).toBeInstanceOf(BotConfigDto);
    expect(result.config.strategies[1]).toBeInstanceOf(StrategyDto);
    expect(result.config.strategies[1]!.risk).toBeInstanceOf(RiskDto);
    expect(result.config.strategies[1]!.risk.stopLoss).toBe(0.01);
    // The plain side stays plain JSON, for computing change paths.
    expect(result.plain).toEqual(validConfig());
    expect(result.plain).not.toBeInstanceOf(BotConfigDto);
    const plainStrategies = result.plain.strategies as Record<string, unknown>[];
    expect(Object.getPrototypeOf(plainStrategies[0]!.risk)).toBe(Object.prototype);
  });

  it('stops at the schema: schema errors are reported and the DTO is never built', async () => {
    const config = validConfig() as { exchange: unknown; strategies: unknown[] };
    config.exchange = 42;
    const error = await rejection(
      validateConfigText(JSON.stringify(config), FILE, {
        schema: createSchemaValidator(schema),
        dto: BotConfigDto,
      }),
    );
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues).toEqual([
      { path: 'exchange', message: 'must be string' },
    ]);
    expect(riskInstances).toBe(0);
  });

  it('runs the DTO once the schema passes, and reports its issues', async () => {
    const config = validConfig();
    config.strategies[1]!.risk.stopLoss = 1.5; // a number: the schema allows it, the DTO does not
    const error = await rejection(
      validateConfigText(JSON.stringify(config), FILE, {
        schema: createSchemaValidator(schema),
        dto: BotConfigDto,
      }),
    );
    expect(riskInstances).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues).toEqual([
      { path: 'strategies.1.risk.stopLoss', message: 'stopLoss must not be greater than 1' },
    ]);
    expect((error as ConfigValidationError).configPath).toBe(FILE);
  });

  it('validates with a DTO alone', async () => {
    const error = await rejection(
      validateConfigText('{"exchange": 1, "strategies": []}', FILE, { dto: BotConfigDto }),
    );
    expect((error as ConfigValidationError).issues).toEqual([
      { path: 'exchange', message: 'exchange must be a string' },
    ]);
  });

  it('throws ConfigParseError for invalid JSON before any validation', async () => {
    const error = await rejection(
      validateConfigText('{"exchange": }', FILE, {
        schema: createSchemaValidator(schema),
        dto: BotConfigDto,
      }),
    );
    expect(error).toBeInstanceOf(ConfigParseError);
    expect(riskInstances).toBe(0);
  });

  it('builds a ConfigValidationError whose message lists each issue path', async () => {
    const config = {
      exchange: 7,
      strategies: [
        { id: 'a', risk: {} },
        { id: 3, risk: {} },
      ],
    };
    const error = (await rejection(
      validateConfigText(JSON.stringify(config), FILE, { schema: createSchemaValidator(schema) }),
    )) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigReloadError);
    expect(error.code).toBe('CONFIG_VALIDATION');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      [
        'exchange',
        'strategies.0.risk.stopLoss',
        'strategies.1.id',
        'strategies.1.risk.stopLoss',
      ].sort(),
    );
    expect(error.message).toContain(FILE);
    expect(error.message).toContain('4 issue(s)');
    for (const issue of error.issues) {
      expect(error.message).toContain(`  - ${issue.path}: ${issue.message}`);
    }
  });
});

describe('createValidationRules', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'config-loader-rules-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compiles an inline schema', async () => {
    const rules = await createValidationRules({ schema });
    expect(rules.schema?.({})).toHaveLength(2);
    expect(rules.dto).toBeUndefined();
  });

  it('loads a schema file', async () => {
    const schemaPath = path.join(dir, 'schema.json');
    await writeFile(schemaPath, JSON.stringify(schema));
    const rules = await createValidationRules({ schemaPath, dto: BotConfigDto });
    expect(rules.schema?.(validConfig())).toEqual([]);
    expect(rules.schema?.({ exchange: 'x' })).toEqual([
      { path: 'strategies', message: 'is required' },
    ]);
    expect(rules.dto).toBe(BotConfigDto);
  });

  it('has no schema when none is given', async () => {
    expect((await createValidationRules({})).schema).toBeUndefined();
  });
});

describe('ConfigPipeline over the file source', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    riskInstances = 0;
    dir = await mkdtemp(path.join(os.tmpdir(), 'config-pipeline-'));
    file = path.join(dir, 'config.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file and materializes a deep-frozen DTO instance beside the parsed object', async () => {
    const text = JSON.stringify(validConfig(), null, 2);
    await writeFile(file, text);
    const source = fileSource(file, 1024 * 1024);
    const pipeline = new ConfigPipeline(
      { schema: createSchemaValidator(schema), dto: BotConfigDto },
      file,
    );
    expect(source.path).toBe(file);
    expect(source.id).toBe(`file:${file}`);

    const snapshot = await source.read();
    expect(snapshot.text).toBe(text);
    expect(snapshot.hash).toBe(hashContent(text));
    // The file source's revision is its content hash: a touch or chmod is not a change.
    expect(snapshot.revision).toBe(snapshot.hash);

    const loaded = await pipeline.materialize(snapshot);
    expect(loaded.snapshot).toBe(snapshot);
    expect(loaded.config).toBeInstanceOf(BotConfigDto);
    expect(loaded.config.strategies[0]!.risk).toBeInstanceOf(RiskDto);
    expect(loaded.plain).toEqual(validConfig());
    expect(loaded.plain).not.toBe(loaded.config);
    expectDeepFrozen(loaded.config);
    // The parsed object stays inside the library (for diffs); only what readers see is frozen.
    expect(Object.isFrozen(loaded.plain)).toBe(false);
    expect(() => {
      (loaded.config.strategies[0]!.risk as { stopLoss: number }).stopLoss = 0.5;
    }).toThrow(TypeError);
    expect(loaded.config.strategies[0]!.risk.stopLoss).toBe(0.02);
  });

  it('materializes a deep-frozen plain object when there are no rules', async () => {
    await writeFile(file, JSON.stringify({ a: { b: [1, { c: 2 }] } }));
    const pipeline = new ConfigPipeline<Record<string, unknown>>({}, file);
    const loaded = await pipeline.materialize(await fileSource(file, 1024).read());
    expect(loaded.config).toEqual({ a: { b: [1, { c: 2 }] } });
    expectDeepFrozen(loaded.config);
    expectDeepFrozen(loaded.plain);
  });

  it('rejects with ConfigValidationError for an invalid file and names the file', async () => {
    const config = validConfig();
    config.strategies[1]!.risk.stopLoss = 3;
    await writeFile(file, JSON.stringify(config));
    const pipeline = new ConfigPipeline({ dto: BotConfigDto }, file);
    const error = (await rejection(
      pipeline.materialize(await fileSource(file, 1024 * 1024).read()),
    )) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.configPath).toBe(file);
    expect(error.issues).toEqual([
      { path: 'strategies.1.risk.stopLoss', message: 'stopLoss must not be greater than 1' },
    ]);
    expect(error.message).toContain(
      `- strategies.1.risk.stopLoss: stopLoss must not be greater than 1`,
    );
  });

  it('rejects reading a missing file with ConfigNotFoundError', async () => {
    const source = fileSource(path.join(dir, 'absent.json'), 1024);
    await expect(source.read()).rejects.toBeInstanceOf(ConfigNotFoundError);
  });

  it('applies the size limit it was given', async () => {
    await writeFile(file, JSON.stringify(validConfig()));
    const source = fileSource(file, 10);
    await expect(source.read()).rejects.toMatchObject({ code: 'CONFIG_TOO_LARGE', limit: 10 });
  });

  it('reports a config nested deeper than the freeze limit as a validation issue, not a validator crash', async () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 1100; level++) deep = { next: deep };
    const error = (await rejection(
      new ConfigPipeline({}, file).validate(JSON.stringify(deep)),
    )) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.issues).toEqual([
      { path: '', message: 'nests deeper than 1000 levels (does it contain itself?)' },
    ]);
    expect(error.message).not.toContain('a validator threw');
  });
});
