import type { Type } from '@nestjs/common';
import type { UnknownKeys } from '../../interfaces/index.js';
import { ValidationTypes, type ValidatorOptions } from 'class-validator';
import { allowNull, mergeFragments } from './dto-schema.fragments.js';
import { ruleSchema, type RuleMetadata, type SchemaFragment } from './dto-schema.rules.js';
import { transformedBy } from './dto-schema.transforms.js';
import { dtoValidatorOptions, EDITOR_SCHEMA_KEY } from '../dto/unknown-keys.js';
import {
  typeOf,
  validationRulesOf,
  validatorOf,
  type ValidationMetadata,
} from '../dto/validator-metadata.adapter.js';

export interface DtoSchemaOptions {
  /** As the module's `unknownKeys`: `'refuse'` gives every object `additionalProperties: false`. */
  unknownKeys?: UnknownKeys;
}

export const SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema';

const PRIMITIVE_TYPES: unknown[] = ['string', 'number', 'integer', 'boolean'];

/**
 * A JSON Schema (draft 2020-12) generated from a DTO's class-validator and class-transformer
 * metadata, for the module's fast structural check and for editors. It never refuses a config
 * the DTO accepts: a rule it cannot express is left to the DTO and named in the `description`
 * of the object it sits on (and of the root).
 */
export function generateSchemaFromDto(
  dto: Type<object>,
  options: DtoSchemaOptions = {},
): Record<string, unknown> {
  const builder = new DtoSchemaBuilder(dtoValidatorOptions(options.unknownKeys));
  const root = builder.classBody(dto);
  const properties = root.properties as Record<string, SchemaFragment>;
  // Editors read `$schema` from the file itself. The DTO takes any value there (it ignores a key
  // without rules, or, refusing unknown keys, leaves this one out), and the schema must not
  // refuse more: no type.
  if (!(EDITOR_SCHEMA_KEY in properties)) {
    root.properties = {
      [EDITOR_SCHEMA_KEY]: { description: 'The JSON Schema editors check this file with.' },
      ...properties,
    };
  }
  const dtoOnly = builder.dtoOnly.length
    ? `Checked by the DTO only: ${builder.dtoOnly.join('; ')}.`
    : 'Every rule of the DTO is checked by this schema too.';
  return {
    $schema: SCHEMA_DRAFT,
    title: dto.name,
    description: `Generated from the class-validator rules of ${dto.name}. ${dtoOnly}`,
    type: 'object',
    ...withoutDescription(root),
    ...(Object.keys(builder.defs).length > 0 ? { $defs: builder.defs } : {}),
  };
}

function withoutDescription(body: SchemaFragment): SchemaFragment {
  const rest = { ...body };
  delete rest.description; // the root has its own, which lists every class's DTO-only rules
  return rest;
}

class DtoSchemaBuilder {
  readonly defs: Record<string, SchemaFragment> = {};
  /** Every DTO-only rule, as `Class.property: rule`. */
  readonly dtoOnly: string[] = [];
  private readonly names = new Map<Function, string>();

  constructor(private readonly validatorOptions: ValidatorOptions) {}

  /** `$defs` reference to a nested DTO, its schema built on first use. */
  refTo(dto: Function): string {
    let name = this.names.get(dto);
    if (name === undefined) {
      name = dto.name || 'Anonymous';
      for (let n = 2; name in this.defs; n++) name = `${dto.name}${n}`;
      this.names.set(dto, name);
      this.defs[name] = {}; // reserved: a class may contain itself
      this.defs[name] = {
        title: dto.name,
        // class-transformer builds an array of DTOs (at any depth) from an array.
        items: { type: ['object', 'array'], $ref: `#/$defs/${name}` },
        ...this.classBody(dto),
      };
    }
    return `#/$defs/${name}`;
  }

