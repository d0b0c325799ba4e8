import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepEqual } from '../../lib/notify/path-change.listeners.js';
import { deepFreeze } from '../../lib/pipeline/deep-freeze.js';
import { shareUnchanged } from '../../lib/pipeline/structural-sharing.js';

/** JSON documents of a config's shape: objects and arrays of numbers, strings and booleans. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom('a', 'b'),
    fc.boolean(),
    tie('object'),
    tie('array'),
  ),
  object: fc.dictionary(fc.constantFrom('k', 'm', 'n', 'risk', 'id'), tie('value'), { maxKeys: 4 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).object;

/** A random edit somewhere in a document: set, delete or add a key, deep down or at the top. */
function edit(document: unknown, path: number[], value: unknown): unknown {
  const copy = structuredClone(document) as Record<string, unknown>;
  let node: unknown = copy;
  for (const step of path) {
    if (node === null || typeof node !== 'object') break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[step % keys.length]!;
    const child = (node as Record<string, unknown>)[key];
    if (child === null || typeof child !== 'object' || step % 3 === 0) {
      if (step % 5 === 4 && !Array.isArray(node)) delete (node as Record<string, unknown>)[key];
      else (node as Record<string, unknown>)[key] = value;
      return copy;
    }
    node = child;
  }
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
    (node as Record<string, unknown>).added = value;
  }
  return copy;
}

/** Every object node of `value`, with its path. */
function nodes(value: unknown, path = ''): [string, object][] {
  if (value === null || typeof value !== 'object') return [];
  return [
    [path, value],
    ...Object.entries(value).flatMap(([key, child]) => nodes(child, `${path}.${key}`)),
  ];
}

function at(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

describe('structural sharing, for random documents and edits', () => {
  it('never changes the value, and keeps the identity of exactly the unchanged subtrees', () => {
    fc.assert(
      fc.property(json, fc.array(fc.nat(20), { maxLength: 5 }), json, (before, path, value) => {
        const previous = deepFreeze(structuredClone(before));
        const after = edit(before, path, value);
        const { value: shared } = shareUnchanged(structuredClone(after), previous);
        // The value is the edited document, whatever was taken over.
        expect(deepEqual(shared, after)).toBe(true);
        for (const [where, node] of nodes(shared)) {
          const old = at(previous, where);
          // A subtree is taken over exactly when it did not change (and it is then frozen).
          expect(node === old).toBe(
            deepEqual(node, old) && Array.isArray(node) === Array.isArray(old),
          );
          if (node === old) expect(Object.isFrozen(node)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
