import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';

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

interface ValidationMetadataLike {
  type: string;
  name?: string;
  propertyName: string;
  groups?: string[];
  always?: boolean;
  validateIf?: unknown;
  constraintCls?: Function;
}

interface ValidatorStorage {
  validationMetadatas?: unknown;
  getTargetValidatorConstraints(target: Function): Array<{ async?: boolean; name?: string }>;
}

const VALUE_TYPES: unknown[] = [String, Number, Boolean, Date, Object, Array, Map, Set, Promise];

// class-validator wraps every validator given as an object (its own decorators included) in a
// class of this name; a constraint class of the app's own is given as itself.
const OBJECT_VALIDATOR_CLASS = 'CustomConstraint';

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
  const storage = getMetadataStorage() as unknown as ValidatorStorage;
  const classes = new Map<Function, ClassReach>();
  let full: string | undefined;
  if (!(storage.validationMetadatas instanceof Map)) {
    full = "class-validator's metadata could not be read (an unexpected class-validator version)";
  }
  const pending = [root];
  while (pending.length > 0 && !full) {
    const dto = pending.pop()!;
    if (classes.has(dto)) continue;
    const reach: ClassReach = { nested: new Map() };
    classes.set(dto, reach);
    full =
      readValidationRules(dto, reach, storage) ??
      readTransformRules(dto, reach) ??
      unseenNestedTypes(dto, reach, storage);
    for (const nested of reach.nested.values()) pending.push(nested.dto);
  }
  const result = { full, classes, rewritesInput: full?.includes(DISCRIMINATOR) ?? false };
  analysed.set(root, result);
  return result;
}

/** The class and its ancestors, whose decorators apply to it too. */
function lineage(dto: Function): Function[] {
  const chain: Function[] = [];
  for (
    let current = dto;
    current?.prototype !== undefined;
    current = Object.getPrototypeOf(current)
  ) {
    chain.push(current);
  }
  return chain;
}

/** Every validation rule that applies to the class, its ancestors' included. */
function* rulesOf(dto: Function, storage: ValidatorStorage): Generator<ValidationMetadataLike> {
  const all = storage.validationMetadatas as Map<Function, ValidationMetadataLike[]>;
  for (const owner of lineage(dto)) yield* all.get(owner) ?? [];
}

function readValidationRules(
  dto: Function,
  reach: ClassReach,
  storage: ValidatorStorage,
): string | undefined {
  for (const rule of rulesOf(dto, storage)) {
    const where = `${dto.name}.${rule.propertyName}`;
    if (rule.type === ValidationTypes.CUSTOM_VALIDATION && rule.constraintCls) {
      const constraints = storage.getTargetValidatorConstraints(rule.constraintCls);
      const name = constraints[0]?.name ?? rule.constraintCls.name;
      if (constraints.some((constraint) => constraint.async)) {
        return `${where} uses the asynchronous rule ${name}, whose answer may depend on more than the config`;
      }
      if (rule.constraintCls.name !== OBJECT_VALIDATOR_CLASS) {
        return `${where} uses the constraint class ${rule.constraintCls.name}, which may hold state or services`;
      }
    }
    reach.whole ??= wholeReason(rule, where);
  }
  return undefined;
}

function wholeReason(rule: ValidationMetadataLike, where: string): string | undefined {
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
  const store = defaultMetadataStorage;
  const named = (property: string | undefined) => (property ? `${dto.name}.${property}` : dto.name);
  const seen = new Set<string>();
  for (const owner of lineage(dto)) {
    const transforms = store._transformMetadatas.get(owner);
    if (transforms?.size) reach.whole ??= `${named(first(transforms))} uses @Transform`;
    for (const kind of [store._exposeMetadatas, store._excludeMetadatas]) {
      const marks = kind.get(owner);
      if (marks?.size) reach.whole ??= `${named(first(marks))} uses @Expose or @Exclude`;
    }
    for (const [property, type] of store._typeMetadatas.get(owner) ?? []) {
      // The nearest declaration wins, as in class-transformer.
      if (property === undefined || seen.has(property)) continue;
      seen.add(property);
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
  }
  return undefined;
}

/**
 * A `@ValidateNested` property whose `@Type` this module cannot see: class-transformer's metadata
 * lives in a second copy of it (a bundler may pick its ES build for the app and the CommonJS one
 * here), or the DTO lacks the `@Type`. Either way the levels are unknown: validate in full.
 */
function unseenNestedTypes(
  dto: Function,
  reach: ClassReach,
  storage: ValidatorStorage,
): string | undefined {
  for (const rule of rulesOf(dto, storage)) {
    if (rule.type !== ValidationTypes.NESTED_VALIDATION || reach.nested.has(rule.propertyName)) {
      continue;
    }
    const typed = lineage(dto).some((level) =>
      defaultMetadataStorage._typeMetadatas.get(level)?.has(rule.propertyName),
    );
    if (!typed) {
      return `${dto.name}.${rule.propertyName} has @ValidateNested but no @Type visible to this module (a DTO without @Type, or a second copy of class-transformer)`;
    }
  }
  return undefined;
}

function first(map: Map<string | undefined, unknown>): string | undefined {
  return map.keys().next().value;
}
