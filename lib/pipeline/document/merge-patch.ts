/**
 * JSON Merge Patch (RFC 7386): a patch object names the members to change; `null` deletes one;
 * any other value (a string, a number, an array) replaces what was there, and an object is
 * merged into the member the same way. A patch that is not an object replaces the whole target.
 *
 * Neither input is ever changed. The result is new only along the paths the patch changed:
 * every subtree it left alone is the target's own, by identity, so that unchanged parts of a
 * config stay `===` from one version to the next (`select()` relies on it).
 *
 * Members are defined as own properties, never assigned: a `__proto__` member (which the strict
 * parser refuses before it gets here) would otherwise replace the result's prototype.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const base: Record<string, unknown> = isJsonObject(target) ? target : {};
  // A target that was not an object is replaced by `{}`: that is already a change.
  let result: Record<string, unknown> | undefined = base === target ? undefined : base;
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    const present = Object.hasOwn(base, key);
    if (value === null) {
      if (!present) continue;
      result ??= copyOf(base);
      delete result[key];
      continue;
    }
    const before = present ? base[key] : undefined;
    const after = applyMergePatch(before, value);
    if (present && Object.is(after, before)) continue;
    result ??= copyOf(base);
    defineMember(result, key, after);
  }
  return result ?? base;
}

/** A JSON object: not null, not an array. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A shallow copy with every own enumerable member defined (never assigned) on a plain object. */
function copyOf(source: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) defineMember(copy, key, source[key]);
  return copy;
}

function defineMember(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
