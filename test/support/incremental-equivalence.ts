/**
 * What the equivalence properties share: random edits of a JSON document, and a check that a
 * pipeline given the config in force (incremental) agrees with full validation at every step.
 */
import 'reflect-metadata';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { ConfigReloadError } from '../../lib/config-reloader.errors.js';
import {
  ConfigPipeline,
  validateConfigText,
  type ConfigValidationRules,
} from '../../lib/pipeline/config.pipeline.js';
import { DEFAULT_CONFIG_PATH } from '../../sample-app/src/config/paths.js';

const WHERE = 'property.json';
const quiet = { log: () => undefined };

/** Values an edit puts in: valid and invalid ones, of every JSON type. */
const values = fc.oneof(
  fc.integer({ min: -2, max: 600 }),
  fc.double({ min: -1, max: 2, noNaN: true }),
  fc.constantFrom('ema', 'sma', '1h', 'BTC-USD', 'ETH-USD', 'paper', 'live', 'x', ''),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.constantFrom('BTC-USD', 'ETH-USD', 'SOL-USD'), { maxLength: 3 }),
  fc.record({ symbol: fc.constantFrom('A', 'B'), weight: fc.integer({ min: -1, max: 9 }) }),
);

/** One edit: a walk down the document (an index per level), what to do there, and a value. */
export const edits = fc.record({
  walk: fc.array(fc.nat(50), { minLength: 1, maxLength: 6 }),
  action: fc.constantFrom(
    'set',
    'nudge',
    'nudge',
    'nudge',
    'delete',
    'add',
    'copy-sibling',
    'editor-key',
  ),
  value: values,
});

type Edit = { walk: number[]; action: string; value: unknown };

/** Applies an edit to a copy: the walk picks a key per level and stops at a leaf or its end. */
function applyEdit(document: unknown, { walk, action, value }: Edit): unknown {
  const copy = structuredClone(document) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (let depth = 0; depth < walk.length; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[walk[depth]! % keys.length]!;
    const child = node[key];
    const last = depth === walk.length - 1;
    if (last || child === null || typeof child !== 'object') {
      if (action === 'delete') {
        if (Array.isArray(node)) node.splice(Number(key), 1);
        else delete node[key];
      } else if (action === 'add') {
        if (Array.isArray(node)) node.push(structuredClone(node[key]));
        else node.extra = value;
      } else if (action === 'editor-key') {
        // Left out at the top when unknown keys are refused, refused anywhere below.
        (depth === 0 || walk[depth]! % 2 === 0 ? copy : node).$schema = value;
      } else if (action === 'copy-sibling') {
        // Duplicates break ArrayUnique; swapped values break cross-field rules.
        const other = keys[(walk[depth]! + 1) % keys.length]!;
        node[key] = structuredClone(node[other]);
      } else if (action === 'nudge' && typeof child === 'number') {
        // A small step, mostly within the rules: the edits an operator makes.
        node[key] =
          child + (walk[depth]! % 2 === 0 ? 1 : -1) * (Number.isInteger(child) ? 1 : 0.01);
      } else node[key] = value;
      return copy;
    }
    node = child as Record<string, unknown>;
  }
  return copy;
}

type Outcome =
  { ok: true; config: unknown } | { ok: false; name: string; message: string; issues: unknown };

function failure(error: unknown): Outcome {
  if (!(error instanceof ConfigReloadError)) throw error;
  const issues = (error as { issues?: unknown }).issues;
  return { ok: false, name: error.name, message: error.message, issues };
}

async function fullPath<T extends object>(text: string, rules: ConfigValidationRules<T>) {
  try {
    return { ok: true, config: (await validateConfigText(text, WHERE, rules)).config } as Outcome;
  } catch (error) {
    return failure(error);
  }
}

/**
 * Runs a sequence of edits through one pipeline, each against the config then in force, and
 * compares every step with full validation of the same text. An edit is made to the last
 * document that was accepted, as an operator fixes a refused edit rather than piling on it.
 */
export async function checkSequence<T extends object>(
  rules: ConfigValidationRules<T>,
  start: unknown,
  steps: Edit[],
  offThreadMinChars = Infinity,
): Promise<void> {
  const pipeline = new ConfigPipeline<T>(rules, WHERE, { logger: quiet, offThreadMinChars });
  let current = (await pipeline.validate(JSON.stringify(start))).config;
  let accepted = start;
  try {
    for (const step of steps) {
      const document = applyEdit(accepted, step);
      const text = JSON.stringify(document);
      const expected = await fullPath(text, rules);
      let actual: Outcome;
      try {
        const next = (await pipeline.validate(text, current)).config;
        actual = { ok: true, config: next };
        current = next;
        accepted = document;
      } catch (error) {
        actual = failure(error);
      }
      // Same verdict, same issues (paths and messages, in order), and the same config, class by class.
      expect(actual).toStrictEqual(expected);
    }
  } finally {
    await pipeline.close();
  }
}

export const sample = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<
  string,
  unknown
>;

export const portfolio = {
  mode: 'paper',
  books: [
    {
      name: 'trend',
      limit: 10,
      legs: [
        { symbol: 'A', weight: 2, cap: 5 },
        { symbol: 'B', weight: 3, cap: 5 },
      ],
    },
    { name: 'carry', limit: 4, legs: [{ symbol: 'A', weight: 1, cap: 2 }] },
    { name: 'hedge', limit: 9, legs: [{ symbol: 'C', weight: 8, cap: 9 }] },
  ],
  limits: { soft: 2, hard: 5 },
  tags: ['x'],
};
