/**
 * How a parsed document travels back from the parse worker: as the difference from a document
 * both sides hold (the one the config in force came from), so that only what changed is cloned
 * across threads, and the receiving side rebuilds a document that shares every unchanged
 * subtree with its own copy, by identity, as structural sharing does.
 *
 * A patch node is `0` (the node of the basis, unchanged), `[1, value]` (a new value), or
 * `[2, keys, patches]` for an object or array with some unchanged parts (arrays: numeric keys).
 */
export type ParsePatch = 0 | [1, unknown] | [2, string[], ParsePatch[], boolean];

/** The patch that turns `basis` into `next`, where `next` already shares unchanged subtrees with it. */
export function encodePatch(next: unknown, basis: unknown): ParsePatch {
  if (next === basis) return 0;
  if (!isObject(next) || !isObject(basis) || Array.isArray(next) !== Array.isArray(basis)) {
    return [1, next];
  }
  const keys = Object.keys(next);
  const source = basis as Record<string, unknown>;
  const target = next as Record<string, unknown>;
  const patches = keys.map((key) =>
    Object.hasOwn(source, key)
      ? encodePatch(target[key], source[key])
      : ([1, target[key]] as const),
  );
  // Nothing shared below: the value itself is the smaller message.
  if (patches.every((patch) => patch !== 0 && patch[0] === 1)) return [1, next];
  return [2, keys, patches as ParsePatch[], Array.isArray(next)];
}

/** Rebuilds the document a patch describes, taking every unchanged node from `basis`. */
export function applyPatch(patch: ParsePatch, basis: unknown): unknown {
  if (patch === 0) return basis;
  if (patch[0] === 1) return patch[1];
  const [, keys, patches, isArray] = patch;
  const source = basis as Record<string, unknown>;
  const result: Record<string, unknown> = isArray ? ([] as unknown as Record<string, unknown>) : {};
  keys.forEach((key, index) => {
    result[key] = applyPatch(patches[index]!, source[key]);
  });
  return result;
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}
