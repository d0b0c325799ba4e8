import type { ValidationMetadata } from '../dto/validator-metadata.adapter.js';

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

/** `string`, `number` or `boolean` as a schema type, for a constant of that kind. */
function typeOf(constant: unknown): SchemaFragment | undefined {
  const type = typeof constant;
  return type === 'string' || type === 'number' || type === 'boolean' ? { type } : undefined;
}

// The rules whose schema refuses nothing class-validator accepts on parsed JSON, as
// class-validator-jsonschema maps them (the same fragments, key order included, so that a schema
// generated before is generated again byte for byte). The others are mapped below, or left to
// the DTO.
const SIMPLE_MAPPING: Record<string, Converter> = {
  isString: () => ({ type: 'string' }),
  isNumber: () => ({ type: 'number' }),
  isInt: () => ({ type: 'integer' }),
  isBoolean: () => ({ type: 'boolean' }),
  isArray: () => ({ type: 'array' }),
  isObject: () => ({ type: 'object' }),
  isNotEmptyObject: () => ({ type: 'object', minProperties: 1 }),
  isDefined: () => ({ not: { type: 'null' } }),
  isIn: (meta) => {
    const allowed = meta.constraints[0] as unknown[];
    const [head, ...rest] = allowed.map(typeOf);
    // One type for every allowed value, or the rule stays the DTO's.
    if (!head || !rest.every((item) => item?.type === head.type)) return undefined;
    return { ...head, enum: allowed };
  },
  equals: (meta) => {
    const schema = typeOf(meta.constraints[0]);
    return schema && { ...schema, enum: [meta.constraints[0]] };
  },
  min: (meta) => ({ minimum: meta.constraints[0], type: 'number' }),
  max: (meta) => ({ maximum: meta.constraints[0], type: 'number' }),
  isPositive: () => ({ exclusiveMinimum: 0, type: 'number' }),
  isNegative: () => ({ exclusiveMaximum: 0, type: 'number' }),
  minLength: (meta) => ({ minLength: meta.constraints[0], type: 'string' }),
  arrayMinSize: (meta) => ({ minItems: meta.constraints[0], type: 'array' }),
  arrayMaxSize: (meta) => ({ maxItems: meta.constraints[0], type: 'array' }),
  arrayNotEmpty: () => ({ minItems: 1, type: 'array' }),
};

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
  const converter = OWN_MAPPING[meta.validatorName] ?? SIMPLE_MAPPING[meta.validatorName];
  return converter?.(meta);
}

function hasDecimalPlaces(options: unknown): boolean {
  return (options as { maxDecimalPlaces?: unknown } | undefined)?.maxDecimalPlaces !== undefined;
}
