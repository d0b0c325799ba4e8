/** Deeper than any real config; reached quickly by an object that contains itself. */
export const MAX_FREEZE_DEPTH = 1000;

/** The value nests deeper than `MAX_FREEZE_DEPTH` (or contains itself). */
export class NestingTooDeepError extends RangeError {
  constructor() {
    super(`config nests deeper than ${MAX_FREEZE_DEPTH} levels (does it contain itself?)`);
    this.name = 'NestingTooDeepError';
  }
}

/**
 * Freezes an object and everything reachable from it, so that no reader can change the shared
 * config under another reader. Objects that are already frozen are still walked: a shallow
 * `Object.freeze` (a DTO default, say) may hold mutable children. Parsed JSON has no cycles,
 * so none are tracked (tracking tripled the cost); a cycle fails with a clear error instead.
 */
export function deepFreeze<T>(value: T, skip?: WeakSet<object>, depth = 0): Readonly<T> {
  if (value === null || typeof value !== 'object') return value;
  // Taken over from the previous version by structural sharing: frozen to the leaves already.
  if (skip?.has(value)) return value;
  if (depth > MAX_FREEZE_DEPTH) throw new NestingTooDeepError();
  Object.freeze(value);
  for (const key of Object.keys(value)) {
    deepFreeze((value as Record<string, unknown>)[key], skip, depth + 1);
  }
  return value;
}
