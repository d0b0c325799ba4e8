import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from '../lib/config-reloader.errors.js';
import { resolveOptions } from '../lib/config-reloader.options.js';
import { optionsProblem } from './support/options-problem.js';
import { DEFAULT_CONFIG_PATH } from '../sample-app/src/config/paths.js';
import { TrendFollowingConfig } from '../sample-app/src/config/trend-following.config.js';
import { reloaderPerTest } from './support/reloader-app.js';

type Trend = TrendFollowingConfig & { $schema?: string };
const sample = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Trend;

describe('the unknownKeys option', () => {
  it("takes 'allow' or 'refuse', and needs a dto", () => {
    expect(optionsProblem({ unknownKeys: 'strict', dto: TrendFollowingConfig })).toContain(
      `"unknownKeys" must be 'allow' or 'refuse', got the string "strict"`,
    );
    expect(optionsProblem({ unknownKeys: 'refuse' })).toContain('give "dto" too');
    const resolved = resolveOptions({
      configPath: '/srv/bot.json',
      dto: TrendFollowingConfig,
      unknownKeys: 'refuse',
    });
    expect(resolved.unknownKeys).toBe('refuse');
  });
});

describe.each([
  { label: 'the DTO alone', schema: undefined },
  { label: "schema: 'fromDto'", schema: 'fromDto' as const },
])('a module refusing unknown keys, with $label', ({ schema }) => {
  const reloader = reloaderPerTest<Trend>();
  const boot = (config: unknown) =>
    reloader.boot(config, {
      dto: TrendFollowingConfig,
      unknownKeys: 'refuse',
      ...(schema ? { schema } : {}),
      autoReload: false,
    });

  const edited = (edit: (config: Record<string, any>) => void): Trend => {
    const copy = structuredClone(sample) as Record<string, any>;
    edit(copy);
    return copy as Trend;
  };

  it('refuses a misspelt key with its path, and keeps the config', async () => {
    const service = await boot(sample);
    await service.reloadConfig(); // a second version: the next check is incremental
    await reloader.dir.write(
      edited((config) => {
        const parameters = config.strategies[2].parameters;
        parameters.fastPeroid = parameters.fastPeriod;
      }),
    );
    const error = (await service.reloadConfig().catch((e: unknown) => e)) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.issues).toEqual([
      {
        path: 'strategies.2.parameters.fastPeroid',
        // The generated schema refuses it first, with Ajv's words; else class-validator's.
        message: schema ? 'is not an allowed property' : 'property fastPeroid should not exist',
      },
    ]);
    expect(service.config.strategies[2]!.parameters).not.toHaveProperty('fastPeroid');
  });

  it('takes a top-level $schema for editors, and leaves it out of the config', async () => {
    const service = await boot({ $schema: './trend_following.schema.json', ...sample });
    expect(service.config).not.toHaveProperty('$schema');
    expect(service.config.strategies).toHaveLength(sample.strategies.length);
    await reloader.dir.write(edited((config) => (config.strategies[0].risk.$schema = 'x')));
    await expect(service.reloadConfig()).rejects.toBeInstanceOf(ConfigValidationError);
  });
});