  classBody(dto: Function): SchemaFragment {
    const rules = validationRulesOf(dto);
    const byProperty = new Map<string, ValidationMetadata[]>();
    for (const rule of rules) {
      byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
    }
    const defaults = defaultsOf(dto);
    const properties: Record<string, SchemaFragment> = {};
    const required: string[] = [];
    const ownDtoOnly: string[] = [];
    const leaveToDto = (property: string, rule: string) => {
      ownDtoOnly.push(`${property}: ${rule}`);
      this.dtoOnly.push(`${dto.name}.${property}: ${rule}`);
    };
    for (const [property, propertyRules] of byProperty) {
      const transform = transformedBy(dto, property);
      if (transform) {
        properties[property] = {};
        leaveToDto(property, `every rule (${transform})`);
        continue;
      }
      const result = this.propertySchema(dto, property, propertyRules, leaveToDto);
      properties[property] = result.schema;
      if (result.required && defaults[property] === undefined) required.push(property);
    }
    const { whitelist, forbidNonWhitelisted } = this.validatorOptions;
    return {
      ...(ownDtoOnly.length > 0
        ? { description: `Checked by the DTO only: ${ownDtoOnly.join('; ')}.` }
        : {}),
      properties,
      ...(required.length > 0 ? { required } : {}),
      ...(whitelist && forbidNonWhitelisted ? { additionalProperties: false } : {}),
    };
  }

  private propertySchema(
    dto: Function,
    property: string,
    rules: readonly ValidationMetadata[],
    leaveToDto: (property: string, rule: string) => void,
  ): { schema: SchemaFragment; required: boolean } {
    const conditions = rules.filter((rule) => rule.type === ValidationTypes.CONDITIONAL_VALIDATION);
    if (conditions.some((rule) => rule.name !== 'isOptional')) {
      leaveToDto(property, 'every rule (it has a @ValidateIf condition)');
      return { schema: {}, required: false };
    }
    const fragments: SchemaFragment[] = [];
    let required = false;
    let unique = false;
    for (const rule of rules) {
      if (rule.type === ValidationTypes.NESTED_VALIDATION) {
        const nested = typeOf(dto, property)?.typeFunction();
        if (typeof nested === 'function') {
          fragments.push({ type: ['object', 'array'], $ref: this.refTo(nested) });
        } else leaveToDto(property, 'validateNested (no @Type names its class)');
        continue;
      }
      if (rule.type === ValidationTypes.PROMISE_VALIDATION) leaveToDto(property, 'validatePromise');
      if (rule.type !== ValidationTypes.CUSTOM_VALIDATION && rule.type !== 'isDefined') continue;
      const meta = this.describe(rule);
      if (
        meta.validatorName === 'arrayUnique' &&
        meta.builtIn &&
        !meta.each &&
        !rule.constraints?.[0]
      ) {
        unique = true;
        required = true;
        fragments.push({ type: 'array' });
        continue;
      }
      const mapped = ruleSchema(meta);
      if (mapped.fragment) fragments.push(mapped.fragment);
      if (mapped.dtoOnly) leaveToDto(property, mapped.dtoOnly);
      required ||= mapped.refusesMissing;
    }
    let schema = mergeFragments(fragments);
    if (unique) {
      // class-validator compares elements by identity: only equal primitives are duplicates.
      const itemType = (schema.items as SchemaFragment | undefined)?.type;
      if (PRIMITIVE_TYPES.includes(itemType)) schema.uniqueItems = true;
      else leaveToDto(property, 'arrayUnique() (its elements are not known to be primitives)');
    }
    const optional = conditions.length > 0;
    if (optional) schema = allowNull(schema);
    return { schema, required: required && !optional };
  }

  private describe(rule: ValidationMetadata): RuleMetadata {
    const validator = validatorOf(rule);
    return {
      ...rule,
      validatorName: validator.name,
      builtIn: validator.builtIn && !validator.async,
    } as RuleMetadata;
  }
}

/** The values a new instance starts with: class-transformer keeps them for missing keys. */
function defaultsOf(dto: Function): Record<string, unknown> {
  try {
    return new (dto as new () => Record<string, unknown>)();
  } catch {
    return new Proxy({}, { get: () => 'unknown' }); // no property counts as required
  }
}
