import { ConfigValidationError, type ConfigIssue } from '../../../config-reloader.errors.js';
import { closestName } from '../../../config-reloader.suggest.js';
import { parseConfigText } from '../../../pipeline/document/config.parser.js';
import { readMatchInto, type Selector } from './selector.js';
import { shownName } from './selector.messages.js';

/** Where the trials of the config key `key` live: `<key>/trials/<id>`. */
export function trialsPrefix(key: string): string {
  return `${key}/trials/`;
}

/**
 * `K/trials/<id>`: a dry run. Every live instance its selector matches judges the candidate,
 * merged with its own overlays, as a reload would, applies nothing, and says what it made of it
 * in its status record. Kept under the lease of the CLI that waits for the answers.
 */
export interface TrialRecord {
  /** The name of its key under `K/trials/`; the default seed of `match`. */
  id: string;
  /** The whole JSON document to judge, in place of the base `K`. */
  candidate: string;
  /** Which instances judge it; absent: every one. */
  match?: Selector;
}

const FIELDS = ['id', 'candidate', 'match'] as const;

const trialMessages = {
  unknownField: (suggestion: string | undefined) =>
    'unknown field: a trial has id, candidate and match only' +
    (suggestion ? ` (did you mean "${suggestion}"?)` : ''),
  id: () => "is required: a string, the name of the trial's key under trials/",
  // Never quotes the candidate: it is a config, with its secrets.
  candidate: () => 'is required: the whole JSON document to try, as a string',
};

/**
 * Reads a trial record as strictly as a config: any etcd user with write access to the prefix
 * can put one, and an instance of another version must say it cannot read a field rather than
 * judge something else. `name` is the part of the key after `trials/`, which `id` must equal.
 * Throws `ConfigParseError` (bad JSON, with line and column) or `ConfigValidationError` (with
 * the JSON path), both naming `where` (the record's key); never quotes the candidate.
 */
export function readTrialRecord(text: string, where: string, name: string): TrialRecord {
  const record = parseConfigText(text, where);
  const issues: ConfigIssue[] = [];
  for (const field of Object.keys(record)) {
    if ((FIELDS as readonly string[]).includes(field)) continue;
    const hint = closestName(field.slice(0, 64), FIELDS);
    issues.push({ path: shownName(field), message: trialMessages.unknownField(hint) });
  }
  const { id, candidate } = record;
  if (id !== name) issues.push({ path: 'id', message: trialMessages.id() });
  if (typeof candidate !== 'string') {
    issues.push({ path: 'candidate', message: trialMessages.candidate() });
  }
  const match = readMatchInto(record, where, issues);
  if (issues.length > 0) throw new ConfigValidationError(where, issues);
  return { id: name, candidate: candidate as string, ...(match ? { match } : {}) };
}

/** The record `publish --dry-run --wait` puts. */
export function trialRecordText(record: TrialRecord): string {
  return JSON.stringify(record);
}
