import { printable } from '../../../change/printable.js';

/** How much of a name or a value from a record a message quotes: enough to recognise it. */
const MAX_QUOTED = 40;

/** A field or label name from a record, as a path segment: one line, at most 40 characters. */
export function shownName(name: string): string {
  if (name === '') return '""';
  const shown = printable(name.length > MAX_QUOTED ? name.slice(0, MAX_QUOTED) : name);
  return name.length > MAX_QUOTED ? `${shown}...` : shown;
}

/** What a record held where something else was expected, without quoting it at length. */
function shownValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string "${shownName(value)}"`;
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `the ${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

const FIELDS = 'labels, percent, seed and instances';

/** The issues of a selector read from a record (`K/overlays/<name>`, `K/canary`, a trial). */
export const selectorMessages = {
  notASelector: (value: unknown) =>
    `must be a selector, an object with any of ${FIELDS}; got ${shownValue(value)}`,
  unknownField: (suggestion: string | undefined) =>
    `unknown field: a selector has ${FIELDS} only` +
    (suggestion ? ` (did you mean "${suggestion}"?)` : ''),
  notLabels: (value: unknown) =>
    `must be an object of label names to values ({ "symbol": "BTC" }); got ${shownValue(value)}`,
  emptyLabelName: () => 'a label name must not be empty',
  prototypeKey: () =>
    'refused: "__proto__", "constructor" and "prototype" reach an object\'s prototype ' +
    '(prototype poisoning)',
  labelValue: (value: unknown) => `must be a non-empty string; got ${shownValue(value)}`,
  percent: (value: unknown) =>
    `must be a number from 0 to 100, or a range [from, to] of two; got ${shownValue(value)}`,
  percentBound: (value: unknown) => `must be a number from 0 to 100; got ${shownValue(value)}`,
  percentOrder: (from: number, to: number) =>
    `the range starts after it ends: from ${from} must not be greater than to ${to}`,
  seed: (value: unknown) => `must be a non-empty string; got ${shownValue(value)}`,
  instances: (value: unknown) =>
    `must be an array of instance ids (["bot-3"]); got ${shownValue(value)}`,
  instanceId: (value: unknown) =>
    `must be a non-empty string, an instance id; got ${shownValue(value)}`,
} as const;
