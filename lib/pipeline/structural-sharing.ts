/**
 * Structural sharing: gives `next` every subtree of `previous` whose value did not change, so
 * that unchanged parts keep their object identity from version to version
 * (`next.strategies[1] === previous.strategies[1]`). That is what lets an app (and `select()`)
 * tell "my part changed" with `===`.
 *
 * Values are compared deeply, key order ignored; objects count as equal only with the same
 * prototype (a DTO instance never stands in for a plain object, or for another class). `next`
 * is a fresh, unfrozen result of validation and is changed in place: its unchanged children are
 * replaced by the previous ones. Returns the value to use (the previous one when nothing at
 * all changed) and the set of nodes taken over (added to `reused` when one is given).
 */
export function shareUnchanged<T>(
  next: T,
  previous: unknown,
  reused = new WeakSet<object>(),
): { value: T; reused: WeakSet<object> } {
  const value = share(next, previous, reused) as T;
  return { value, reused };
}

function share(next: unknown, previous: unknown, reused: WeakSet<object>): unknown {
  if (next === previous) {
    // Shared already (a document rebuilt from a patch): taken over all the same.
    if (isObject(next)) reused.add(next);
    return next;
  }
  if (!isObject(next) || !isObject(previous)) return next;
  if (
    Array.isArray(next) !== Array.isArray(previous) ||
    Object.getPrototypeOf(next) !== Object.getPrototypeOf(previous)
  ) {
    return next;
  }
  const target = next as Record<string, unknown>;
  const source = previous as Record<string, unknown>;
  const keys = Object.keys(target);
  let same = keys.length === Object.keys(source).length;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(source, key)) {
      same = false;
      continue;
    }
    const child = share(target[key], source[key], reused);
    if (child !== target[key]) target[key] = child;
    if (child !== source[key]) same = false;
  }
  if (!same) return next;
  reused.add(previous);
  return previous;
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}
