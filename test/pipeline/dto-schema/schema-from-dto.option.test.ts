import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchemaError, ConfigValidationError } from '../../../lib/config-reloader.errors.js';
import { resolveOptions } from '../../../lib/config-reloader.options.js';
import { createValidationRules } from '../../../lib/pipeline/config.pipeline.js';
import { optionsProblem } from '../../support/options-problem.js';
import { DEFAULT_CONFIG_PATH } from '../../../sample-app/src/config/paths.js';
import { TrendFollowingConfig } from '../../../sample-app/src/config/trend-following.config.js';
import { CapturingLogger } from '../../support/capturing-logger.js';
import { reloaderPerTest } from '../../support/reloader-app.js';

type Trend = TrendFollowingConfig & { $schema?: string };
const sample = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Trend;

describe("schema: 'fromDto' options", () => {
  it('is accepted with a dto', () => {
    const resolved = resolveOptions({
      configPath: '/srv/bot.json',
      schema: 'fromDto',
      dto: TrendFollowingConfig,
    });
    expect(resolved.schema).toBe('fromDto');
  });

  it('needs the dto it generates the schema from', () => {
    expect(optionsProblem({ schema: 'fromDto' })).toContain(`schema: 'fromDto'`);
    expect(optionsProblem({ schema: 'fromDto' })).toContain('"dto"');
  });

  it('is the one string "schema" takes, and excludes schemaPath', () => {
    expect(optionsProblem({ schema: 'fromDTO', dto: TrendFollowingConfig })).toContain(
      `"schema" must be a JSON Schema object or 'fromDto', got the string "fromDTO"`,
    );
    expect(
      optionsProblem({ schema: 'fromDto', schemaPath: 'x.json', dto: TrendFollowingConfig }),
    ).toContain('give either "schema" or "schemaPath"');
  });

  it('is refused by createValidationRules without a dto too', async () => {
    await expect(createValidationRules({ schema: 'fromDto' })).rejects.toBeInstanceOf(
      ConfigSchemaError,
    );
  });
});

describe("a module with schema: 'fromDto'", () => {
  const reloader = reloaderPerTest<Trend>();
  const boot = (config: unknown, logger?: CapturingLogger) =>
    reloader.boot(
      config,
      { schema: 'fromDto', dto: TrendFollowingConfig, autoReload: false },
      { logger },
    );

  const edited = (edit: (config: Trend) => void): Trend => {
    const copy = structuredClone(sample);
    edit(copy);
    return copy;
  };

  it('says so when it loads, and accepts the $schema key editors read', async () => {
    const logger = new CapturingLogger();
    const service = await boot({ $schema: './trend_following.schema.json', ...sample }, logger);
    expect(service.config.$schema).toBe('./trend_following.schema.json');
    expect(logger.text).toContain(
      'validated by the JSON Schema generated from TrendFollowingConfig and DTO TrendFollowingConfig',
    );
  });

  it('reports the schema errors (path and message) before the DTO runs', async () => {
    const service = await boot(sample);
    await reloader.dir.write(
      edited((config) => {
        config.strategies[3]!.risk.stopLoss = 5;
        (config as { mode: string }).mode = 'demo';
      }),
    );
    const error = (await service.reloadConfig().catch((e: unknown) => e)) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    // Ajv's messages, not class-validator's ("stopLoss must not be greater than 1").
    expect(error.issues).toEqual([
      { path: 'mode', message: 'must be one of "paper", "live"' },
      { path: 'strategies.3.risk.stopLoss', message: 'must be <= 1' },
    ]);
    expect(service.version).toBe(1);
  });

  it('leaves the rules a schema cannot express to the DTO', async () => {
    const service = await boot(sample);
    await reloader.dir.write(
      edited((config) => {
        config.strategies[0]!.parameters.fastPeriod = config.strategies[0]!.parameters.slowPeriod;
      }),
    );
    const error = (await service.reloadConfig().catch((e: unknown) => e)) as ConfigValidationError;
    expect(error.issues).toEqual([
      {
        path: 'strategies.0.parameters.fastPeriod',
        message: 'fastPeriod must be less than slowPeriod',
      },
    ]);
  });

  it('keeps structural sharing: unchanged subtrees keep their identity', async () => {
    const service = await boot(sample);
    const before = service.config;
    await reloader.dir.write(edited((config) => void (config.execution.slippageBps = 12)));
    const after = await service.reloadConfig();
    expect(after.execution.slippageBps).toBe(12);
    expect(after.strategies[1]).toBe(before.strategies[1]);
    expect(after.execution).not.toBe(before.execution);
    expect(after.strategies[1]).toBeInstanceOf(
      Object.getPrototypeOf(before.strategies[1]).constructor,
    );
  });
});
