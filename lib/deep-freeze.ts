/**
 * Freezes an object and everything reachable from it, so that no reader can change the shared
 * config under another reader. Objects that are already frozen are still walked: a shallow
 * `Object.freeze` (a DTO default, say) may hold mutable children.
 */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): Readonly<T> {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
  }
  return value;
}
