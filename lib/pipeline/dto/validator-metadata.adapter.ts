import { TransformationType, type TypeMetadata } from 'class-transformer';
import { defaultMetadataStorage, type PropertyIndexes } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

// The one place that reads class-validator's and class-transformer's metadata. Everything goes
// through their public MetadataStorage methods, which both have kept since class-validator 0.14
// and class-transformer 0.5, except listing which properties carry a `@Type` or a `@Transform`:
// no public method does, so two private indexes are read, and checked before use.

export type { TypeMetadata, ValidationMetadata };

/** What runs a class-validator rule, as far as the schema and incremental validation care. */
export interface RuleValidator {
  /** The validator's name: `isInt`, or the name a constraint class was registered with. */
  name: string;
  /** The validator returns a promise: its answer may depend on more than the value. */
  async: boolean;
  /**
   * The validator was given as an object: one of class-validator's decorators, or
   * `registerDecorator`. Otherwise it is a constraint class of the app's own.
   */
  builtIn: boolean;
}

// class-validator wraps every validator given as an object (its own decorators, and
// `registerDecorator`) in a class of this name; a constraint class of the app's own is itself.
const OBJECT_VALIDATOR_CLASS = 'CustomConstraint';

const VALIDATOR_METHODS = ['getTargetValidationMetadatas', 'getTargetValidatorConstraints'];
const TRANSFORMER_METHODS = [
  'findTypeMetadata',
  'findTransformMetadatas',
  'findExposeMetadata',
  'findExcludeMetadata',
  'getExposedMetadatas',
  'getExcludedMetadatas',
];

const indexes = defaultMetadataStorage as unknown as PropertyIndexes;

/** Why the metadata cannot be read (an unexpected version of either library), or undefined. */
export function metadataUnreadable(): string | undefined {
  if (!hasMethods(getMetadataStorage(), VALIDATOR_METHODS)) {
    return "class-validator's metadata could not be read (an unexpected class-validator version)";
  }
  if (
    !hasMethods(defaultMetadataStorage, TRANSFORMER_METHODS) ||
    !(indexes._typeMetadatas instanceof Map) ||
    !(indexes._transformMetadatas instanceof Map)
  ) {
    return "class-transformer's metadata could not be read (an unexpected class-transformer version)";
  }
  return undefined;
}

/**
 * Every rule `validate()` runs on an instance of the class (no groups asked for): its own, then
 * its ancestors' that it does not redeclare, as class-validator picks them.
 */
export function validationRulesOf(dto: Function): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false);
}

export function validatorOf(rule: ValidationMetadata): RuleValidator {
  const constraints = rule.constraintCls
    ? getMetadataStorage().getTargetValidatorConstraints(rule.constraintCls)
    : [];
  return {
    name: constraints[0]?.name ?? rule.name ?? rule.constraintCls?.name ?? rule.type,
    async: constraints.some((constraint) => constraint.async),
    builtIn: rule.constraintCls?.name === OBJECT_VALIDATOR_CLASS,
  };
}

/** The `@Type` class-transformer applies to the property: the class's own, else the nearest ancestor's. */
export function typeOf(dto: Function, property: string): TypeMetadata | undefined {
  return defaultMetadataStorage.findTypeMetadata(dto, property);
}

/** Every property with a `@Type`, on the class or an ancestor: the class's own first. */
export function typedProperties(dto: Function): string[] {
  return declaredIn(indexes._typeMetadatas, dto);
}

/** Every property with a `@Transform` (either direction), on the class or an ancestor. */
export function transformedProperties(dto: Function): string[] {
  return declaredIn(indexes._transformMetadatas, dto);
}

/** A `@Transform` (either direction: counted as before, though only one applies here). */
export function hasTransform(dto: Function, property: string): boolean {
  return [TransformationType.PLAIN_TO_CLASS, TransformationType.CLASS_TO_PLAIN].some(
    (direction) =>
      defaultMetadataStorage.findTransformMetadatas(dto, property, direction).length > 0,
  );
}

/**
 * The properties marked `@Expose` or `@Exclude` on the class or an ancestor, and `undefined`
 * for a mark on a class itself; exposed before excluded, the class's own first.
 */
export function exposeOrExcludeMarks(dto: Function): Array<string | undefined> {
  const store = defaultMetadataStorage;
  return [
    ...ownFirst(dto, store.getExposedMetadatas(dto)).map((mark) => mark.propertyName),
    ...(store.findExposeMetadata(dto, undefined) ? [undefined] : []),
    ...ownFirst(dto, store.getExcludedMetadatas(dto)).map((mark) => mark.propertyName),
    ...(store.findExcludeMetadata(dto, undefined) ? [undefined] : []),
  ];
}

/** The property, or the class (or an ancestor) as a whole, is marked `@Expose` or `@Exclude`. */
export function isExposedOrExcluded(dto: Function, property: string): boolean {
  const store = defaultMetadataStorage;
  return [property, undefined].some(
    (name) => store.findExposeMetadata(dto, name) || store.findExcludeMetadata(dto, name),
  );
}

/** class-transformer lists an ancestor's marks first; the class's own come first here. */
function ownFirst<T extends { target: Function }>(dto: Function, marks: T[]): T[] {
  return [...marks.filter((mark) => mark.target === dto), ...marks.filter((m) => m.target !== dto)];
}

function declaredIn(
  index: Map<Function, Map<string | undefined, unknown>> | undefined,
  dto: Function,
): string[] {
  const names = new Set<string>();
  if (!(index instanceof Map)) return [];
  for (let owner = dto; owner?.prototype !== undefined; owner = Object.getPrototypeOf(owner)) {
    for (const name of index.get(owner)?.keys() ?? []) if (name !== undefined) names.add(name);
  }
  return [...names];
}

function hasMethods(store: object, methods: string[]): boolean {
  return methods.every(
    (method) => typeof (store as Record<string, unknown>)[method] === 'function',
  );
}
