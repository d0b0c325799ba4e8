import { isDeepStrictEqual } from 'node:util';
import type { SchemaFragment } from './dto-schema.rules.js';

/**
 * One schema for all the rules of a property: keywords are merged where both rules agree (or
 * `integer` narrows `number`); a rule that disagrees on a keyword is kept whole in `allOf`.
 */
export function mergeFragments(fragments: readonly SchemaFragment[]): SchemaFragment {
  const merged: SchemaFragment = {};
  const apart: SchemaFragment[] = [];
  for (const fragment of fragments) {
    const clashes = Object.entries(fragment).some(
      ([key, value]) => key in merged && !agrees(key, merged[key], value),
    );
    if (clashes) {
      apart.push(fragment);
      continue;
    }
    for (const [key, value] of Object.entries(fragment)) {
      if (key === 'items' && merged.items) {
        merged.items = mergeFragments([merged.items as SchemaFragment, value as SchemaFragment]);
      } else if (key === 'type' && merged.type !== undefined) {
        merged.type = commonType(merged.type, value)!;
      } else {
        merged[key] = value;
      }
    }
  }
  return apart.length > 0 ? { ...merged, allOf: apart } : merged;
}

function agrees(key: string, a: unknown, b: unknown): boolean {
  if (isDeepStrictEqual(a, b)) return true;
  if (key === 'items') return true;
  return key === 'type' && commonType(a, b) !== undefined;
}

/** The types both allow (`integer` is a `number`); undefined when there is none. */
function commonType(a: unknown, b: unknown): string | string[] | undefined {
  const list = (type: unknown) => (Array.isArray(type) ? type : [type]) as string[];
  const allows = (types: string[], type: string) =>
    types.includes(type) || (type === 'integer' && types.includes('number'));
  const both = [
    ...list(a).filter((type) => allows(list(b), type)),
    ...list(b).filter((type) => allows(list(a), type) && !list(a).includes(type)),
  ].filter(
    (type, index, all) =>
      !(type === 'number' && all.includes('integer')) && all.indexOf(type) === index,
  );
  if (both.length === 0) return undefined;
  return both.length === 1 ? both[0] : both;
}

// Keywords that never refuse `null` (they apply to other types only).
const NULL_NEUTRAL = new Set([
  'title',
  'description',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'if',
  'else',
  '$ref', // the DTO definitions leave their type to the place that refers to them
]);

/** `@IsOptional` skips every rule for `null` (and a missing key): the schema accepts it too. */
export function allowNull(fragment: SchemaFragment): SchemaFragment {
  const result = { ...fragment };
  if (result.type !== undefined) {
    const types = Array.isArray(result.type) ? result.type : [result.type];
    result.type = types.includes('null') ? types : [...types, 'null'];
  }
  if (Array.isArray(result.enum) && !result.enum.includes(null)) {
    result.enum = [...result.enum, null];
  }
  const neutral = Object.keys(result).every(
    (key) => NULL_NEUTRAL.has(key) || key === 'type' || key === 'enum',
  );
  return neutral ? result : { anyOf: [{ type: 'null' }, fragment] };
}
