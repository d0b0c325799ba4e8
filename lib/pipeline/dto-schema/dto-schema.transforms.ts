import { hasTransform, isExposedOrExcluded, typeOf } from '../dto/validator-metadata.adapter.js';

// A `@Type` to one of these converts the parsed value (`"5"` becomes 5) before any rule runs.
const CONVERTED_TYPES: unknown[] = [String, Number, Boolean, Date, Map, Set, Buffer, Object, Array];

/**
 * Why class-transformer may change a property's value (or its key) before class-validator sees
 * it, or undefined when the rules see the parsed value as it is. A schema checks the parsed
 * value, so the rules of such a property are left to the DTO.
 */
export function transformedBy(dto: Function, property: string): string | undefined {
  if (hasTransform(dto, property)) return '@Transform';
  if (isExposedOrExcluded(dto, property)) return '@Expose or @Exclude';
  const type = typeOf(dto, property);
  if (!type) return undefined;
  if (type.options?.discriminator) return 'a @Type discriminator';
  if (type.typeFunction.length > 0) return 'a @Type that looks at the object';
  const target = type.typeFunction();
  if (CONVERTED_TYPES.includes(target)) return `@Type(() => ${(target as Function).name})`;
  return undefined;
}
