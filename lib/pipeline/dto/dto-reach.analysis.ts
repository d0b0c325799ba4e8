import { ValidationTypes } from 'class-validator';
import {
  exposeOrExcludeMarks,
  metadataUnreadable,
  transformedProperties,
  typedProperties,
  typeOf,
  validationRulesOf,
  validatorOf,
  type ValidationMetadata,
} from './validator-metadata.adapter.js';

/** A property that holds a DTO (through `@Type(() => Dto)`), or an array of them. */
export interface NestedDto {
  dto: Function;
  /** An array value is built element by element (its declared type is an array, or none). */
  elementwise: boolean;
}

/** What a DTO class's rules can see, as far as incremental validation needs to know. */
export interface ClassReach {
  /**
   * Why the class is transformed and validated as one piece whenever anything in it changes,
   * rather than level by level; undefined when its rules see nothing beyond its own object.
   */
  whole?: string;
  /** The properties that hold nested DTOs, by name. */
  nested: Map<string, NestedDto>;
}

export interface DtoReach {
  /** Why the DTO is validated in full on every reload; undefined when it can be incremental. */
  full?: string;
  /** class-transformer deletes keys from the parsed input (a discriminator): give it a copy. */
  rewritesInput: boolean;
  /** Every DTO class reachable from the root through `@Type`. */
  classes: Map<Function, ClassReach>;
}

const VALUE_TYPES: unknown[] = [String, Number, Boolean, Date, Object, Array, Map, Set, Promise];

const DISCRIMINATOR = '@Type discriminator';

const analysed = new WeakMap<Function, DtoReach>();

/**
 * Reads class-validator's and class-transformer's metadata for a DTO and every DTO nested in it,
 * once per class. A rule is given `value` and `args.object`, the object it sits on: re-running
 * all of an object's own rules whenever anything below it changes covers every cross-field rule,
 * and an array rule sits on the array's parent. What that cannot cover, decided conservatively:
 * - a rule whose answer may change while the config does not (a constraint class, which the app
 *   may construct with services; an asynchronous rule) or a transformation that rewrites the
 *   parsed input (a discriminator): the whole DTO is then validated in full on every reload;
 * - a rule whose inputs are not the value and its object alone (`@ValidateIf`, validation groups,
 *   `@Transform`, `@Expose`/`@Exclude`, a `@Type` function that looks at the object): its class
 *   is then transformed and validated as one piece, with class-transformer's own code.
 */
export function analyseDtoReach(root: Function): DtoReach {
  const known = analysed.get(root);
  if (known) return known;
  const classes = new Map<Function, ClassReach>();
  let full = metadataUnreadable();
  const pending = [root];
  while (pending.length > 0 && !full) {
    const dto = pending.pop()!;
    if (classes.has(dto)) continue;
    const reach: ClassReach = { nested: new Map() };
    classes.set(dto, reach);
    full =
      readValidationRules(dto, reach) ??
      readTransformRules(dto, reach) ??
      unseenNestedTypes(dto, reach);
    for (const nested of reach.nested.values()) pending.push(nested.dto);
  }
  const result = { full, classes, rewritesInput: full?.includes(DISCRIMINATOR) ?? false };
  analysed.set(root, result);
  return result;
}

function readValidationRules(dto: Function, reach: ClassReach): string | undefined {
  for (const rule of validationRulesOf(dto)) {
    const where = `${dto.name}.${rule.propertyName}`;
    if (rule.type === ValidationTypes.CUSTOM_VALIDATION && rule.constraintCls) {
      const validator = validatorOf(rule);
      if (validator.async) {
        return `${where} uses the asynchronous rule ${validator.name}, whose answer may depend on more than the config`;
      }
      if (!validator.builtIn) {
        return `${where} uses the constraint class ${rule.constraintCls.name}, which may hold state or services`;
      }
    }
    reach.whole ??= wholeReason(rule, where);
  }
  return undefined;
}

function wholeReason(rule: ValidationMetadata, where: string): string | undefined {
  if ((rule.groups?.length ?? 0) > 0 || rule.always !== undefined) {
    return `${where} has a rule with validation groups`;
  }
  if (rule.validateIf) return `${where} has a rule with a validateIf condition`;
  if (rule.type === ValidationTypes.CONDITIONAL_VALIDATION && rule.name !== 'isOptional') {
    return `${where} uses @ValidateIf`;
  }
  if (rule.type === ValidationTypes.PROMISE_VALIDATION) return `${where} uses @ValidatePromise`;
  return undefined;
}

function readTransformRules(dto: Function, reach: ClassReach): string | undefined {
  const named = (property: string | undefined) => (property ? `${dto.name}.${property}` : dto.name);
  const [transformed] = transformedProperties(dto);
  if (transformed !== undefined) reach.whole ??= `${named(transformed)} uses @Transform`;
  const marks = exposeOrExcludeMarks(dto);
  if (marks.length > 0) reach.whole ??= `${named(marks[0])} uses @Expose or @Exclude`;
  for (const property of typedProperties(dto)) {
    const type = typeOf(dto, property);
    if (!type) continue;
    if (type.options?.discriminator) {
      return `${named(property)} uses a ${DISCRIMINATOR}, which rewrites the parsed object`;
    }
    if (type.typeFunction.length > 0) {
      reach.whole ??= `${named(property)} picks its @Type by looking at the object`;
      continue;
    }
    const nested = type.typeFunction();
    if (typeof nested !== 'function' || VALUE_TYPES.includes(nested) || nested === Buffer) {
      continue;
    }
    const elementwise = type.reflectedType === Array || type.reflectedType === undefined;
    reach.nested.set(property, { dto: nested, elementwise });
  }
  return undefined;
}

/**
 * A `@ValidateNested` property whose `@Type` this module cannot see: class-transformer's metadata
 * lives in a second copy of it (a bundler may pick its ES build for the app and the CommonJS one
 * here), or the DTO lacks the `@Type`. Either way the levels are unknown: validate in full.
 */
function unseenNestedTypes(dto: Function, reach: ClassReach): string | undefined {
  for (const rule of validationRulesOf(dto)) {
    if (rule.type !== ValidationTypes.NESTED_VALIDATION || reach.nested.has(rule.propertyName)) {
      continue;
    }
    if (!typeOf(dto, rule.propertyName)) {
      return `${dto.name}.${rule.propertyName} has @ValidateNested but no @Type visible to this module (a DTO without @Type, or a second copy of class-transformer)`;
    }
  }
  return undefined;
}
