import fc from 'fast-check';
import diff from 'microdiff';
import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../lib/change/config.diff.js';
import { toDottedPath } from '../../lib/change/config-path.js';
import { shareUnchanged } from '../../lib/pipeline/structural-sharing.js';

/** JSON documents, with key names that shadow Object.prototype's now and then. */
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
  object: fc.dictionary(
    fc.constantFrom('k', 'm', 'risk', 'constructor', 'toString'),
    tie('value'),
    {
      maxKeys: 4,
    },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).object;

/** microdiff on prototype-less copies: own keys only, the reference the change list follows. */
function reference(before: object, after: object) {
  const bare = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(bare);
    if (value === null || typeof value !== 'object') return value;
    const copy: Record<string, unknown> = Object.create(null);
    for (const [key, child] of Object.entries(value)) copy[key] = bare(child);
    return copy;
  };
  return diff(bare(before) as object, bare(after) as object, { cyclesFix: false }).map((d) => ({
    path: toDottedPath(d.path),
    oldValue: d.type === 'CREATE' ? undefined : d.oldValue,
    newValue: d.type === 'REMOVE' ? undefined : d.value,
  }));
}

describe('diffConfigs', () => {
  it("is microdiff's own-key result, with or without subtrees shared between the two sides", () => {
    fc.assert(
      fc.property(json, json, fc.boolean(), (before, after, shared) => {
        const right = shared ? shareUnchanged(structuredClone(after), before).value : after;
        // Compared as JSON: the reference holds prototype-less copies of the values.
        expect(JSON.stringify(diffConfigs(before, right))).toBe(
          JSON.stringify(reference(before, after)),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
