import { escapeControlCharacters } from '../../change/printable.js';

const TERMS =
  'comma-separated terms: 10% or 50%..100% (a share of the fleet), seed=<text>, ' +
  'instance=<id> (repeatable), or <label>=<value>';

/** A term as typed, quoted, with anything that could move the cursor escaped. */
const quoted = (term: string) => `"${escapeControlCharacters(term)}"`;

/** What is wrong with a selector given on the command line (`--canary`, `--match`). */
export const selectorFlagMessages = {
  empty: () => `an empty selector: give ${TERMS} (100% for every instance).`,
  emptyTerm: (position: number) =>
    `term ${position} is empty (two commas in a row, or one at an end): give ${TERMS}.`,
  notATerm: (term: string) =>
    `${quoted(term)} is not a term` +
    (/^\d+(\.\d+)?$/.test(term) ? ` (did you mean ${term}%?)` : '') +
    `: give ${TERMS}.`,
  badPercent: (term: string) =>
    `${quoted(term)}: a share of the fleet from 0% to 100% was expected, like 10%, 2.5% or ` +
    '50%..100% (from no greater than to).',
  percentTwice: (term: string, first: string) =>
    `${quoted(term)}: a share of the fleet is given twice (first ${quoted(first)}); give one.`,
  noName: (term: string) => `${quoted(term)}: "=" without a name before it; write name=value.`,
  noValue: (term: string) => `${quoted(term)}: no value after "="; write name=value.`,
  prototypeName: (term: string) =>
    `${quoted(term)}: "__proto__", "constructor" and "prototype" are no label names (they reach ` +
    "an object's prototype).",
  badLabelName: (term: string, name: string) =>
    `${quoted(term)}: ${quoted(name)} is no label name an instance can have: letters, digits ` +
    'and _ . / -, starting with a letter or digit, at most 63 characters.',
  givenTwice: (term: string, name: string, first: string) =>
    `${quoted(term)}: ${quoted(name)} is already ${quoted(first)}; an instance has one value ` +
    'per label, so both cannot hold.',
} as const;
