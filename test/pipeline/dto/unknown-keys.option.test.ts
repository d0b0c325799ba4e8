import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Type } from 'class-transformer';
import { IsObject, IsString, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { checkConfigFile } from '../../../lib/cli/check/config-check.js';
import { ConfigValidationError } from '../../../lib/config-reloader.errors.js';
import { resolveOptions } from '../../../lib/config-reloader.options.js';
import {
  createValidationRules,
  validateConfigText,
} from '../../../lib/pipeline/config.pipeline.js';
import { ConfigDir } from '../../support/config-dir.js';
import { optionsProblem } from '../../support/options-problem.js';
import { DEFAULT_CONFIG_PATH } from '../../../sample-app/src/config/paths.js';
import { TrendFollowingConfig } from '../../../sample-app/src/config/trend-following.config.js';
import { reloaderPerTest } from '../../support/reloader-app.js';

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

  it('names the declared key a misspelt one was meant to be, next to the one it left missing', async () => {
    const service = await boot(sample);
    await service.reloadConfig(); // a second version: the next check is incremental
    await reloader.dir.write(
      edited((config) => {
        const risk = config.strategies[1].risk;
        risk.stopLos = 0.0421;
        delete risk.stopLoss;
      }),
    );
    const error = (await service.reloadConfig().catch((e: unknown) => e)) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    const unknown = error.issues.find((issue) => issue.path === 'strategies.1.risk.stopLos');
    expect(unknown?.message).toBe(
      `${schema ? 'is not an allowed property' : 'property stopLos should not exist'} (did you mean "stopLoss"?)`,
    );
    // The missing one is reported too; the value of the misspelt key never is.
    expect(error.issues.map((issue) => issue.path)).toContain('strategies.1.risk.stopLoss');
    expect(error.message).toContain('(did you mean "stopLoss"?)');
    expect(error.message).not.toContain('0.0421');
  });

  it('suggests nothing for a key that is unlike every missing one', async () => {
    const service = await boot(sample);
    await reloader.dir.write(edited((config) => (config.strategies[1].risk.colour = 'red')));
    const error = (await service.reloadConfig().catch((e: unknown) => e)) as ConfigValidationError;
    expect(error.issues).toEqual([
      {
        path: 'strategies.1.risk.colour',
        message: schema ? 'is not an allowed property' : 'property colour should not exist',
      },
    ]);
  });

  it('never suggests the name of a secret key', async () => {
    const service = await boot(sample);
    await reloader.dir.write(
      edited((config) => {
        config.exchange.apiSecrt = config.exchange.apiSecret;
        delete config.exchange.apiSecret;
      }),
    );
    const error = (await service.reloadConfig().catch((e: unknown) => e)) as ConfigValidationError;
    expect(error.issues.find((issue) => issue.path === 'exchange.apiSecrt')?.message).toBe(
      schema ? 'is not an allowed property' : 'property apiSecrt should not exist',
    );
    expect(error.message).not.toContain('did you mean');
    expect(error.message).not.toContain(sample.exchange.apiSecret);
  });

  it('takes a top-level $schema for editors, and leaves it out of the config', async () => {
    const service = await boot({ $schema: './trend_following.schema.json', ...sample });
    expect(service.config).not.toHaveProperty('$schema');
    expect(service.config.strategies).toHaveLength(sample.strategies.length);
    await reloader.dir.write(edited((config) => (config.strategies[0].risk.$schema = 'x')));
    await expect(service.reloadConfig()).rejects.toBeInstanceOf(ConfigValidationError);
  });
});

class VaultCredentials {
  @IsString()
  username!: string;

  @IsString()
  region!: string;
}

class VaultConfig {
  @IsString()
  name!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => VaultCredentials)
  credentials!: VaultCredentials;
}

describe('"did you mean" for an unknown key, wherever the rules are checked', () => {
  const misspelt = { nme: 'vault', credentials: { username: 'bot', regoin: 'eu' } };

  it.each([
    { label: 'the DTO alone', schema: undefined },
    { label: "schema: 'fromDto'", schema: 'fromDto' as const },
  ])('is the same in the module and the command line, with $label', async ({ schema }) => {
    const rules = await createValidationRules({ dto: VaultConfig, unknownKeys: 'refuse', schema });
    const dir = await ConfigDir.create(misspelt);
    try {
      // What `config-reloader validate` runs.
      const checked = await checkConfigFile(dir.file, rules);
      expect(checked.valid).toBe(false);
      const problems = checked.valid ? [] : checked.problems;
      const unknown = schema ? 'is not an allowed property' : 'property nme should not exist';
      expect(problems.find((problem) => problem.path === 'nme')?.message).toBe(
        `${unknown} (did you mean "name"?)`,
      );
      // Under a secret key, key names may be secrets too: neither the key nor a suggestion.
      const underSecret = problems
        .filter((problem) => problem.path === 'credentials.[REDACTED]')
        .map((problem) => problem.message);
      expect(underSecret).toContainEqual(
        expect.stringMatching(/^failed (WhitelistValidation|AdditionalProperties)$/),
      );
      for (const message of underSecret) expect(message).toMatch(/^failed \w+$/);
      expect(JSON.stringify(problems)).not.toContain('regoin');
    } finally {
      await dir.dispose();
    }
  });

  it('honours the secret keys the module is given, which replace the default ones', async () => {
    const rules = await createValidationRules({
      dto: VaultConfig,
      unknownKeys: 'refuse',
      secretKeys: ['name'],
    });
    const error = await validateConfigText(JSON.stringify(misspelt), 'vault.json', rules).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigValidationError);
    const { issues } = error as ConfigValidationError;
    expect(issues).toContainEqual({ path: 'nme', message: 'property nme should not exist' });
    expect(issues).toContainEqual({
      path: 'credentials.regoin',
      message: 'property regoin should not exist (did you mean "region"?)',
    });
  });
});
