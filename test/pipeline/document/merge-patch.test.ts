import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../../lib/pipeline/document/merge-patch.js';
import { deepFreeze } from '../../../lib/pipeline/deep-freeze.js';

/** RFC 7386, Appendix A: every example, as original, patch and result JSON texts. */
const APPENDIX_A: [original: string, patch: string, result: string][] = [
  ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
  ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
  ['{"a":"b"}', '{"a":null}', '{}'],
  ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
  ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
  ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
  ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
  ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
  ['["a","b"]', '["c","d"]', '["c","d"]'],
  ['{"a":"b"}', '["c"]', '["c"]'],
  ['{"a":"foo"}', 'null', 'null'],
  ['{"a":"foo"}', '"bar"', '"bar"'],
  ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
  ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
  ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
];

/** RFC 7386, section 3: the worked example. */
const SECTION_3 = {
  original: `{
    "title": "Goodbye!",
    "author": { "givenName": "John", "familyName": "Doe" },
    "tags": ["example", "sample"],
    "content": "This will be unchanged"
  }`,
  patch: `{
    "title": "Hello!",
    "phoneNumber": "+01-123-456-7890",
    "author": { "familyName": null },
    "tags": ["example"]
  }`,
  result: `{
    "title": "Hello!",
    "author": { "givenName": "John" },
    "tags": ["example"],
    "content": "This will be unchanged",
    "phoneNumber": "+01-123-456-7890"
  }`,
};

/** The RFC's pseudocode, word for word, on copies it may change. */
function referenceMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else
      result[name] = referenceMergePatch(
        Object.hasOwn(result, name) ? result[name] : undefined,
        value,
      );
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

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
  // 'constructor' and 'toString' exist on every object's prototype: only own members count.
  object: fc.dictionary(
    fc.constantFrom('k', 'm', 'risk', 'constructor', 'toString'),
    tie('value'),
    {
      maxKeys: 4,
      noNullPrototype: true, // as JSON.parse makes them
    },
  ),
  array: fc.array(tie('value'), { maxLength: 3 }),
}));

describe('applyMergePatch (RFC 7386)', () => {
  it.each(APPENDIX_A)('Appendix A: %s patched with %s is %s', (original, patch, result) => {
    expect(applyMergePatch(JSON.parse(original), JSON.parse(patch))).toStrictEqual(
      JSON.parse(result),
    );
  });

  it('section 3: the worked example', () => {
    const result = applyMergePatch(JSON.parse(SECTION_3.original), JSON.parse(SECTION_3.patch));
    expect(result).toStrictEqual(JSON.parse(SECTION_3.result));
  });

  it('gives what the RFC pseudocode gives, for any JSON target and patch', () => {
    fc.assert(
      fc.property(json.value, json.value, (target, patch) => {
        const expected = referenceMergePatch(structuredClone(target), structuredClone(patch));
        // The same JSON text: the same members in the same order.
        expect(JSON.stringify(applyMergePatch(target, patch))).toBe(JSON.stringify(expected));
      }),
    );
  });

  it('is the identity for an empty patch: the very same object comes back', () => {
    fc.assert(
      fc.property(json.object, (target) => {
        expect(applyMergePatch(target, {})).toBe(target);
      }),
    );
  });

  it('changes neither input, and works on deep-frozen ones', () => {
    fc.assert(
      fc.property(json.value, json.value, (target, patch) => {
        const [targetBefore, patchBefore] = [structuredClone(target), structuredClone(patch)];
        const result = applyMergePatch(deepFreeze(target), deepFreeze(patch));
        // Compared as JSON text, key order included ('constructor' keys defeat toStrictEqual).
        expect(JSON.stringify(target)).toBe(JSON.stringify(targetBefore));
        expect(JSON.stringify(patch)).toBe(JSON.stringify(patchBefore));
        // Whatever the result shares with the inputs is frozen with them: nothing was changed.
        expect(result).toEqual(referenceMergePatch(targetBefore, patchBefore));
      }),
    );
  });

  it('keeps the identity of every member the patch does not touch, and of unchanged ones', () => {
    fc.assert(
      fc.property(json.object, json.object, (target, patch) => {
        const result = applyMergePatch(target, patch) as Record<string, unknown>;
        for (const key of Object.keys(target)) {
          if (!Object.hasOwn(patch, key)) expect(result[key]).toBe(target[key]);
        }
        // Applying it again changes nothing more: merge patches are idempotent, and the
        // second pass gives back the first result itself.
        expect(applyMergePatch(result, patch)).toBe(result);
      }),
    );
  });

  it('shares nothing it changed with the target: its objects stay as they were', () => {
    const target = { risk: { maxPosition: 1, stopLoss: 0.05 }, symbols: ['BTC'] };
    const result = applyMergePatch(target, { risk: { maxPosition: 2 } }) as typeof target;
    expect(result).toEqual({ risk: { maxPosition: 2, stopLoss: 0.05 }, symbols: ['BTC'] });
    expect(result).not.toBe(target);
    expect(result.risk).not.toBe(target.risk);
    expect(result.symbols).toBe(target.symbols);
    expect(target.risk.maxPosition).toBe(1);
  });

  it('defines a "__proto__" member as its own, never changing a prototype', () => {
    // JSON.parse makes "__proto__" an own key; the strict parser refuses such a file, but the
    // merge must be safe on its own.
    const patch = JSON.parse(
      '{"__proto__": {"polluted": true}, "nested": {"__proto__": {"x": 1}}}',
    );
    const result = applyMergePatch({ nested: {} }, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.nested)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect((result as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(result)).toBe(
      '{"nested":{"__proto__":{"x":1}},"__proto__":{"polluted":true}}',
    );
    // And deleting it deletes the own member only.
    const removed = applyMergePatch(result, JSON.parse('{"__proto__": null}'));
    expect(Object.hasOwn(removed as object, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(removed)).toBe(Object.prototype);
  });
});
