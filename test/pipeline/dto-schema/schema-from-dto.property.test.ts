import 'reflect-metadata';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSchemaFromDto } from '../../../lib/pipeline/dto-schema/dto-schema.generator.js';
import { validateConfigText } from '../../../lib/pipeline/config.pipeline.js';
import type { UnknownKeys } from '../../../lib/interfaces/index.js';
import {
  createSchemaValidator,
  type SchemaValidator,
} from '../../../lib/pipeline/document/schema.validator.js';
import { DEFAULT_CONFIG_PATH } from '../../../sample-app/src/config/paths.js';
import { TrendFollowingConfig } from '../../../sample-app/src/config/trend-following.config.js';

const sample = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown>;

/** Values a mutation puts in: right and wrong types, in and out of range, odd strings. */
const values = fc.oneof(
  fc.constantFrom(0, -0, 1, 2, 0.5, 0.1, 1.5, 10, 10.5, 50, 100, 500, 501, -1, 1e21, 3.0000001),
  fc.double({ min: -2, max: 600, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 600 }),
  fc.constantFrom('ema', 'sma', '1h', '4h', 'BTC-USD', 'btc-usd', 'USD', 'usdt', 'paper', 'live'),
  fc.constantFrom(
    '',
    'x',
    'a-b',
    'limit',
    'market',
    '12345678',
    '😀😀😀😀',
    'ab\uFE0F',
    'a'.repeat(65),
  ),
  fc.string({ maxLength: 12, unit: 'grapheme' }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.constantFrom('BTC-USD', 'ETH-USD', 'x', 1), { maxLength: 3 }),
);

type Mutation = { walk: number[]; action: string; value: unknown };

const mutations = fc.record({
  walk: fc.array(fc.nat(40), { minLength: 1, maxLength: 6 }),
  action: fc.constantFrom('set', 'set', 'delete', 'delete', 'extra', 'wrap', 'copy-sibling'),
  value: values,
});

/** Applies a mutation to a copy: the walk picks a key per level and stops at a leaf or its end. */
function mutate(document: unknown, { walk, action, value }: Mutation): unknown {
  const copy = structuredClone(document) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (let depth = 0; depth < walk.length; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[walk[depth]! % keys.length]!;
    const child = node[key];
    if (depth < walk.length - 1 && child !== null && typeof child === 'object') {
      node = child as Record<string, unknown>;
      continue;
    }
    if (action === 'delete') {
      if (Array.isArray(node)) node.splice(Number(key), 1);
      else delete node[key];
    } else if (action === 'extra') {
      if (Array.isArray(node)) node.push(structuredClone(node[key]));
      else node[`extra${walk[0]}`] = value;
    } else if (action === 'wrap') {
      node[key] = [structuredClone(child)];
    } else if (action === 'copy-sibling') {
      node[key] = structuredClone(node[keys[(walk[depth]! + 1) % keys.length]!]);
    } else node[key] = value;
    break;
  }
  return copy;
}

/** Whether the module, given the DTO alone, accepts the document. */
async function dtoAccepts(document: unknown, unknownKeys: UnknownKeys = 'allow'): Promise<boolean> {
  const rules = { dto: TrendFollowingConfig, unknownKeys };
  return validateConfigText(JSON.stringify(document), 'sample.json', rules).then(
    () => true,
    () => false,
  );
}

/** A document the schema refuses and the DTO accepts, or undefined when none is found. */
async function findOverStrictness(
  schema: SchemaValidator,
  runs: number,
  unknownKeys: UnknownKeys = 'allow',
  start: unknown = sample,
) {
  let counterexample: unknown;
  const refused = { schema: 0, dto: 0 };
  await fc
    .assert(
      fc.asyncProperty(fc.array(mutations, { minLength: 1, maxLength: 3 }), async (steps) => {
        const document = steps.reduce<unknown>(mutate, start);
        const schemaRefuses = schema(document).length > 0;
        const dtoRefuses = !(await dtoAccepts(document, unknownKeys));
        refused.schema += Number(schemaRefuses);
        refused.dto += Number(dtoRefuses);
        if (schemaRefuses && !dtoRefuses) counterexample ??= document;
        return !(schemaRefuses && !dtoRefuses);
      }),
      { numRuns: runs, seed: 13, endOnFailure: true },
    )
    .catch(() => undefined);
  return { counterexample, refused };
}

describe('the schema generated from the sample DTO', () => {
  const generated = generateSchemaFromDto(TrendFollowingConfig);
  const schema = createSchemaValidator(generated);

  it('accepts the sample config, which the DTO accepts', async () => {
    expect(await dtoAccepts(sample)).toBe(true);
    expect(schema(sample)).toEqual([]);
  });

  it('never refuses a config the DTO accepts, over random mutations of the sample', async () => {
    const { counterexample, refused } = await findOverStrictness(schema, 1500);
    expect(counterexample).toBeUndefined();
    // The mutations do reach the rules: the schema refuses many of them, the DTO more.
    expect(refused.schema).toBeGreaterThan(300);
    expect(refused.dto).toBeGreaterThanOrEqual(refused.schema);
  }, 60_000);

  it('is caught by this test when it is stricter than the DTO (unknown keys refused)', async () => {
    const tooStrict = createSchemaValidator({ ...generated, additionalProperties: false });
    const { counterexample } = await findOverStrictness(tooStrict, 1500);
    expect(counterexample).toBeDefined();
  }, 60_000);
});

describe('the schema generated from the sample DTO refusing unknown keys', () => {
  const generated = generateSchemaFromDto(TrendFollowingConfig, { unknownKeys: 'refuse' });
  const schema = createSchemaValidator(generated);
  const withEditorKey = { $schema: './trend_following.schema.json', ...sample };

  it('never refuses a config the DTO accepts, misspelt keys and $schema included', async () => {
    const { counterexample, refused } = await findOverStrictness(
      schema,
      1500,
      'refuse',
      withEditorKey,
    );
    expect(counterexample).toBeUndefined();
    expect(refused.schema).toBeGreaterThan(300);
    expect(refused.dto).toBeGreaterThanOrEqual(refused.schema);
  }, 60_000);

  it('is caught by this test when it refuses the editor reference the DTO leaves out', async () => {
    const properties = { ...(generated.properties as Record<string, unknown>) };
    delete properties.$schema;
    const tooStrict = createSchemaValidator({ ...generated, properties });
    const { counterexample } = await findOverStrictness(tooStrict, 200, 'refuse', withEditorKey);
    expect(counterexample).toBeDefined();
  });
});
