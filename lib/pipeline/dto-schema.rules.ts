import { defaultConverters } from 'class-validator-jsonschema/build/defaultConverters';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/** A piece of JSON Schema (draft 2020-12) for one value. */
export type SchemaFragment = Record<string, unknown>;

/** What one class-validator rule becomes in the generated schema. */
export interface RuleSchema {
  /** The schema that refuses exactly what the rule refuses, or less; none when nothing is known. */
  fragment?: SchemaFragment;
  /** The rule refuses a missing property (the property can be listed as required). */
  refusesMissing: boolean;
  /** Set when the schema does not check all of the rule: the rule as the description names it. */
  dtoOnly?: string;
}

/** What a rule's own metadata says, with the name of the validator it runs. */
export interface RuleMetadata extends ValidationMetadata {
  validatorName: string;
  /** The validator is one of class-validator's own (not a constraint class of the app). */
  builtIn: boolean;
}

type Converter = (meta: RuleMetadata) => SchemaFragment | undefined;

// class-validator-jsonschema's mapping, for the rules whose mapping refuses nothing that
// class-validator accepts on parsed JSON. The others are mapped below, or left to the DTO.
const LIBRARY_MAPPED = [
  'isString',
  'isNumber',
  'isInt',
  'isBoolean',
  'isArray',
  'isObject',
  'isNotEmptyObject',
  'isDefined',
  'isIn',
  'equals',
  'min',
  'max',
  'isPositive',
  'isNegative',
  'minLength',
  'arrayMinSize',
  'arrayMaxSize',
  'arrayNotEmpty',
];

// class-validator counts a string's length without U+FE0E and U+FE0F (variation selectors);
// JSON Schema counts every code point. A maximum is checked only on strings without them.
const VARIATION_SELECTOR = '[\\uFE0E\\uFE0F]';
const maxLength = (max: unknown): SchemaFragment => ({
  type: 'string',
  if: { pattern: VARIATION_SELECTOR },
  else: { maxLength: max },
});

// Parts of a pattern whose meaning changes under the `u` flag JSON Schema validators use
// (they then match a whole astral character instead of one half of it).
const UNICODE_SENSITIVE = /(^|[^\\])\.|\[\^|\\[SWDB]/;

const OWN_MAPPING: Record<string, Converter> = {
  isEnum: (meta) => ({ enum: Object.values(meta.constraints[0] as object) }),
  isLength: (meta) => {
    const [min, max] = meta.constraints as [number, number | undefined];
    return max === undefined
      ? { type: 'string', minLength: min }
      : { ...maxLength(max), minLength: min };
  },
  maxLength: (meta) => maxLength(meta.constraints[0]),
  isNotEmpty: () => ({ not: { enum: ['', null] } }),
  matches: (meta) => {
    const [pattern, modifiers] = meta.constraints as [unknown, unknown];
    const source = pattern instanceof RegExp && !pattern.flags ? pattern.source : undefined;
    if (source === undefined || modifiers || UNICODE_SENSITIVE.test(source)) return undefined;
    try {
      new RegExp(source, 'u');
    } catch {
      return undefined;
    }
    return { type: 'string', pattern: source };
  },
};

/** The rule as a description names it: `isLessThan(slowPeriod)`. */
export function describeRule(meta: RuleMetadata): string {
  const constraints = (meta.constraints ?? []).map(describeConstraint).join(', ');
  return `${meta.validatorName}(${constraints})${meta.each ? ' on each element' : ''}`;
}

function describeConstraint(constraint: unknown): string {
  if (constraint instanceof RegExp) return String(constraint);
  if (typeof constraint === 'function') return constraint.name || 'function';
  return typeof constraint === 'string' ? constraint : (JSON.stringify(constraint) ?? '?');
}

/**
 * Maps one rule that class-validator runs (a custom-validation rule: every built-in decorator
 * and `registerDecorator`) to schema. A rule that is not known, or runs only sometimes, gives no
 * fragment and is named as DTO-only: the schema is looser, never stricter, than the DTO.
 */
export function ruleSchema(meta: RuleMetadata): RuleSchema {
  const dtoOnly = { refusesMissing: false, dtoOnly: describeRule(meta) };
  if (!meta.builtIn || meta.validateIf) return dtoOnly;
  const fragment = convert(meta);
  if (!fragment) return dtoOnly;
  const partial = meta.validatorName === 'isNumber' && hasDecimalPlaces(meta.constraints?.[0]);
  if (meta.each) {
    // On an array, the rule checks each element; on anything else, the value itself (not mapped).
    return { fragment: { items: fragment }, refusesMissing: false, ...(partial ? dtoOnly : {}) };
  }
  return { fragment, refusesMissing: true, ...(partial ? { dtoOnly: dtoOnly.dtoOnly } : {}) };
}

function convert(meta: RuleMetadata): SchemaFragment | undefined {
  const own = OWN_MAPPING[meta.validatorName];
  if (own) return own(meta);
  if (!LIBRARY_MAPPED.includes(meta.validatorName)) return undefined;
  const converter = defaultConverters[meta.validatorName];
  const fragment = (typeof converter === 'function' ? converter(meta, {} as never) : converter) as
    SchemaFragment | undefined;
  if (!fragment) return undefined;
  const { items, ...rest } = fragment;
  // The library adds `items: {}` to array rules: it says nothing.
  return items && Object.keys(items).length > 0 ? fragment : rest;
}

function hasDecimalPlaces(options: unknown): boolean {
  return (options as { maxDecimalPlaces?: unknown } | undefined)?.maxDecimalPlaces !== undefined;
}
