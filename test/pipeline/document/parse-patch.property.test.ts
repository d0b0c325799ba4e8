import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch, encodePatch } from '../../../lib/pipeline/document/parse-patch.js';
import { shareUnchanged } from '../../../lib/pipeline/structural-sharing.js';

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -1, max: 2 }),
    fc.constantFrom('a', 'b'),
    fc.boolean(),
    fc.constant(null),
    tie('object'),
    tie('array'),
  ),
  object: fc.dictionary(fc.constantFrom('k', 'm', 'risk', 'constructor'), tie('value'), {
    maxKeys: 4,
    noNullPrototype: true, // as JSON.parse makes them
  }),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).object;

/** Every object node of `value` and the node at the same path of `other`. */
function pairs(value: unknown, other: unknown): [unknown, unknown][] {
  if (value === null || typeof value !== 'object') return [];
  const at = (key: string) =>
    other !== null && typeof other === 'object'
      ? (other as Record<string, unknown>)[key]
      : undefined;
  return [
    [value, other],
    ...Object.entries(value).flatMap(([key, child]) => pairs(child, at(key))),
  ];
}

/** JSON text with every object's keys sorted: equal for values equal but for key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

describe('parse patches', () => {
  it('rebuild, from the receiver’s own copy, the document structural sharing would give', () => {
    fc.assert(
      fc.property(json, json, (before, after) => {
        // Each thread holds its own copy of the basis; the sender shares against its copy.
        const senderBasis = structuredClone(before);
        const shared = shareUnchanged(structuredClone(after), senderBasis).value;
        const patch = structuredClone(encodePatch(shared, senderBasis));
        const receiverBasis = structuredClone(before);
        const rebuilt = applyPatch(patch, receiverBasis);
        const expected = shareUnchanged(structuredClone(after), receiverBasis).value;
        // The same JSON as `after` ('constructor' keys defeat toStrictEqual), in the key order
        // structural sharing gives: an object equal but for key order is taken from the basis.
        expect(canonical(rebuilt)).toBe(canonical(after));
        expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(expected));
        // Taken from the basis exactly where structural sharing on this side would take it.
        const basisNodes = new Set(pairs(receiverBasis, undefined).map(([node]) => node));
        for (const [node, counterpart] of pairs(rebuilt, expected)) {
          expect(node === counterpart).toBe(basisNodes.has(counterpart));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
