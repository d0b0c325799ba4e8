import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigParseError,
  ConfigReloadError,
  type ConfigIssue,
} from '../../../lib/config-reloader.errors.js';
import {
  createSchemaValidator,
  loadSchemaValidator,
} from '../../../lib/pipeline/document/schema.validator.js';

const riskSchema = {
  type: 'object',
  required: ['stopLoss'],
  additionalProperties: false,
  properties: {
    stopLoss: { type: 'number', minimum: 0, maximum: 1 },
    takeProfit: { type: 'number', minimum: 0 },
  },
};

const botSchema = {
  type: 'object',
  required: ['exchange', 'strategies'],
  additionalProperties: false,
  properties: {
    exchange: { type: 'string', enum: ['binance', 'kraken', 'coinbase'] },
    apiUrl: { type: 'string', format: 'uri' },
    alertEmail: { type: 'string', format: 'email' },
    strategies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'risk'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', minLength: 1 },
          risk: riskSchema,
        },
      },
    },
  },
};

const validConfig = () => ({
  exchange: 'binance',
  apiUrl: 'https://api.binance.com/v3',
  alertEmail: 'ops@example.com',
  strategies: [
    { id: 'trend', risk: { stopLoss: 0.02, takeProfit: 0.05 } },
    { id: 'mean', risk: { stopLoss: 0.01 } },
  ],
});

function pathsOf(issues: ConfigIssue[]): string[] {
  return issues.map((issue) => issue.path).sort();
}

describe('createSchemaValidator', () => {
  it('names only the keyword under a secret path: an enum lists values, a const quotes one', () => {
    const validate = createSchemaValidator({
      type: 'object',
      properties: {
        exchange: {
          type: 'object',
          properties: {
            apiKey: { enum: ['sk_live_ALLOWED_1', 'sk_live_ALLOWED_2'] },
            apiSecret: { const: 'sk_live_THE_ONE' },
            region: { enum: ['eu', 'us'] },
          },
        },
      },
    });
    const issues = validate({ exchange: { apiKey: 'x', apiSecret: 'y', region: 'asia' } });
    expect(issues).toEqual([
      { path: 'exchange.apiKey', message: 'failed Enum' },
      { path: 'exchange.apiSecret', message: 'failed Const' },
      { path: 'exchange.region', message: 'must be one of "eu", "us"' },
    ]);
  });

  it('returns no issues for a valid config', () => {
    const validate = createSchemaValidator(botSchema);
    expect(validate(validConfig())).toEqual([]);
  });

  it('can be called many times with the same compiled schema', () => {
    const validate = createSchemaValidator(botSchema);
    const bad = { ...validConfig(), exchange: 'ftx' };
    expect(validate(bad)).toHaveLength(1);
    expect(validate(validConfig())).toEqual([]);
    expect(validate(bad)).toHaveLength(1);
  });

  it('collects every error, not only the first', () => {
    const validate = createSchemaValidator(botSchema);
    const config = {
      exchange: 'ftx',
      apiUrl: 'not a url',
      strategies: [
        { id: 'trend', risk: { stopLoss: 0.02 } },
        { id: '', risk: { stopLoss: 2 } },
        { id: 'grid', risk: { stopLoss: -1 } },
      ],
    };
    const issues = validate(config);
    expect(pathsOf(issues)).toEqual(
      [
        'apiUrl',
        'exchange',
        'strategies.1.id',
        'strategies.1.risk.stopLoss',
        'strategies.2.risk.stopLoss',
      ].sort(),
    );
    for (const issue of issues) expect(issue.message).not.toBe('');
  });

  it('reports nested errors at dotted paths with numeric array indices', () => {
    const validate = createSchemaValidator(botSchema);
    const config = validConfig();
    config.strategies[1].risk.stopLoss = 1.5;
    expect(validate(config)).toEqual([
      { path: 'strategies.1.risk.stopLoss', message: 'must be <= 1' },
    ]);
  });

  it('reports a type error at the property path', () => {
    const validate = createSchemaValidator(botSchema);
    const config = { ...validConfig(), strategies: [{ id: 'x', risk: { stopLoss: '0.1' } }] };
    expect(validate(config)).toEqual([
      { path: 'strategies.0.risk.stopLoss', message: 'must be number' },
    ]);
  });

  it('reports a missing required property at its own path', () => {
    const validate = createSchemaValidator(botSchema);
    const config = validConfig();
    delete (config.strategies[1].risk as { stopLoss?: number }).stopLoss;
    expect(validate(config)).toEqual([
      { path: 'strategies.1.risk.stopLoss', message: 'is required' },
    ]);
  });

  it('reports a missing top-level property at its name', () => {
    const validate = createSchemaValidator(botSchema);
    const { exchange: _omitted, ...config } = validConfig();
    expect(validate(config)).toEqual([{ path: 'exchange', message: 'is required' }]);
  });

  it('reports every missing required property', () => {
    const validate = createSchemaValidator(botSchema);
    expect(pathsOf(validate({}))).toEqual(['exchange', 'strategies']);
  });

  it('reports an extra property at the path of that property', () => {
    const validate = createSchemaValidator(botSchema);
    const config = validConfig();
    (config.strategies[0].risk as Record<string, unknown>).trailingStop = 0.01;
    (config as Record<string, unknown>).debug = true;
    const issues = validate(config);
    expect(issues).toContainEqual({
      path: 'strategies.0.risk.trailingStop',
      message: 'is not an allowed property',
    });
    expect(issues).toContainEqual({ path: 'debug', message: 'is not an allowed property' });
    expect(issues).toHaveLength(2);
  });

  it('lists the allowed values in an enum error', () => {
    const validate = createSchemaValidator(botSchema);
    const issues = validate({ ...validConfig(), exchange: 'ftx' });
    expect(issues).toEqual([
      { path: 'exchange', message: 'must be one of "binance", "kraken", "coinbase"' },
    ]);
  });

  it('checks the "uri" format', () => {
    const validate = createSchemaValidator(botSchema);
    const issues = validate({ ...validConfig(), apiUrl: 'api.binance.com without scheme' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('apiUrl');
    expect(issues[0]!.message).toContain('uri');
  });

  it('checks the "email" format', () => {
    const validate = createSchemaValidator(botSchema);
    const issues = validate({ ...validConfig(), alertEmail: 'ops-at-example' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('alertEmail');
    expect(issues[0]!.message).toContain('email');
  });

  it('reports a wrong root type at the root path ""', () => {
    const validate = createSchemaValidator(botSchema);
    expect(validate([])).toEqual([{ path: '', message: 'must be object' }]);
  });

  it('decodes escaped JSON Pointer segments into the dotted path', () => {
    const validate = createSchemaValidator({
      type: 'object',
      properties: { 'a/b': { type: 'object', properties: { 'c~d': { type: 'number' } } } },
    });
    expect(validate({ 'a/b': { 'c~d': 'x' } })).toEqual([
      { path: 'a/b.c~d', message: 'must be number' },
    ]);
  });

  it('accepts a draft 2020-12 schema and applies its keywords', () => {
    const validate = createSchemaValidator({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { ratio: { type: 'number', minimum: 0, maximum: 1 } },
      properties: {
        // prefixItems only exists since 2020-12: a draft-07 engine would ignore it.
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
        stopLoss: { $ref: '#/$defs/ratio' },
      },
      dependentRequired: { takeProfit: ['stopLoss'] },
    });
    expect(validate({ pair: ['BTC', 1], stopLoss: 0.5 })).toEqual([]);
    const issues = validate({ pair: ['BTC', 'ETH'], stopLoss: 3, takeProfit: 0.1 });
    expect(pathsOf(issues)).toEqual(['pair.1', 'stopLoss']);
    expect(validate({ takeProfit: 0.1 })).toHaveLength(1);
  });

  it('accepts a draft 2019-09 schema', () => {
    const validate = createSchemaValidator({
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      type: 'object',
      properties: { a: { type: 'number' } },
      dependentRequired: { b: ['a'] },
    });
    expect(validate({ a: 1, b: 2 })).toEqual([]);
    expect(validate({ b: 2 })).toHaveLength(1);
  });

  it('accepts an explicit draft-07 schema', () => {
    const validate = createSchemaValidator({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { a: { type: 'integer' } },
    });
    expect(validate({ a: 1 })).toEqual([]);
    expect(validate({ a: 1.5 })).toEqual([{ path: 'a', message: 'must be integer' }]);
  });

  it('accepts the boolean schemas true and false', () => {
    expect(createSchemaValidator(true)({ anything: 1 })).toEqual([]);
    expect(createSchemaValidator(false)({ anything: 1 })).toHaveLength(1);
  });

  it('throws a ConfigReloadError with code CONFIG_SCHEMA for an invalid schema', () => {
    let thrown: unknown;
    try {
      createSchemaValidator({ type: 'object', properties: { a: { type: 'nope' } } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigReloadError);
    expect((thrown as ConfigReloadError).code).toBe('CONFIG_SCHEMA');
    expect((thrown as ConfigReloadError).message).toContain('JSON Schema');
  });

  it('throws CONFIG_SCHEMA for an unresolvable $ref', () => {
    expect(() =>
      createSchemaValidator({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_SCHEMA' }));
  });
});

describe('loadSchemaValidator', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'schema-validator-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and compiles a schema file', async () => {
    const schemaPath = path.join(dir, 'bot.schema.json');
    await writeFile(schemaPath, JSON.stringify(botSchema, null, 2));
    const validate = await loadSchemaValidator(schemaPath);
    expect(validate(validConfig())).toEqual([]);
    expect(validate({ ...validConfig(), exchange: 'ftx' })).toEqual([
      { path: 'exchange', message: 'must be one of "binance", "kraken", "coinbase"' },
    ]);
  });

  it('reads a schema file with a byte order mark', async () => {
    const schemaPath = path.join(dir, 'bom.schema.json');
    await writeFile(schemaPath, `\uFEFF${JSON.stringify({ type: 'object', required: ['a'] })}`);
    const validate = await loadSchemaValidator(schemaPath);
    expect(validate({})).toEqual([{ path: 'a', message: 'is required' }]);
  });

  it('throws CONFIG_SCHEMA naming the file when the schema file is missing', async () => {
    const schemaPath = path.join(dir, 'missing.schema.json');
    const error = await loadSchemaValidator(schemaPath).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigReloadError);
    expect((error as ConfigReloadError).code).toBe('CONFIG_SCHEMA');
    expect((error as ConfigReloadError).message).toContain(schemaPath);
    expect((error as ConfigReloadError).configPath).toBe(schemaPath);
  });

  it('throws CONFIG_SCHEMA when the schema file holds an invalid schema', async () => {
    const schemaPath = path.join(dir, 'invalid.schema.json');
    await writeFile(schemaPath, JSON.stringify({ type: 42 }));
    await expect(loadSchemaValidator(schemaPath)).rejects.toMatchObject({
      code: 'CONFIG_SCHEMA',
    });
  });

  it('refuses a schema file that is not valid JSON, with its path and position', async () => {
    const schemaPath = path.join(dir, 'broken.schema.json');
    await writeFile(schemaPath, '{\n  "type": "object",\n}');
    const error = await loadSchemaValidator(schemaPath).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigParseError);
    expect((error as ConfigParseError).message).toContain(schemaPath);
    // At the trailing comma, line 2, column 19, not at the "}" after it.
    expect([(error as ConfigParseError).line, (error as ConfigParseError).column]).toEqual([2, 19]);
  });
});
